"""Credentials: password hashing, sign-in with throttling, changing a password, two-step
sign-in (TOTP and recovery codes), and ending every session of a person at once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

import pyotp
import segno
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from ..database import changed_rows, insert, transactional
from ..extensions import db
from ..fields import normalise_email, password_problem
from ..models import LoginThrottle, RecoveryCode, User, utcnow
from ..queries.accounts import find_user
from ..translatable import gettext

RECOVERY_CODES = 10


class PasswordError(ValueError):
    """A new password was refused, or the current one was wrong; the message is safe to show."""


class WrongPassword(PasswordError):
    """The current password given was not the right one (a failure the throttle counts)."""


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
    """Check a password in the same time whether the account exists, is deactivated or has a
    temporary password hashed with light settings: a hash with the configured cost is always
    computed (docs/security.md SIGN-7). A deactivated account never matches."""
    hasher = _hasher()
    stored = user.password_hash if user is not None else None
    try:
        if stored is None or hasher.check_needs_rehash(stored):
            _spend_one_hash(hasher, password)
        if stored is None:
            return False
        return hasher.verify(stored, password) and user is not None and user.active
    except (VerificationError, InvalidHashError):
        return False


def _spend_one_hash(hasher: PasswordHasher, password: str) -> None:
    """What checking a real password costs, for an account that has none to check."""
    try:
        hasher.verify(_dummy_hash(hasher.time_cost, hasher.memory_cost, hasher.parallelism), password)
    except VerificationError:
        pass


@cache
def _dummy_hash(time_cost: int, memory_cost: int, parallelism: int) -> str:
    """A hash with the configured cost (of a random value nobody can type)."""
    hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    return hasher.hash(secrets.token_hex(16))


# --- throttling ------------------------------------------------------------------------------
#
# Failures are counted in the database (every app server sees the same counts) under keys
# that no stranger can fill for someone else:
#
# * ``pair:<hash of account and client>``: wrong passwords for one account from one client
#   address (sign-in, re-authentication, changing the password). Past LOGIN_MAX_FAILURES, that
#   client alone waits before trying that account again; the owner on their own client is
#   never paused by an attacker elsewhere.
# * ``client:<address>``: every failure from one client address, past
#   LOGIN_MAX_FAILURES_PER_IP; other clients are never paused by it.
# * ``second-step:<user id>``: wrong second-step codes for one account, from anywhere. Only
#   someone who knows the password gets there, and a right password does not reset it.
#
# Each pause doubles (LOGIN_FIRST_PAUSE, twice that, ... at most LOGIN_LOCKOUT); the counts
# are forgotten after LOGIN_FAILURE_WINDOW without a failure.


@dataclass(frozen=True, slots=True)
class SignIn:
    user: User | None
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.user is not None


def pair_key(email: str, ip: str) -> str:
    """One account from one client address; hashed, so no address is stored in clear."""
    digest = hashlib.sha256(f"{normalise_email(email)}\n{ip}".encode()).hexdigest()
    return f"pair:{digest}"


def client_key(ip: str) -> str:
    return f"client:{ip[:64]}"


def second_step_key(user_id: int) -> str:
    return f"second-step:{user_id}"


def paused_until(keys: list[str], now: datetime | None = None) -> datetime | None:
    """When the longest pause among these keys ends, if one is on now."""
    now = now or utcnow()
    moments = db.session.scalars(sa.select(LoginThrottle.locked_until).where(LoginThrottle.key.in_(keys))).all()
    future = [moment for moment in moments if moment is not None and moment > now]
    return max(future) if future else None


def second_step_paused_until(user_id: int, ip: str, now: datetime | None = None) -> datetime | None:
    """When this account's second step may be tried again, if it is paused now."""
    return paused_until([second_step_key(user_id), client_key(ip)], now)


def locked_until(email: str, ip: str, now: datetime | None = None) -> datetime | None:
    """When this client may try this account's password again, if it is paused now."""
    return paused_until([pair_key(email, ip), client_key(ip)], now)


def _count(key: str, limit: int, now: datetime) -> None:
    """Count one failure under ``key`` with one upsert (two first failures at once add up
    instead of colliding on the key), then pause the key once it passes ``limit``."""
    config = current_app.config
    forgotten = now - config["LOGIN_FAILURE_WINDOW"]
    table = LoginThrottle.__table__
    stmt = insert(LoginThrottle).values(key=key, failures=1, window_started_at=now, locked_until=None)
    failures = db.session.execute(
        stmt.on_conflict_do_update(
            index_elements=["key"],
            set_={
                "failures": sa.case((table.c.window_started_at < forgotten, 1), else_=table.c.failures + 1),
                "window_started_at": now,
            },
        ).returning(table.c.failures)
    ).scalar_one()
    _purge_some(now - config["LOGIN_FAILURE_WINDOW"], now)
    if failures >= limit:
        first: timedelta = config["LOGIN_FIRST_PAUSE"]
        pause = min(first * 2 ** min(failures - limit, 20), config["LOGIN_LOCKOUT"])
        db.session.execute(sa.update(LoginThrottle).where(LoginThrottle.key == key).values(locked_until=now + pause))


def _purge_some(forgotten: datetime, now: datetime) -> None:
    """Delete a few counts that are over (forgotten and not pausing anyone), so guesses with
    made-up addresses cannot grow the table without end: each new count clears up to 20."""
    stale = (
        sa.select(LoginThrottle.key)
        .where(
            LoginThrottle.window_started_at < forgotten,
            sa.or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
        )
        .limit(20)
    )
    db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key.in_(stale.scalar_subquery())))


@transactional
def record_failed_sign_in(email: str, ip: str, now: datetime | None = None) -> None:
    """A wrong password for this account from this client address."""
    now = now or utcnow()
    config = current_app.config
    _count(pair_key(email, ip), config["LOGIN_MAX_FAILURES"], now)
    _count(client_key(ip), config["LOGIN_MAX_FAILURES_PER_IP"], now)


@transactional
def record_failed_second_step(user_id: int, ip: str, now: datetime | None = None) -> None:
    """A wrong second-step code for this account, from any client."""
    now = now or utcnow()
    config = current_app.config
    _count(second_step_key(user_id), config["LOGIN_MAX_FAILURES"], now)
    _count(client_key(ip), config["LOGIN_MAX_FAILURES_PER_IP"], now)


def _forget_in_transaction(key: str) -> None:
    db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key == key))


_forget = transactional(_forget_in_transaction)


def authenticate(email: str, password: str, ip: str, now: datetime | None = None) -> SignIn:
    """Check a sign-in. A paused client is refused before the password is looked at, so
    guessing during a pause gains nothing; every other answer costs one full password hash."""
    now = now or utcnow()
    lock = locked_until(email, ip, now)
    if lock is not None:
        return SignIn(None, lock)
    user = find_user(email)
    if verify_password(user, password):
        key = pair_key(email, ip)
        if db.session.get(LoginThrottle, key) is not None:
            _forget(key)
        return SignIn(user)
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
        raise WrongPassword(gettext("Your current password is not correct."))
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


def pending_totp_secret(user_id: int, nonce: str) -> str:
    """The secret offered while two-step sign-in is being set up, derived from the app's
    secret key and a random value kept in the session, so the cookie never carries it and
    every server derives the same one."""
    key = current_app.secret_key
    key_bytes = key.encode() if isinstance(key, str) else bytes(key or b"")
    digest = hmac.new(key_bytes, f"totp-setup\n{user_id}\n{nonce}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest[:20]).decode()


def totp_uri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def totp_qr(uri: str) -> str:
    """The set-up address as a QR code, an SVG ``data:`` URI for an ``<img>``: dark on white
    with its quiet zone, so a phone camera reads it in a dark theme too."""
    return segno.make(uri, error="m").svg_data_uri(scale=5, border=4, dark="#000", light="#fff")


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
    codes = ["-".join(secrets.token_hex(2) for _ in range(5)) for _ in range(RECOVERY_CODES)]
    user.recovery_codes.extend(RecoveryCode(code_hash=recovery_code_hash(code)) for code in codes)
    return codes


def recovery_code_hash(code: str) -> str:
    """How a recovery code is stored and looked up: SHA-256 of the code as typed, tidied.
    A code is 80 random bits, beyond any search of its hash, so no slow hash is needed and a
    guess costs one lookup instead of ten argon2 checks (docs/security.md SIGN-6)."""
    tidy = "".join(code.split()).lower().replace("-", "")
    return "sha256:" + hashlib.sha256(tidy.encode()).hexdigest()


LEGACY_RECOVERY_CODE = re.compile(r"^[0-9a-f]{6}-[0-9a-f]{6}$")
"""Codes made before 80-bit codes: 48 bits, stored with argon2, still accepted until used."""


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
        if changed_rows(won) != 1:
            return False
        _forget_in_transaction(second_step_key(user_id))
        return True
    cleaned = code.strip().lower()
    fresh = RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None)
    used = db.session.execute(
        sa.update(RecoveryCode)
        .where(*fresh, RecoveryCode.code_hash == recovery_code_hash(cleaned))
        .values(used_at=utcnow())
    )
    if changed_rows(used) == 1:
        _forget_in_transaction(second_step_key(user_id))
        return True
    if LEGACY_RECOVERY_CODE.match(cleaned):
        legacy = db.session.scalars(sa.select(RecoveryCode).where(*fresh, RecoveryCode.code_hash.startswith("$argon2")))
        for recovery in legacy:
            try:
                if _hasher().verify(recovery.code_hash, cleaned):
                    recovery.used_at = utcnow()
                    _forget_in_transaction(second_step_key(user_id))
                    return True
            except VerificationError:
                continue
    return False
