"""Accounts: creating users, passwords, sign-in with throttling, session revocation."""

from __future__ import annotations

import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources

import pyotp
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

from ..database import transactional, unique_or
from ..extensions import db
from ..i18n import gettext
from ..models import LoginThrottle, RecoveryCode, Role, User, utcnow

MAX_EMAIL_LENGTH = 254
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 128
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class AccountError(ValueError):
    """A rule about accounts was broken; the message is safe to show to the user."""


def normalise_email(raw: str) -> str:
    """The one form of an address used for lookups and uniqueness: NFKC, trimmed, casefolded."""
    return unicodedata.normalize("NFKC", raw or "").strip().casefold()


def email_problem(raw: str) -> str | None:
    """Why an address cannot be used, or None. The length is checked before any pattern."""
    email = normalise_email(raw)
    if not email:
        return gettext("Enter an email address.")
    if len(email) > MAX_EMAIL_LENGTH:
        return gettext("An email address has at most %(max)s characters.", max=MAX_EMAIL_LENGTH)
    if not EMAIL_PATTERN.match(email):
        return gettext("Enter a valid email address, like name@ministry.gov.")
    return None


@cache
def _common_passwords() -> frozenset[str]:
    text = resources.files("training.data").joinpath("common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().casefold() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None. No composition rules; length and a list of
    common passwords, as NIST SP 800-63B and OWASP ASVS advise."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return gettext(
            "Use at least %(min)s characters; a short sentence is easy to remember.", min=MIN_PASSWORD_LENGTH
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        return gettext("Use at most %(max)s characters.", max=MAX_PASSWORD_LENGTH)
    if password.casefold() in _common_passwords():
        return gettext("This password is too common and easy to guess. Choose another.")
    return None


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["ARGON2_TIME_COST"],
        memory_cost=config["ARGON2_MEMORY_COST"],
        parallelism=config["ARGON2_PARALLELISM"],
    )


def hash_password(password: str) -> str:
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


def find_user(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


@transactional
def create_user(
    email: str,
    name: str,
    password: str,
    role: Role | str = Role.LEARNER,
    organisation: str = "",
    country: str = "",
    must_change_password: bool = False,
    language: str | None = None,
) -> User:
    """Create an account; raises :class:`AccountError` with a message for the person."""
    problem = email_problem(email) or password_problem(password)
    if problem:
        raise AccountError(problem)
    name = name.strip()
    if not name:
        raise AccountError(gettext("Enter your name."))
    normalised = normalise_email(email)
    if db.session.scalar(sa.select(User.id).where(User.email == normalised)) is not None:
        raise AccountError(gettext("An account with this email address already exists."))
    user = User(
        email=normalised,
        name=name,
        organisation=organisation.strip(),
        country=country.strip().upper(),
        role=Role(role),
        password_hash=hash_password(password),
        must_change_password=must_change_password,
        language=language or None,
    )
    with unique_or(AccountError(gettext("An account with this email address already exists."))):
        db.session.add(user)
    return user


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
        raise AccountError(gettext("No such account."))
    if current is not None and not verify_password(user, current):
        raise AccountError(gettext("Your current password is not correct."))
    problem = password_problem(new)
    if problem:
        raise AccountError(problem)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_version += 1
    return user


@transactional
def set_language(user_id: int, language: str | None) -> None:
    """Keep the interface language the person chose (None: their browser's)."""
    db.session.execute(sa.update(User).where(User.id == user_id).values(language=language or None))


@transactional
def end_sessions(user_id: int) -> None:
    """Sign the person out everywhere: every cookie issued before now stops working."""
    db.session.execute(sa.update(User).where(User.id == user_id).values(session_version=User.session_version + 1))


# --- two-step sign-in (TOTP) ------------------------------------------------------------------

RECOVERY_CODES = 10


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
        ).rowcount
        return won == 1
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
