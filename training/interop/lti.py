"""LTI 1.3 (LTI Advantage) messages, checked and built as plain functions.

A launch is an OpenID Connect third-party-initiated login: the platform (Moodle, Canvas,
Open edX...) calls ``/lti/login``; the tool answers with an authentication request carrying
a fresh ``state`` (also set in a cookie, binding the launch to this browser) and ``nonce``
(stored on the server for a single use); the platform posts back a signed ``id_token`` to
``/lti/launch``. :func:`verify_launch` applies every check of the IMS Security Framework
(section 5.1.3) and LTI 1.3 core:

* signature: RS256 only, with a key from the platform's registered key set (``alg: none``
  and HMAC tokens are refused);
* ``iss`` is the registered issuer, ``aud`` contains the registered client id (and ``azp``
  is that client id when there are several audiences);
* ``exp`` is in the future, ``iat`` is not in the future and not older than
  :data:`MAX_TOKEN_AGE` (a small clock leeway either way);
* ``nonce`` is the one this tool issued for this ``state`` (the caller consumes it once);
* the ``deployment_id`` is one registered for the platform;
* the message is LTI 1.3.0, of a type the tool handles, with a ``sub``.

The dictionaries built here (Deep Linking response, client assertion, score) are signed
with the tool's key by :func:`sign`. Nothing here does I/O or imports Flask.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, RSAKey

from ..translatable import N_, gettext

LTI = "https://purl.imsglobal.org/spec/lti/claim"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINKING = "LtiDeepLinkingRequest"
VERSION = "1.3.0"
ALGORITHMS = ["RS256"]
LEEWAY = 60
"""Seconds of clock difference accepted between platform and tool."""
MAX_TOKEN_AGE = 10 * 60
"""An id_token issued longer ago than this is refused even if its ``exp`` is later."""
LOGIN_TTL = 10 * 60
"""How long a login's state and nonce stay usable."""
SCOPE_LINEITEM = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCOPE_SCORE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
SCOPE_RESULT = "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly"
SCOPE_NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
SCORE_SCOPES = (SCOPE_SCORE,)
LTI_PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
LTI_TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"

# LTI role URIs that make someone a trainer here; everyone else is a learner. Administrator
# rights are never granted through LTI: administrators stay local accounts.
TRAINER_ROLES = frozenset(
    {
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
        "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper",
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor",
        "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor",
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty",
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator",
        "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator",
        "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator",
        "Instructor",
        "TeachingAssistant",
        "ContentDeveloper",
        "Mentor",
    }
)


class LtiError(ValueError):
    """A message failed a check; the text says which. ``str()`` is the English text (for the
    log); :meth:`translated` is the text in the language of the page showing it."""

    def __init__(self, message: str, **values: object):
        super().__init__(message % values if values else message)
        self.message, self.values = message, values

    def translated(self) -> str:
        return gettext(self.message, **self.values)


@dataclass(frozen=True, slots=True)
class Registration:
    """What the tool knows about one platform (from the registration page or CLI)."""

    issuer: str
    client_id: str
    deployment_ids: frozenset[str]


@dataclass(frozen=True, slots=True)
class DeepLinkSettings:
    return_url: str
    accept_types: tuple[str, ...]
    accept_multiple: bool
    data: str | None


@dataclass(frozen=True, slots=True)
class Launch:
    """A verified launch: who, from where, to what, and which services come with it."""

    message_type: str
    issuer: str
    client_id: str
    deployment_id: str
    sub: str
    name: str
    roles: tuple[str, ...]
    target_link_uri: str
    context_id: str | None = None
    context_title: str = ""
    resource_link_id: str | None = None
    resource_link_title: str = ""
    custom: Mapping[str, Any] = field(default_factory=dict)
    lineitems_url: str | None = None
    lineitem_url: str | None = None
    ags_scopes: tuple[str, ...] = ()
    memberships_url: str | None = None
    deep_linking: DeepLinkSettings | None = None

    @property
    def is_trainer(self) -> bool:
        return is_trainer(self.roles)


def is_trainer(roles: Iterable[str]) -> bool:
    """LMS instructors (and teaching assistants, content developers, administrators of the
    course) are trainers here; learners and everyone else are learners."""
    return any(role in TRAINER_ROLES for role in roles)


def new_login() -> tuple[str, str]:
    """A fresh ``state`` and ``nonce`` for an authentication request."""
    return secrets.token_urlsafe(32), secrets.token_urlsafe(32)


def unverified_header(token: str) -> dict[str, Any]:
    """The token's header, read before the signature is checked (to pick the key)."""
    try:
        return dict(jws.extract_compact(token.encode()).protected)
    except (JoseError, ValueError) as exc:
        raise LtiError(N_("the id_token is not a JWT")) from exc


def verify_launch(
    token: str,
    keys: Mapping[str, Any],
    registration: Registration,
    nonce: str,
    now: float | None = None,
) -> Launch:
    """Check an ``id_token`` against the platform's key set (JWKS as a dict) and its
    registration; raise :class:`LtiError` naming the first check that failed
    (docs/security.md LTI-1)."""
    now = time.time() if now is None else now
    try:
        key_set = KeySet.import_key_set(dict(keys))  # type: ignore[arg-type] # a JWKS as fetched
    except (JoseError, ValueError, KeyError) as exc:
        raise LtiError(N_("the platform's key set is not usable")) from exc
    header = unverified_header(token)
    if header.get("alg") not in ALGORITHMS:
        raise LtiError(N_("signature algorithm %(alg)s is not accepted (RS256 only)"), alg=repr(header.get("alg")))
    try:
        claims = jwt.decode(token, key_set, algorithms=ALGORITHMS).claims
    except (JoseError, ValueError) as exc:
        raise LtiError(N_("the signature does not verify with the platform's keys")) from exc

    if claims.get("iss") != registration.issuer:
        raise LtiError(N_("the issuer is not the registered platform"))
    audience = claims.get("aud")
    audiences = [audience] if isinstance(audience, str) else list(audience or [])
    if registration.client_id not in audiences:
        raise LtiError(N_("the token is not meant for this tool (audience)"))
    if len(audiences) > 1 and claims.get("azp") != registration.client_id:
        raise LtiError(N_("several audiences and no matching authorized party (azp)"))
    _check_times(claims, now)
    if not nonce or not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
        raise LtiError(N_("the nonce does not match the login"))
    deployment = claims.get(f"{LTI}/deployment_id")
    if deployment not in registration.deployment_ids:
        raise LtiError(N_("the deployment id is not registered for this platform"))
    if claims.get(f"{LTI}/version") != VERSION:
        raise LtiError(N_("not an LTI 1.3.0 message"))
    message_type = claims.get(f"{LTI}/message_type")
    if message_type not in (RESOURCE_LINK, DEEP_LINKING):
        raise LtiError(N_("message type %(type)s is not handled"), type=repr(message_type))
    if not claims.get("sub"):
        raise LtiError(N_("anonymous launches are not accepted: the platform must send the user's id (sub)"))
    return _launch(claims, registration, message_type)


def _check_times(claims: Mapping[str, Any], now: float) -> None:
    exp, iat = claims.get("exp"), claims.get("iat")
    if not isinstance(exp, int | float) or not isinstance(iat, int | float):
        raise LtiError(N_("the token has no expiry or issue time"))
    if exp < now - LEEWAY:
        raise LtiError(N_("the token has expired"))
    if iat > now + LEEWAY:
        raise LtiError(N_("the token was issued in the future"))
    if iat < now - MAX_TOKEN_AGE - LEEWAY:
        raise LtiError(N_("the token is too old"))


def _launch(claims: Mapping[str, Any], registration: Registration, message_type: str) -> Launch:
    roles = tuple(str(r) for r in claims.get(f"{LTI}/roles") or ())
    context = claims.get(f"{LTI}/context") or {}
    link = claims.get(f"{LTI}/resource_link") or {}
    if message_type == RESOURCE_LINK and not link.get("id"):
        raise LtiError(N_("a resource link launch without a resource link id"))
    ags = claims.get(AGS) or {}
    nrps = claims.get(NRPS) or {}
    deep = None
    if message_type == DEEP_LINKING:
        settings = claims.get(f"{DL}/deep_linking_settings") or {}
        if not settings.get("deep_link_return_url"):
            raise LtiError(N_("a deep linking request without a return URL"))
        deep = DeepLinkSettings(
            return_url=settings["deep_link_return_url"],
            accept_types=tuple(settings.get("accept_types") or ()),
            accept_multiple=bool(settings.get("accept_multiple", False)),
            data=settings.get("data"),
        )
    name = claims.get("name") or " ".join(p for p in (claims.get("given_name"), claims.get("family_name")) if p)
    return Launch(
        message_type=message_type,
        issuer=registration.issuer,
        client_id=registration.client_id,
        deployment_id=claims[f"{LTI}/deployment_id"],
        sub=str(claims["sub"]),
        name=str(name or "")[:120],
        roles=roles,
        target_link_uri=str(claims.get(f"{LTI}/target_link_uri") or ""),
        context_id=str(context["id"]) if context.get("id") else None,
        context_title=str(context.get("title") or context.get("label") or "")[:120],
        resource_link_id=str(link["id"]) if link.get("id") else None,
        resource_link_title=str(link.get("title") or "")[:200],
        custom=dict(claims.get(f"{LTI}/custom") or {}),
        lineitems_url=ags.get("lineitems"),
        lineitem_url=ags.get("lineitem"),
        ags_scopes=tuple(ags.get("scope") or ()),
        memberships_url=nrps.get("context_memberships_url"),
        deep_linking=deep,
    )


def tool_addresses(url: Callable[[str], str]) -> list[tuple[str, str]]:
    """What a platform administrator pastes into the LMS's tool settings, labelled as Moodle
    names its fields (labels marked for translation). ``url`` gives an endpoint's full URL."""
    return [
        (N_("Tool URL"), url("learn.course_map")),
        (N_("Initiate login URL"), url("lti.login")),
        (N_("Redirection URI"), url("lti.launch")),
        (N_("Public keyset URL"), url("lti.jwks")),
        (N_("Content selection URL (deep linking)"), url("lti.launch")),
    ]


# --- what the tool signs -------------------------------------------------------------------


def new_key(kid: str | None = None) -> RSAKey:
    return RSAKey.generate_key(
        2048, parameters={"kid": kid or secrets.token_hex(8), "use": "sig", "alg": "RS256"}, private=True
    )


def load_key(pem: str, kid: str) -> RSAKey:
    return RSAKey.import_key(pem, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


def public_jwks(keys: Sequence[RSAKey]) -> dict[str, Any]:
    return {"keys": [key.as_dict(private=False) for key in keys]}


def sign(claims: Mapping[str, Any], key: RSAKey) -> str:
    return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "JWT"}, dict(claims), key)


@dataclass(frozen=True, slots=True)
class ContentItem:
    """A link the LMS places: the whole course, or one unit."""

    url: str
    title: str
    text: str = ""
    line_item_label: str | None = None
    """Set when the link should get a gradebook column (scores 0 to 100)."""
    resource_id: str | None = None


def deep_linking_response(
    settings: DeepLinkSettings, items: Sequence[ContentItem], client_id: str, issuer: str, deployment_id: str, now: int
) -> dict[str, Any]:
    """The claims of an ``LtiDeepLinkingResponse`` placing ``items`` in the platform."""
    content = []
    for item in items:
        entry: dict[str, Any] = {"type": "ltiResourceLink", "url": item.url, "title": item.title}
        if item.text:
            entry["text"] = item.text
        if item.line_item_label is not None:
            entry["lineItem"] = {"scoreMaximum": 100, "label": item.line_item_label}
            if item.resource_id:
                entry["lineItem"]["resourceId"] = item.resource_id
        content.append(entry)
    claims: dict[str, Any] = {
        "iss": client_id,
        "aud": [issuer],
        "iat": now,
        "exp": now + 600,
        "nonce": secrets.token_urlsafe(16),
        f"{LTI}/deployment_id": deployment_id,
        f"{LTI}/message_type": "LtiDeepLinkingResponse",
        f"{LTI}/version": VERSION,
        f"{DL}/content_items": content,
    }
    if settings.data is not None:
        claims[f"{DL}/data"] = settings.data
    return claims


def client_assertion(client_id: str, token_url: str, audience: str | None, now: int) -> dict[str, Any]:
    """Claims of the JWT the tool presents to get an access token (RFC 7523 client auth)."""
    return {
        "iss": client_id,
        "sub": client_id,
        "aud": audience or token_url,
        "iat": now,
        "exp": now + 300,
        "jti": secrets.token_urlsafe(16),
    }


def score(
    user_sub: str, given: float | None, completed: bool, graded: bool, timestamp: str, comment: str = ""
) -> dict[str, Any]:
    """An Assignment and Grade Services score (``application/vnd.ims.lis.v1.score+json``)."""
    body: dict[str, Any] = {
        "userId": user_sub,
        "activityProgress": "Completed" if completed else "InProgress",
        "gradingProgress": "FullyGraded" if graded else "Pending",
        "timestamp": timestamp,
    }
    if given is not None:
        body["scoreGiven"] = round(given, 2)
        body["scoreMaximum"] = 100
    if comment:
        body["comment"] = comment
    return body


# --- dynamic registration (LTI Dynamic Registration 1.0) ---------------------------------------


@dataclass(frozen=True, slots=True)
class PlatformConfiguration:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    product: str


def read_openid_configuration(config: Mapping[str, Any], config_url: str) -> PlatformConfiguration:
    """The platform's OpenID configuration, checked: every endpoint present, and the issuer
    on the same host as the configuration it was read from."""
    missing = [
        name
        for name in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint")
        if not isinstance(config.get(name), str) or not config.get(name)
    ]
    if missing:
        raise LtiError(N_("the platform's configuration lacks %(names)s"), names=", ".join(missing))
    if urlsplit(config["issuer"]).netloc != urlsplit(config_url).netloc:
        raise LtiError(N_("the platform's issuer is not on the host its configuration came from"))
    product = (config.get(LTI_PLATFORM_CONFIGURATION) or {}).get("product_family_code", "")
    return PlatformConfiguration(
        issuer=config["issuer"],
        authorization_endpoint=config["authorization_endpoint"],
        token_endpoint=config["token_endpoint"],
        jwks_uri=config["jwks_uri"],
        registration_endpoint=config["registration_endpoint"],
        product=str(product),
    )


def registration_request(
    name: str, login_url: str, launch_url: str, jwks_url: str, target_url: str, description: str = ""
) -> dict[str, Any]:
    """The tool's client registration (OpenID Connect Dynamic Client Registration with the
    LTI tool configuration): a launch and a Deep Linking placement, grades and rosters."""
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": login_url,
        "redirect_uris": [launch_url],
        "client_name": name,
        "jwks_uri": jwks_url,
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join((SCOPE_LINEITEM, SCOPE_SCORE, SCOPE_RESULT, SCOPE_NRPS)),
        LTI_TOOL_CONFIGURATION: {
            "domain": urlsplit(target_url).netloc,
            "description": description,
            "target_link_uri": target_url,
            "claims": ["iss", "sub", "name", "given_name", "family_name"],
            "messages": [{"type": DEEP_LINKING, "target_link_uri": launch_url, "label": name}],
        },
    }


def read_registration_response(response: Mapping[str, Any]) -> tuple[str, str]:
    """The client id and deployment id the platform gave the tool."""
    client_id = response.get("client_id")
    deployment = (response.get(LTI_TOOL_CONFIGURATION) or {}).get("deployment_id")
    if not client_id or not deployment:
        raise LtiError(N_("the platform's answer to the registration lacks a client id or a deployment id"))
    return str(client_id), str(deployment)
