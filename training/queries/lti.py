"""LTI 1.3, read: the registered platforms, the tool's keys, the links and courses grades and
rosters go to, and whether a registration link still works (written by
:mod:`training.services.lti`)."""

from __future__ import annotations

import hashlib
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..interop import lti
from ..models import LtiContext, LtiLineItem, LtiPlatform, LtiRegistrationLink, LtiResourceLink, LtiToolKey, utcnow


def platforms() -> list[LtiPlatform]:
    """Every registered platform, active or not, by name."""
    return list(db.session.scalars(sa.select(LtiPlatform).order_by(LtiPlatform.name, LtiPlatform.id)))


def get_platform(platform_id: int) -> LtiPlatform | None:
    return db.session.get(LtiPlatform, platform_id)


def find_platform(issuer: str, client_id: str | None) -> LtiPlatform | None:
    """The active platform a login names; with no client id, only if the issuer is unambiguous."""
    query = sa.select(LtiPlatform).where(LtiPlatform.issuer == issuer, LtiPlatform.active.is_(True))
    if client_id:
        query = query.where(LtiPlatform.client_id == client_id)
    found = list(db.session.scalars(query.limit(2)))
    return found[0] if len(found) == 1 else None


def registration(platform: LtiPlatform) -> lti.Registration:
    """What a launch is checked against: the platform's issuer, client id and deployments."""
    return lti.Registration(
        platform.issuer, platform.client_id, frozenset(d.deployment_id for d in platform.deployments)
    )


def tool_keys() -> list[LtiToolKey]:
    """The tool's signing keys, newest first (retired ones stay published)."""
    return list(db.session.scalars(sa.select(LtiToolKey).order_by(LtiToolKey.id.desc())))


def active_tool_key() -> LtiToolKey | None:
    return db.session.scalar(sa.select(LtiToolKey).where(LtiToolKey.active.is_(True)).order_by(LtiToolKey.id.desc()))


def get_link(link_id: int) -> LtiResourceLink | None:
    return db.session.get(LtiResourceLink, link_id)


def get_context(context_row_id: int) -> LtiContext | None:
    return db.session.get(LtiContext, context_row_id)


def line_item_url(link_id: int, resource_id: str) -> str | None:
    """The gradebook column the tool created for a unit (or the course) on a course link."""
    return db.session.scalar(
        sa.select(LtiLineItem.url).where(LtiLineItem.link_id == link_id, LtiLineItem.resource_id == resource_id)
    )


def token_hash(token: str) -> str:
    """How a registration link's token is stored: only its hash."""
    return hashlib.sha256(token.encode()).hexdigest()


def registration_link_usable(token: str, now: datetime | None = None) -> bool:
    now = now or utcnow()
    row = db.session.scalar(sa.select(LtiRegistrationLink).where(LtiRegistrationLink.token_hash == token_hash(token)))
    return row is not None and row.used_at is None and row.expires_at > now
