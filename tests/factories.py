"""Factory helpers with sensible defaults (CTFd's gen_* style); cleanup belongs to fixtures."""

from __future__ import annotations

import itertools
import time

import pyotp

from training.extensions import db
from training.models import User
from training.services.accounts import create_user

PASSWORD = "correct horse battery"
_counter = itertools.count(1)
TOTP_SECRETS: dict[str, str] = {}


def make_user(
    role: str = "learner",
    email: str | None = None,
    name: str | None = None,
    password: str = PASSWORD,
    mfa: bool | None = None,
    **fields,
) -> User:
    """A user; staff get two-step sign-in set up (the platform requires it for them)."""
    number = next(_counter)
    user = create_user(
        email or f"{role}{number}@example.org", name or f"{role.title()} {number}", password, role, **fields
    )
    if mfa if mfa is not None else role in ("trainer", "admin"):
        secret = pyotp.random_base32()
        user = db.session.get(User, user.id)
        user.totp_secret = secret
        db.session.commit()
        TOTP_SECRETS[user.email] = secret
    return user


def totp_code_for(email: str) -> str:
    """A code the server has not seen yet: the step after the last one it accepted."""
    user = db.session.scalar(db.select(User).where(User.email == email))
    db.session.refresh(user)
    totp = pyotp.TOTP(TOTP_SECRETS[email])
    step = int(time.time() // totp.interval)
    if user.totp_last_step is not None and user.totp_last_step >= step - 1:
        step = user.totp_last_step + 1
    return totp.at(step * totp.interval)
