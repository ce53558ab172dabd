"""Credentials: password hashing, sign-in with throttling, changing a password, two-step
sign-in (TOTP and recovery codes), and ending every session of a person at once."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import pyotp
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from ..database import changed_rows, transactional
from ..extensions import db
from ..fields import normalise_email, password_problem
from ..models import LoginThrottle, RecoveryCode, User, utcnow
from ..queries.accounts import find_user
from ..translatable import gettext

RECOVERY_CODES = 10


class PasswordError(ValueError):
    """A new password was refused, or the current one was wrong; the message is safe to show."""


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
    """argon2id with the configured cost (docs/security.md SIGN-1)."""
    return _hasher().hash(password)


def verify_password(user: User | None, password: str) -> bool:
    """Check a password in constant-ish time, also when there is no such user."""
    hasher = _hasher()
    if user is None:
        try:
            hasher.verify(_dummy_hash(), password)
        except VerificationError:
            pass
        return False
    try:
        return hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("not a password")


# --- sign-in throttling ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignIn:
    user: User | None
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.user is not None


def _throttle_keys(email: str, ip: str) -> tuple[str, str]:
    return f"account:{normalise_email(email)[:254]}", f"ip:{ip[:64]}"


def locked_until(email: str, ip: str, now: datetime | None = None) -> datetime | None:
    """When sign-in for this account or address opens again, if it is locked now."""
    now = now or utcnow()
    rows = db.session.scalars(
        sa.select(LoginThrottle.locked_until).where(LoginThrottle.key.in_(_throttle_keys(email, ip)))
    ).all()
    future = [moment for moment in rows if moment is not None and moment > now]
    return max(future) if future else None


@transactional
def record_failed_sign_in(email: str, ip: str, now: datetime | None = None) -> None:
    """Count a failure against the account and the address; lock either past its limit."""
    now = now or utcnow()
    config = current_app.config
    window: timedelta = config["LOGIN_FAILURE_WINDOW"]
    account_key, ip_key = _throttle_keys(email, ip)
    limits = {account_key: config["LOGIN_MAX_FAILURES"], ip_key: config["LOGIN_MAX_FAILURES_PER_IP"]}
    for key, limit in limits.items():
        row = db.session.get(LoginThrottle, key, with_for_update=True)
        if row is None:
            row = LoginThrottle(key=key, failures=0, window_started_at=now)
            db.session.add(row)
        if row.window_started_at + window < now:
            row.failures, row.window_started_at = 0, now
        row.failures += 1
        if row.failures >= limit:
            row.locked_until = now + config["LOGIN_LOCKOUT"]
            row.failures, row.window_started_at = 0, now


@transactional
def clear_failed_sign_ins(email: str) -> None:
    account_key, _ = _throttle_keys(email, "")
    db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key == account_key))


def authenticate(email: str, password: str, ip: str, now: datetime | None = None) -> SignIn:
    """Check a sign-in. A locked account or address is refused before the password is looked
    at, so guessing during a lock gains nothing."""
    now = now or utcnow()
    lock = locked_until(email, ip, now)
    if lock is not None:
        return SignIn(None, lock)
    user = find_user(email)
    if user is not None and user.active and verify_password(user, password):
        if db.session.get(LoginThrottle, _throttle_keys(email, ip)[0]) is not None:
            clear_failed_sign_ins(email)
        return SignIn(user)
    if user is None:
        verify_password(None, password)
    record_failed_sign_in(email, ip, now)
    return SignIn(None, locked_until(email, ip, now))


# --- passwords and sessions ---------------------------------------------------------------


@transactional
def change_password(user_id: int, current: str | None, new: str) -> User:
    """Set a new password (checking the current one when given) and end every session."""
    user = db.session.get(User, user_id)
    if user is None:
        raise PasswordError(gettext("No such account."))
    if current is not None and not verify_password(user, current):
        raise PasswordError(gettext("Your current password is not correct."))
    problem = password_problem(new)
    if problem:
        raise PasswordError(problem)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_version += 1
    return user


def end_sessions_in_transaction(user: User) -> None:
    """Inside a write already open: every session of this person issued before now stops
    working (their session version moves on)."""
    db.session.execute(
        sa.update(User)
        .where(User.id == user.id)
        .values(session_version=User.session_version + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(user, ["session_version"])


@transactional
def end_sessions(user_id: int) -> None:
    """Sign the person out everywhere: every cookie issued before now stops working."""
    db.session.execute(sa.update(User).where(User.id == user_id).values(session_version=User.session_version + 1))


# --- two-step sign-in (TOTP) ------------------------------------------------------------------


def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def _matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step a 6-digit code belongs to (now, one before or one after), or None."""
    code = "".join(code.split())
    if not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    moment = now if now is not None else utcnow().timestamp()
    current = int(moment // totp.interval)
    for step in (current, current - 1, current + 1):
        if hmac.compare_digest(totp.at(step * totp.interval).encode(), code.encode()):
            return step
    return None


@transactional
def enable_totp(user_id: int, secret: str, code: str) -> list[str] | None:
    """Turn two-step sign-in on once the person proves their app works; returns the recovery
    codes to show once (only their hashes are kept), or None when the code is wrong."""
    step = _matching_step(secret, code)
    if step is None:
        return None
    user = db.session.get(User, user_id)
    if user is None:
        return None
    user.totp_secret, user.totp_last_step = secret, step
    return _replace_recovery_codes(user)


def _replace_recovery_codes(user: User) -> list[str]:
    user.recovery_codes.clear()
    codes = ["-".join(secrets.token_hex(3) for _ in range(2)) for _ in range(RECOVERY_CODES)]
    user.recovery_codes.extend(RecoveryCode(code_hash=hash_password(code)) for code in codes)
    return codes


@transactional
def verify_second_factor(user_id: int, code: str) -> bool:
    """Accept a TOTP code once (a replayed code fails) or an unused recovery code."""
    user = db.session.get(User, user_id)
    if user is None or user.totp_secret is None:
        return False
    step = _matching_step(user.totp_secret, code)
    if step is not None:
        won = db.session.execute(
            sa.update(User)
            .where(User.id == user_id, sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step))
            .values(totp_last_step=step)
        )
        return changed_rows(won) == 1
    cleaned = code.strip().lower()
    for recovery in user.recovery_codes:
        if recovery.used_at is None:
            try:
                if _hasher().verify(recovery.code_hash, cleaned):
                    recovery.used_at = utcnow()
                    return True
            except VerificationError:
                continue
    return False
