"""An LTI 1.3 platform for the tests, written on ``jwcrypto`` from the specification alone.

It never imports the code under test (``training``): it is the other side of the protocol,
as Moodle or Canvas would be. It serves, over real HTTP on loopback:

* ``/jwks``: its public keys;
* ``/auth``: the OpenID Connect authorization endpoint, which checks the tool's
  authentication request and answers with a self-submitting form posting a signed
  ``id_token`` to the tool's redirect URI (``Platform.next_launch`` says for whom);
* ``/token``: OAuth 2 client credentials with a JWT client assertion signed by the tool
  (RFC 7523), checked against the tool's public key set;
* ``/lineitems`` (per course): Assignment and Grade Services line items and their
  ``/scores``, recorded in ``Platform.scores``;
* ``/memberships``: Names and Role Provisioning Services, from ``Platform.roster``;
* ``/deep_link_return``: receives a Deep Linking response and checks its signature.

Tests can also ask it to make forged, replayed, expired or misaddressed tokens.
"""

from __future__ import annotations

import html
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from jwcrypto import jwk, jwt

LTI = "https://purl.imsglobal.org/spec/lti/claim"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
ADMIN = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Administrator"
SCOPES = (
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
)


@dataclass
class Person:
    sub: str
    name: str
    roles: list[str]
    email: str = ""


@dataclass
class NextLaunch:
    person: Person
    message_type: str = "LtiResourceLinkRequest"
    target_link_uri: str = ""
    resource_link_id: str = "link-1"
    lineitem: str | None = None
    """The URL of the line item bound to the link (a deep-linked unit has its own)."""
    overrides: dict[str, Any] = field(default_factory=dict)
    """Claims to replace (or, with None, remove), to make bad tokens."""
    sign_with: jwk.JWK | None = None
    alg: str = "RS256"


@dataclass
class Platform:
    url: str = ""
    issuer: str = ""
    client_id: str = "tool-client-1"
    deployment_id: str = "deployment-1"
    context_id: str = "course-101"
    key: jwk.JWK = field(default_factory=lambda: jwk.JWK.generate(kty="RSA", size=2048, kid="platform-key-1"))
    tool_redirect_uris: list[str] = field(default_factory=list)
    tool_jwks: dict[str, Any] = field(default_factory=dict)
    next_launch: NextLaunch | None = None
    issued_tokens: list[str] = field(default_factory=list)
    access_tokens: dict[str, set[str]] = field(default_factory=dict)
    lineitems: dict[str, dict[str, Any]] = field(default_factory=dict)
    scores: list[dict[str, Any]] = field(default_factory=list)
    roster: list[Person] = field(default_factory=list)
    deep_link_responses: list[dict[str, Any]] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    seen_assertion_ids: set[str] = field(default_factory=set)
    registration_token: str = "one-time-registration-token"
    registrations: list[dict[str, Any]] = field(default_factory=list)

    # --- tokens ---------------------------------------------------------------------------

    def jwks(self) -> dict[str, Any]:
        return {"keys": [json.loads(self.key.export_public())]}

    def claims_for(self, launch: NextLaunch, nonce: str) -> dict[str, Any]:
        now = int(time.time())
        person = launch.person
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": person.sub,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": person.name,
            "email": person.email,
            f"{LTI}/message_type": launch.message_type,
            f"{LTI}/version": "1.3.0",
            f"{LTI}/deployment_id": self.deployment_id,
            f"{LTI}/target_link_uri": launch.target_link_uri,
            f"{LTI}/roles": person.roles,
            f"{LTI}/context": {"id": self.context_id, "label": "MIG101", "title": "Migration 101"},
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": f"{self.url}/memberships",
                "service_versions": ["2.0"],
            },
        }
        if launch.message_type == "LtiResourceLinkRequest":
            claims[f"{LTI}/resource_link"] = {"id": launch.resource_link_id, "title": "Migration course"}
            ags: dict[str, Any] = {"scope": list(SCOPES[:3]), "lineitems": f"{self.url}/lineitems"}
            if launch.lineitem:
                ags["lineitem"] = launch.lineitem
            claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"] = ags
        else:
            claims[f"{DL}/deep_linking_settings"] = {
                "deep_link_return_url": f"{self.url}/deep_link_return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["window", "iframe"],
                "accept_multiple": True,
                "data": "opaque-platform-data",
            }
        for name, value in launch.overrides.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return claims

    def sign(self, claims: dict[str, Any], key: jwk.JWK | None = None, alg: str = "RS256") -> str:
        key = key or self.key
        header = {"alg": alg, "typ": "JWT"}
        if alg.startswith("RS"):
            header["kid"] = key.kid
        token = jwt.JWT(header=header, claims=claims)
        token.make_signed_token(key)
        return token.serialize()

    # --- the tool's messages to the platform ---------------------------------------------

    def verify_tool_jwt(self, token: str, audience: str) -> dict[str, Any]:
        keys = jwk.JWKSet.from_json(json.dumps(self.tool_jwks))
        checked = jwt.JWT(jwt=token, key=keys, algs=["RS256"], expected_type="JWS")
        claims = json.loads(checked.claims)
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if audience not in audiences:
            raise ValueError(f"wrong audience {claims['aud']!r}")
        if claims["exp"] < time.time():
            raise ValueError("expired")
        return claims


class _Handler(BaseHTTPRequestHandler):
    platform: Platform

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: Any, content_type: str = "application/json") -> None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _form(self) -> dict[str, str]:
        length = int(self.headers.get("Content-Length") or 0)
        return {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}

    def _json(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"null")

    def _authorised(self, scope: str) -> bool:
        header = self.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ")
        if scope not in self.platform.access_tokens.get(token, set()):
            self.platform.refused.append(f"{self.command} {self.path}: no token with {scope}")
            self._send(401, {"error": "invalid_token"})
            return False
        return True

    def do_GET(self) -> None:
        p = self.platform
        path, _, query = self.path.partition("?")
        params = {k: v[0] for k, v in parse_qs(query).items()}
        if path == "/jwks":
            return self._send(200, p.jwks())
        if path == "/.well-known/openid-configuration":
            return self._send(
                200,
                {
                    "issuer": p.issuer,
                    "authorization_endpoint": f"{p.url}/auth",
                    "token_endpoint": f"{p.url}/token",
                    "jwks_uri": f"{p.url}/jwks",
                    "registration_endpoint": f"{p.url}/register",
                    "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "scopes_supported": ["openid", *SCOPES],
                    "response_types_supported": ["id_token"],
                    "claims_supported": ["iss", "sub", "name"],
                    "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                        "product_family_code": "test-platform",
                        "version": "1.0",
                        "messages_supported": [{"type": "LtiResourceLinkRequest"}, {"type": "LtiDeepLinkingRequest"}],
                    },
                },
            )
        if path == "/auth":
            return self._authorise(params)
        if path == "/lineitems":
            if not self._authorised(SCOPES[0]) and not self._authorised(SCOPES[2]):
                return None
            items = list(p.lineitems.values())
            for name in ("resource_id", "resource_link_id", "tag"):
                if name in params:
                    key = {"resource_id": "resourceId", "resource_link_id": "resourceLinkId", "tag": "tag"}[name]
                    items = [i for i in items if i.get(key) == params[name]]
            return self._send(200, items, "application/vnd.ims.lis.v2.lineitemcontainer+json")
        if path == "/memberships":
            if not self._authorised(SCOPES[3]):
                return None
            members = [
                {"user_id": m.sub, "name": m.name, "email": m.email, "roles": m.roles, "status": "Active"}
                for m in p.roster
            ]
            body = {"id": f"{p.url}/memberships", "context": {"id": p.context_id}, "members": members}
            return self._send(200, body, "application/vnd.ims.lti-nrps.v2.membershipcontainer+json")
        return self._send(404, {"error": "not found"})

    def _authorise(self, params: dict[str, str]) -> None:
        p = self.platform
        problems = []
        expected = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post", "prompt": "none"}
        problems += [f"{k} must be {v}" for k, v in expected.items() if params.get(k) != v]
        if params.get("client_id") != p.client_id:
            problems.append("unknown client_id")
        if params.get("redirect_uri") not in p.tool_redirect_uris:
            problems.append("redirect_uri not registered")
        if not params.get("nonce") or not params.get("state"):
            problems.append("nonce and state are required")
        if params.get("login_hint") != "hint-for-the-user":
            problems.append("login_hint not echoed")
        if problems or p.next_launch is None:
            return self._send(400, {"error": "invalid_request", "problems": problems})
        launch = p.next_launch
        token = p.sign(p.claims_for(launch, params["nonce"]), launch.sign_with, launch.alg)
        p.issued_tokens.append(token)
        page = (
            f'<form method="post" action="{html.escape(params["redirect_uri"])}">'
            f'<input type="hidden" name="id_token" value="{html.escape(token)}">'
            f'<input type="hidden" name="state" value="{html.escape(params["state"])}">'
            "<button>Continue</button></form>"
        )
        return self._send(200, page, "text/html")

    def do_POST(self) -> None:
        p = self.platform
        path = self.path.partition("?")[0]
        if path == "/token":
            return self._token(self._form())
        if path == "/register":
            return self._register()
        if path == "/lineitems":
            if not self._authorised(SCOPES[0]):
                return None
            item = self._json()
            item["id"] = f"{p.url}/lineitems/{uuid.uuid4().hex[:8]}"
            p.lineitems[item["id"]] = item
            return self._send(201, item, "application/vnd.ims.lis.v2.lineitem+json")
        if path.startswith("/lineitems/") and path.endswith("/scores"):
            if not self._authorised(SCOPES[1]):
                return None
            if self.headers.get("Content-Type", "").split(";")[0] != "application/vnd.ims.lis.v1.score+json":
                return self._send(415, {"error": "score media type expected"})
            item_id = f"{p.url}{path.removesuffix('/scores')}"
            if item_id not in p.lineitems:
                return self._send(404, {"error": "no such line item"})
            p.scores.append({"lineitem": p.lineitems[item_id], **self._json()})
            return self._send(204, "")
        if path == "/deep_link_return":
            form = self._form()
            try:
                claims = p.verify_tool_jwt(form["JWT"], p.issuer)
            except Exception as exc:
                p.refused.append(f"deep link response: {exc}")
                return self._send(400, f"refused: {exc}", "text/plain")
            if claims.get(f"{LTI}/deployment_id") != p.deployment_id or claims.get("iss") != p.client_id:
                return self._send(400, "wrong deployment or issuer", "text/plain")
            for item in claims.get(f"{DL}/content_items", []):
                if "lineItem" in item:  # the platform creates the link's gradebook column
                    line = {**item["lineItem"], "id": f"{p.url}/lineitems/{uuid.uuid4().hex[:8]}"}
                    line.setdefault("resourceLinkId", f"dl-{len(p.lineitems)}")
                    p.lineitems[line["id"]] = line
                    item["_lineitem"] = line["id"]
            p.deep_link_responses.append(claims)
            return self._send(200, "<p>Content placed in the course.</p>", "text/html")
        return self._send(404, {"error": "not found"})

    def _register(self) -> None:
        """Dynamic registration: a one-time bearer token, and a client registration that
        names the tool's login, redirect and key set addresses."""
        p = self.platform
        if self.headers.get("Authorization") != f"Bearer {p.registration_token}":
            p.refused.append("registration: wrong or reused registration token")
            return self._send(401, {"error": "invalid_token"})
        body = self._json()
        tool = body.get("https://purl.imsglobal.org/spec/lti-tool-configuration") or {}
        problems = [
            name for name in ("initiate_login_uri", "redirect_uris", "jwks_uri", "client_name") if not body.get(name)
        ]
        if body.get("token_endpoint_auth_method") != "private_key_jwt" or not tool.get("target_link_uri"):
            problems.append("private_key_jwt and target_link_uri are required")
        if problems:
            return self._send(400, {"error": "invalid_client_metadata", "problems": problems})
        p.registration_token = ""  # used once
        p.client_id = f"client-{uuid.uuid4().hex[:8]}"
        p.deployment_id = f"deployment-{uuid.uuid4().hex[:4]}"
        p.tool_redirect_uris = list(body["redirect_uris"])
        p.registrations.append(body)
        answer = {
            **body,
            "client_id": p.client_id,
            "https://purl.imsglobal.org/spec/lti-tool-configuration": {**tool, "deployment_id": p.deployment_id},
        }
        return self._send(200, answer)

    def _token(self, form: dict[str, str]) -> None:
        p = self.platform
        try:
            if form.get("grant_type") != "client_credentials":
                raise ValueError("grant_type")
            if form.get("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
                raise ValueError("client_assertion_type")
            claims = p.verify_tool_jwt(form["client_assertion"], f"{p.url}/token")
            if claims["iss"] != p.client_id or claims["sub"] != p.client_id:
                raise ValueError("iss/sub must be the client id")
            if claims["jti"] in p.seen_assertion_ids:
                raise ValueError("assertion replayed")
            p.seen_assertion_ids.add(claims["jti"])
        except Exception as exc:
            p.refused.append(f"token: {exc}")
            return self._send(401, {"error": "invalid_client"})
        scopes = [s for s in form.get("scope", "").split() if s in SCOPES]
        token = secrets.token_urlsafe(24)
        p.access_tokens[token] = set(scopes)
        return self._send(
            200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": " ".join(scopes)}
        )


class RunningPlatform:
    def __init__(self) -> None:
        self.platform = Platform()
        handler = type("Handler", (_Handler,), {"platform": self.platform})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.platform.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.platform.issuer = self.platform.url
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Platform:
        self.thread.start()
        return self.platform

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def form_fields(page: str) -> tuple[str, dict[str, str]]:
    """The path and hidden fields of the page's form that posts to another site (the
    platform's self-submitting form, or the tool's Deep Linking return)."""
    import re

    for form in re.finditer(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', page, re.S):
        action = html.unescape(form.group(1))
        if action.startswith("http"):
            fields = {
                html.unescape(m.group(1)): html.unescape(m.group(2))
                for m in re.finditer(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form.group(2))
            }
            return urlsplit(action).path, fields
    raise AssertionError("no form posting to another site")


def login_query(platform: Platform, target: str) -> str:
    """The third-party-initiated login the platform starts (as a GET to the tool)."""
    return urlencode(
        {
            "iss": platform.issuer,
            "login_hint": "hint-for-the-user",
            "target_link_uri": target,
            "lti_message_hint": "message-hint",
            "client_id": platform.client_id,
            "lti_deployment_id": platform.deployment_id,
        }
    )
