"""LTI 1.3: registering platforms, single-use logins, launches that sign people in, rosters.

* A platform is registered by an administrator (``/admin/lti`` or ``training lti register``).
* ``start_login`` stores the state and nonce of a login; ``consume_login`` removes them as
  it reads them (one ``DELETE ... RETURNING``), so a launch is accepted at most once, by
  whichever server receives it.
* ``record_launch`` links the platform's user (by its stable id, ``sub``, never by name or
  email) to an account here, creating it on the first launch; instructors become trainers,
  everyone else learners, and administrators stay administrators (LTI never grants that
  role). The platform's course becomes a group; the link remembers where grades go.
* ``apply_roster`` fills that group from the course's roster (Names and Role Provisioning).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa
from flask import current_app

from ..database import insert, transactional, unique_or
from ..extensions import db
from ..interop import lti
from ..models import (
    Group,
    GroupRole,
    LtiAccount,
    LtiContext,
    LtiDeployment,
    LtiLineItem,
    LtiLogin,
    LtiPlatform,
    LtiRegistrationLink,
    LtiResourceLink,
    LtiToolKey,
    OutboxMessage,
    Role,
    User,
    utcnow,
)
from ..permissions import Actor, NotFound
from ..queries import lti as queries
from ..translatable import gettext
from .audit import AuditAction, audit
from .groups import upsert_memberships

NO_PASSWORD = "!lti"  # noqa: S105 - not a password: no password can match it
"""The password hash of an account that signs in only through its platform: it matches no
password (``verify_password`` refuses what is not an argon2 hash)."""
ROSTER = "lti-roster"
ROSTER_EVERY = timedelta(hours=1)


class RegistrationError(ValueError):
    """A registration cannot be made; each problem is a message safe to show, translated."""

    def __init__(self, *problems: str):
        super().__init__(" ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True, slots=True)
class PlatformFields:
    name: str
    issuer: str
    client_id: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    deployment_ids: tuple[str, ...]
    token_audience: str = ""


def _url_problem(label: str, url: str) -> str | None:
    parts = urlsplit(url)
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return gettext("%(field)s: enter a full address, like https://lms.example.org/...", field=label)
    if parts.scheme == "http" and not (local or current_app.config["ENV_NAME"] == "testing"):
        return gettext("%(field)s: the address must start with https://", field=label)
    return None


def check_fields(fields: PlatformFields) -> list[str]:
    """Every problem with a registration, for the form or the command line."""
    problems = []
    if not fields.name.strip():
        problems.append(gettext("Name: enter the platform’s name, e.g. Ministry Moodle."))
    if not fields.issuer.strip():
        problems.append(gettext("Issuer: copy the platform ID (issuer) from the platform’s tool settings."))
    if not fields.client_id.strip():
        problems.append(gettext("Client ID: copy it from the platform’s tool settings."))
    for label, url in (
        (gettext("Authentication request URL"), fields.auth_login_url),
        (gettext("Access token URL"), fields.auth_token_url),
        (gettext("Public keyset URL"), fields.key_set_url),
    ):
        problem = _url_problem(label, url.strip())
        if problem:
            problems.append(problem)
    if not [d for d in fields.deployment_ids if d.strip()]:
        problems.append(gettext("Deployment ID: add at least one."))
    for value in (fields.issuer, fields.client_id, *fields.deployment_ids):
        if len(value) > 255:
            problems.append(gettext("Issuer, client ID and deployment IDs have at most 255 characters."))
            break
    return problems


@transactional
def register_platform(actor: Actor, fields: PlatformFields) -> LtiPlatform:
    return _add_platform(actor, fields)


def _add_platform(actor: Actor, fields: PlatformFields) -> LtiPlatform:
    """The one way a platform is recorded, by hand or by dynamic registration."""
    problems = check_fields(fields)
    if problems:
        raise RegistrationError(*problems)
    platform = LtiPlatform(
        name=fields.name.strip()[:120],
        issuer=fields.issuer.strip(),
        client_id=fields.client_id.strip(),
        auth_login_url=fields.auth_login_url.strip(),
        auth_token_url=fields.auth_token_url.strip(),
        key_set_url=fields.key_set_url.strip(),
        token_audience=fields.token_audience.strip(),
        key_set={},
    )
    with unique_or(RegistrationError(gettext("This platform (issuer and client ID) is already registered."))):
        db.session.add(platform)
    for deployment in sorted({d.strip() for d in fields.deployment_ids if d.strip()}):
        db.session.add(LtiDeployment(platform=platform, deployment_id=deployment))
    audit(actor, AuditAction.LTI_REGISTER, f"{platform.name} (#{platform.id})", issuer=platform.issuer)
    return platform


@transactional
def set_platform_active(actor: Actor, platform_id: int, active: bool) -> LtiPlatform:
    """Turn a platform off, or on again. While it is off, its launches are refused, no grade
    or roster request goes to it, and the people it signed in are signed out at once (their
    accounts, groups, results and links stay, for the day it is turned on again).
    docs/security.md LTI-4."""
    platform = db.session.get(LtiPlatform, platform_id)
    if platform is None:
        raise NotFound("platform")
    if platform.active == active:
        return platform
    platform.active = active
    if not active:
        linked = sa.select(LtiAccount.user_id).where(LtiAccount.platform_id == platform.id)
        db.session.execute(
            sa.update(User)
            .where(User.id.in_(linked))
            .values(session_version=User.session_version + 1)
            .execution_options(synchronize_session=False)
        )
    action = AuditAction.LTI_REACTIVATE if active else AuditAction.LTI_DEACTIVATE
    audit(actor, action, f"{platform.name} (#{platform.id})", issuer=platform.issuer)
    return platform


@transactional
def add_deployment(actor: Actor, platform_id: int, deployment_id: str) -> None:
    platform = db.session.get(LtiPlatform, platform_id)
    deployment_id = deployment_id.strip()
    if platform is None or not deployment_id or len(deployment_id) > 255:
        raise RegistrationError(gettext("Enter a deployment ID of at most 255 characters."))
    db.session.execute(
        insert(LtiDeployment)
        .values(platform_id=platform.id, deployment_id=deployment_id)
        .on_conflict_do_nothing(index_elements=["platform_id", "deployment_id"])
    )
    audit(actor, AuditAction.LTI_REGISTER, f"{platform.name} (#{platform.id})", deployment=deployment_id)


# --- the tool's key --------------------------------------------------------------------------


@transactional
def create_tool_key() -> LtiToolKey:
    """A new signing key; it becomes the one used, and older ones stay published."""
    key = lti.new_key()
    db.session.execute(sa.update(LtiToolKey).values(active=False))
    row = LtiToolKey(kid=key.kid, private_pem=key.as_pem(private=True).decode(), active=True)
    db.session.add(row)
    return row


def signing_key() -> lti.RSAKey:
    """The tool's current key, created the first time it is needed."""
    row = queries.active_tool_key()
    if row is None:
        row = create_tool_key()
    return lti.load_key(row.private_pem, row.kid)


def public_key_set() -> dict[str, Any]:
    """Every key of the tool, public halves only; the first key is made on first use (or by
    ``training lti key create`` at deployment)."""
    rows = queries.tool_keys()
    if not rows:
        signing_key()
        rows = queries.tool_keys()
    return lti.public_jwks([lti.load_key(row.private_pem, row.kid) for row in rows])


# --- logins -------------------------------------------------------------------------------------


@transactional
def start_login(platform_id: int, now: datetime | None = None) -> tuple[str, str]:
    """Store a new login's state and nonce; forget logins that expired."""
    now = now or utcnow()
    state, nonce = lti.new_login()
    db.session.execute(sa.delete(LtiLogin).where(LtiLogin.expires_at < now))
    db.session.add(
        LtiLogin(state=state, nonce=nonce, platform_id=platform_id, expires_at=now + timedelta(seconds=lti.LOGIN_TTL))
    )
    return state, nonce


@transactional
def consume_login(state: str, now: datetime | None = None) -> tuple[str, int] | None:
    """The nonce and platform of a login, removed as they are read: a second launch with
    the same state finds nothing. None when unknown or expired (docs/security.md LTI-2)."""
    now = now or utcnow()
    row = db.session.execute(
        sa.delete(LtiLogin)
        .where(LtiLogin.state == state)
        .returning(LtiLogin.nonce, LtiLogin.platform_id, LtiLogin.expires_at)
    ).first()
    if row is None or row.expires_at < now:
        return None
    return row.nonce, row.platform_id


@transactional
def store_key_set(platform_id: int, keys: dict[str, Any], now: datetime | None = None) -> None:
    db.session.execute(
        sa.update(LtiPlatform)
        .where(LtiPlatform.id == platform_id)
        .values(key_set=keys, key_set_fetched_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )


# --- launches -----------------------------------------------------------------------------------


def _synthetic_email(platform_id: int, sub: str) -> str:
    """Accounts from a platform need an address that no person owns and no one can sign in with."""
    digest = hashlib.sha256(f"{platform_id}:{sub}".encode()).hexdigest()[:20]
    return f"lti-{platform_id}-{digest}@lti.invalid"


def _account(platform: LtiPlatform, sub: str, name: str, trainer: bool) -> User:
    """The account linked to the platform's user id, made on first sight (docs/security.md LTI-3)."""
    link = db.session.scalar(sa.select(LtiAccount).where(LtiAccount.platform_id == platform.id, LtiAccount.sub == sub))
    if link is not None:
        user = db.session.get(User, link.user_id)
        assert user is not None
        if name and user.name != name:
            user.name = name
        if trainer and user.role == Role.LEARNER:
            user.role = Role.TRAINER  # never downgraded, never raised to administrator
        return user
    user = User(
        email=_synthetic_email(platform.id, sub),
        name=name or "Learner",
        organisation=platform.name[:160],
        country="",
        role=Role.TRAINER if trainer else Role.LEARNER,
        password_hash=NO_PASSWORD,
    )
    db.session.add(user)
    db.session.flush()
    db.session.add(LtiAccount(platform_id=platform.id, sub=sub, user_id=user.id))
    return user


def _context(platform: LtiPlatform, context_id: str, title: str, memberships_url: str | None) -> LtiContext:
    row = db.session.scalar(
        sa.select(LtiContext).where(LtiContext.platform_id == platform.id, LtiContext.context_id == context_id)
    )
    if row is None:
        name = f"{title or context_id} ({platform.name})"[:100]
        taken = db.session.scalar(sa.select(Group.id).where(Group.name == name))
        group = Group(
            name=f"{name} #{secrets.token_hex(3)}" if taken else name, description="From the LMS course roster"
        )
        db.session.add(group)
        db.session.flush()
        row = LtiContext(platform_id=platform.id, context_id=context_id, title=title[:120], group_id=group.id)
        db.session.add(row)
    if memberships_url:
        row.memberships_url = memberships_url
    db.session.flush()
    return row


def _join(group_id: int | None, user: User, trainer: bool) -> int:
    """Put the person in the course's group (a trainer account that is a student in this
    course stays out of its learners); returns 1 when their membership changed."""
    if group_id is None:
        return 0
    if trainer and user.role in (Role.TRAINER, Role.ADMIN):
        return upsert_memberships(group_id, [(user.id, GroupRole.TRAINER)])
    if not trainer and user.role == Role.LEARNER:
        return upsert_memberships(group_id, [(user.id, GroupRole.LEARNER)])
    return 0


@dataclass(frozen=True, slots=True)
class Launched:
    user: User
    link: LtiResourceLink | None


@transactional
def record_launch(platform_id: int, launch: lti.Launch, unit_id: str, now: datetime | None = None) -> Launched:
    """Sign-in side of a verified launch: the account, its group, the link and its grade
    service; an instructor's launch also queues a roster update for the course."""
    now = now or utcnow()
    platform = db.session.get(LtiPlatform, platform_id)
    assert platform is not None
    user = _account(platform, launch.sub, launch.name, launch.is_trainer)
    context = None
    if launch.context_id:
        context = _context(platform, launch.context_id, launch.context_title, launch.memberships_url)
        _join(context.group_id, user, launch.is_trainer)
        if launch.is_trainer and context.memberships_url:
            hour = now.strftime("%Y%m%d%H")
            db.session.execute(
                insert(OutboxMessage)
                .values(
                    channel=ROSTER,
                    dedupe_key=f"roster:{context.id}:{hour}",
                    user_id=None,
                    payload={"context": context.id},
                    state="pending",
                    attempts=0,
                    next_attempt_at=now,
                    claimed_by="",
                    created_at=now,
                    last_error="",
                )
                .on_conflict_do_nothing(index_elements=["channel", "dedupe_key"])
            )
    link = None
    if launch.resource_link_id:
        link = db.session.scalar(
            sa.select(LtiResourceLink).where(
                LtiResourceLink.platform_id == platform.id, LtiResourceLink.resource_link_id == launch.resource_link_id
            )
        )
        if link is None:
            link = LtiResourceLink(platform_id=platform.id, resource_link_id=launch.resource_link_id)
            db.session.add(link)
        link.context_id = context.id if context else None
        link.deployment_id = launch.deployment_id
        link.unit_id = unit_id
        link.lineitems_url = launch.lineitems_url or ""
        link.lineitem_url = launch.lineitem_url or ""
        link.scopes = " ".join(launch.ags_scopes)[:1000]
        db.session.flush()
    return Launched(user, link)


@dataclass(frozen=True, slots=True)
class Member:
    sub: str
    name: str
    roles: tuple[str, ...]
    active: bool = True


@transactional
def apply_roster(context_row_id: int, members: Sequence[Member]) -> int:
    """Fill the course's group from its roster: accounts for people who never launched,
    linked by the platform's user id; instructors as trainers, learners as learners.
    Returns how many people the group gained or changed."""
    context = db.session.get(LtiContext, context_row_id)
    if context is None or context.group_id is None:
        return 0
    platform = db.session.get(LtiPlatform, context.platform_id)
    assert platform is not None
    changed = 0
    for member in members:
        if not member.active or not member.sub:
            continue
        trainer = lti.is_trainer(member.roles)
        user = _account(platform, member.sub[:255], member.name[:120], trainer)
        changed += _join(context.group_id, user, trainer)
    return changed


# --- the platform's keys --------------------------------------------------------------------

KEYS_FRESH_FOR = timedelta(hours=24)
REFETCH_AFTER = timedelta(seconds=60)
"""An unknown key id triggers a fetch at most this often (a platform rotating its key)."""
MAX_KEY_SET_BYTES = 100_000


def _fetch_json(url: str) -> dict[str, Any] | None:
    """A small JSON document from a platform, or None (5 s at most, 100 kB at most)."""
    try:
        response = requests.get(url, timeout=5, headers={"Accept": "application/json"})
        if not response.ok or len(response.content) > MAX_KEY_SET_BYTES:
            return None
        body = response.json()
    except (requests.RequestException, ValueError):
        return None
    return body if isinstance(body, dict) else None


def _fetch_key_set(url: str) -> dict[str, Any] | None:
    keys = _fetch_json(url)
    return keys if keys is not None and isinstance(keys.get("keys"), list) else None


def platform_keys(platform: LtiPlatform, kid: str | None, now: datetime | None = None) -> dict[str, Any]:
    """The platform's key set, from the shared cache, fetched again (with a short timeout)
    when it is a day old or lacks the key the token names."""
    now = now or utcnow()
    cached = platform.key_set or {}
    known = {k.get("kid") for k in cached.get("keys", [])}
    fetched_at = platform.key_set_fetched_at
    stale = fetched_at is None or now - fetched_at > KEYS_FRESH_FOR
    unknown = kid not in known and (fetched_at is None or now - fetched_at > REFETCH_AFTER)
    if stale or unknown:
        fresh = _fetch_key_set(platform.key_set_url)
        if fresh is not None:
            store_key_set(platform.id, fresh, now)
            return fresh
    return cached


# --- what the sender records ------------------------------------------------------------------


@transactional
def remember_line_item(link_id: int, resource_id: str, url: str) -> None:
    db.session.execute(
        insert(LtiLineItem)
        .values(link_id=link_id, resource_id=resource_id, url=url[:500])
        .on_conflict_do_nothing(index_elements=["link_id", "resource_id"])
    )


# --- dynamic registration ---------------------------------------------------------------------

REGISTRATION_LINK_TTL = timedelta(hours=24)


@transactional
def create_registration_link(actor: Actor, now: datetime | None = None) -> str:
    """A one-time token for an LMS's dynamic registration; only its hash is stored."""
    now = now or utcnow()
    token = secrets.token_urlsafe(32)
    db.session.add(
        LtiRegistrationLink(
            token_hash=queries.token_hash(token), created_by_id=actor.user_id, expires_at=now + REGISTRATION_LINK_TTL
        )
    )
    audit(
        actor, AuditAction.LTI_REGISTER, "dynamic registration link", expires=(now + REGISTRATION_LINK_TTL).isoformat()
    )
    return token


@transactional
def register_dynamically(
    token: str, config: lti.PlatformConfiguration, client_id: str, deployment_id: str, now: datetime | None = None
) -> LtiPlatform:
    """Record a platform that registered itself through a registration link; the link is
    used up in the same transaction (a second use registers nothing)."""
    now = now or utcnow()
    used = db.session.execute(
        sa.update(LtiRegistrationLink)
        .where(
            LtiRegistrationLink.token_hash == queries.token_hash(token),
            LtiRegistrationLink.used_at.is_(None),
            LtiRegistrationLink.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if used.rowcount != 1:  # type: ignore[attr-defined]
        raise RegistrationError(gettext("This registration link was already used or has expired. Ask for a new one."))
    fields = PlatformFields(
        name=(config.product or urlsplit(config.issuer).netloc)[:120],
        issuer=config.issuer,
        client_id=client_id,
        auth_login_url=config.authorization_endpoint,
        auth_token_url=config.token_endpoint,
        key_set_url=config.jwks_uri,
        deployment_ids=(deployment_id,),
    )
    platform = _add_platform(Actor(None, Role.ADMIN, "dynamic registration"), fields)
    db.session.execute(
        sa.update(LtiRegistrationLink)
        .where(LtiRegistrationLink.token_hash == queries.token_hash(token))
        .values(platform_id=platform.id)
        .execution_options(synchronize_session=False)
    )
    return platform


def register_with(token: str, config_url: str, registration_token: str, tool: dict[str, str]) -> LtiPlatform:
    """Dynamic registration, the tool's side: read the platform's OpenID configuration,
    send the tool's registration, record the platform. Two requests of 5 s at most, made
    only for a valid one-time link."""
    if not queries.registration_link_usable(token):
        raise RegistrationError(gettext("This registration link was already used or has expired. Ask for a new one."))
    problem = _url_problem(gettext("OpenID configuration"), config_url)
    if problem:
        raise RegistrationError(problem)
    document = _fetch_json(config_url)
    if document is None:
        raise RegistrationError(gettext("The platform’s configuration could not be read."))
    try:
        config = lti.read_openid_configuration(document, config_url)
        request = lti.registration_request(
            tool["name"], tool["login"], tool["launch"], tool["jwks"], tool["target"], tool.get("description", "")
        )
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if registration_token:
            headers["Authorization"] = f"Bearer {registration_token}"
        response = requests.post(config.registration_endpoint, json=request, headers=headers, timeout=5)
        if not response.ok:
            raise RegistrationError(
                gettext("The platform refused the registration (%(status)s).", status=response.status_code)
            )
        client_id, deployment_id = lti.read_registration_response(response.json())
    except lti.LtiError as exc:
        raise RegistrationError(gettext("The registration failed: %(reason)s.", reason=exc.translated())) from exc
    except (requests.RequestException, ValueError) as exc:
        raise RegistrationError(gettext("The platform could not be reached to register.")) from exc
    return register_dynamically(token, config, client_id, deployment_id)
