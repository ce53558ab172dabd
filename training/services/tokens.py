"""Single-use links sent by email: reset a password, accept an invitation, confirm an address.

A token is 256 random bits (``secrets``), sent only in the link; the database keeps its
SHA-256 hash, so a copy of the database opens nothing. Each token is also bound to the
account as it was when the link was made: an HMAC (keyed with the secret key) of its
address, its password hash and, for password links, its session version. Setting a
password, changing the address or ending the sessions therefore kills every older link
without anyone having to remember to delete it; a link is also refused once used, once
expired, and when a newer link of the same kind was sent (issuing deletes the older ones).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa
from flask import current_app

from ..database import changed_rows
from ..extensions import db
from ..models import AccountToken, User, utcnow

TOKEN_BYTES = 32


class Purpose(StrEnum):
    RESET = "reset"
    INVITE = "invite"
    VERIFY = "verify"
    EMAIL = "email"


BOUND_TO_SESSIONS = frozenset({Purpose.RESET, Purpose.INVITE})
"""Password links die when the person's sessions are ended (sign-out everywhere, a role
change, deactivation); address links survive a sign-out."""


class LinkInvalid(Exception):
    """The link is unknown, used, expired, replaced by a newer one, or the account changed
    since it was sent. The page says so and offers a new one; it never says which."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _binding(user: User, purpose: Purpose, new_email: str | None) -> str:
    sessions = str(user.session_version) if purpose in BOUND_TO_SESSIONS else ""
    state = "\x1f".join((purpose.value, str(user.id), user.email, user.password_hash, sessions, new_email or ""))
    return hmac.new(str(current_app.config["SECRET_KEY"]).encode(), state.encode(), hashlib.sha256).hexdigest()


def issue(user: User, purpose: Purpose, lifetime: timedelta, new_email: str | None = None) -> str:
    """Inside a write already open: a new link token for this person (returned once, for the
    email); their older tokens of the same kind stop working."""
    db.session.execute(
        sa.delete(AccountToken).where(AccountToken.user_id == user.id, AccountToken.purpose == purpose.value)
    )
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    db.session.add(
        AccountToken(
            user_id=user.id,
            purpose=purpose.value,
            token_hash=_digest(token),
            binding=_binding(user, purpose, new_email),
            new_email=new_email,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    return token


def _valid(token: str, purpose: Purpose, now: datetime) -> tuple[AccountToken, User]:
    if not token or len(token) > 100:
        raise LinkInvalid
    row = db.session.scalar(
        sa.select(AccountToken).where(AccountToken.token_hash == _digest(token), AccountToken.purpose == purpose.value)
    )
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise LinkInvalid
    user = db.session.get(User, row.user_id)
    if user is None or not hmac.compare_digest(row.binding, _binding(user, purpose, row.new_email)):
        raise LinkInvalid
    return row, user


def peek(token: str, purpose: Purpose, now: datetime | None = None) -> tuple[AccountToken, User]:
    """A link and its account, without using it (to show its page); raises LinkInvalid."""
    return _valid(token, purpose, now or utcnow())


def redeem(token: str, purpose: Purpose, now: datetime | None = None) -> tuple[AccountToken, User]:
    """Inside a write already open: use the link. A conditional update marks it used, so of
    two requests racing with the same link only one gets through."""
    now = now or utcnow()
    row, user = _valid(token, purpose, now)
    won = db.session.execute(
        sa.update(AccountToken)
        .where(AccountToken.id == row.id, AccountToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if changed_rows(won) != 1:
        raise LinkInvalid
    return row, user


def forget(user_id: int, *purposes: Purpose) -> None:
    """Inside a write already open: every open link of these kinds for this person stops working."""
    db.session.execute(
        sa.delete(AccountToken).where(
            AccountToken.user_id == user_id, AccountToken.purpose.in_([p.value for p in purposes])
        )
    )
