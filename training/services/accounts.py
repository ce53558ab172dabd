"""Accounts: creating them (self-registration, the command line, an administrator) and
administering them (details, role, deactivation, password reset).

Every field goes through the rules in :mod:`training.fields`, wherever it comes from. Changes
an administrator makes are audited in the same transaction (:mod:`.audit`); every function
takes an :class:`~training.permissions.Actor` rather than the request, so the command line
and the web call the same code.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import current_app

from ..database import transactional, unique_or
from ..extensions import db
from ..fields import (
    MAX_NAME,
    MAX_ORGANISATION,
    allowed_domains,
    check_profile,
    domain_problem,
    email_problem,
    field_problem,
    normalise_email,
    password_problem,
    time_zone_problem,
)
from ..models import Membership, User, utcnow
from ..permissions import Actor, GroupRole, Role, may_assign
from ..queries.accounts import active_admins_besides, email_taken, get_account
from ..translatable import gettext
from . import links, ratelimit, reminders
from .audit import AuditAction, account_label, audit, printable
from .credentials import end_sessions_in_transaction, hash_password

TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
"""No 0/o, 1/l/i: a temporary password is read aloud or copied from paper."""
TEMPORARY_GROUPS, TEMPORARY_GROUP_LENGTH = 4, 4
"""16 characters from 31: about 79 bits of randomness."""


class AccountError(ValueError):
    """A rule about accounts was broken; the message is safe to show to the person."""


@dataclass(frozen=True, slots=True)
class NewAccount:
    user: User
    temporary_password: str | None
    """None: the person was invited by email to choose their own password."""


def new_temporary_password() -> str:
    """A random, readable one-time password, e.g. ``k7mq-2xdp-tn4a-h9ce``."""
    chars = [secrets.choice(TEMPORARY_ALPHABET) for _ in range(TEMPORARY_GROUPS * TEMPORARY_GROUP_LENGTH)]
    return "-".join(
        "".join(chars[i : i + TEMPORARY_GROUP_LENGTH]) for i in range(0, len(chars), TEMPORARY_GROUP_LENGTH)
    )


_TEMPORARY_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def hash_temporary(password: str) -> str:
    """Hash a temporary password. Its strength is its ~79 random bits, not the hash's cost, so
    light argon2id parameters are safe here and let an import of thousands of accounts finish
    in seconds; the person must choose their own password at first sign-in, and that one is
    hashed with the full parameters."""
    return _TEMPORARY_HASHER.hash(password)


def _email_taken() -> AccountError:
    return AccountError(gettext("An account with this email address already exists."))


def _profile(name: str, organisation: str, country: str) -> tuple[str, str, str]:
    """The person's details cleaned, or the first problem as a sentence for them."""
    profile = check_profile(name, organisation, country)
    for found in profile.problems:
        if found.field == "country":
            raise AccountError(
                gettext(
                    "“%(value)s” is not a country: give its ISO 3166 code (KE) or its English name (Kenya).",
                    value=printable(country, 60),
                )
            )
        label = gettext("The name") if found.field == "name" else gettext("The organisation")
        raise AccountError(field_problem(found.problem, label, MAX_NAME if found.field == "name" else MAX_ORGANISATION))
    return profile.name, profile.organisation, profile.country


def _new_user(
    email: str,
    name: str,
    organisation: str,
    country: str,
    role: Role,
    password_hash: str,
    language: str | None,
    verified: bool = True,
) -> User:
    """Check every field and add the account (inside a write already open). ``verified``:
    the address counts as confirmed (an administrator or the operator gave it)."""
    problem = email_problem(email, current_app.config["EMAIL_CHECK_DELIVERABILITY"])
    if problem:
        raise AccountError(problem)
    name, organisation, country = _profile(name, organisation, country)
    if email_taken(email):
        raise _email_taken()
    user = User(
        email=normalise_email(email),
        name=name,
        organisation=organisation,
        country=country,
        language=language or None,
        role=role,
        password_hash=password_hash,
        email_verified_at=utcnow() if verified else None,
    )
    with unique_or(_email_taken()):
        db.session.add(user)
    return user


@transactional
def create_user(
    email: str,
    name: str,
    password: str,
    role: Role | str = Role.LEARNER,
    organisation: str = "",
    country: str = "",
    language: str | None = None,
    verified: bool = True,
) -> User:
    """Create an account with a password the person chose (registration, the command line)."""
    problem = email_problem(email) or password_problem(password)
    if problem:
        raise AccountError(problem)
    return _new_user(email, name, organisation, country, Role(role), hash_password(password), language, verified)


@transactional
def create_account(
    actor: Actor,
    email: str,
    name: str,
    role: Role | str = Role.LEARNER,
    organisation: str = "",
    country: str = "",
    language: str | None = None,
    invite: bool = True,
) -> NewAccount:
    """Create an account for someone. ``invite``: they get an email with a link to choose
    their own password (nobody else ever knows it); otherwise a temporary password is made,
    to hand over where email is not available, and must be changed at first sign-in."""
    role = Role(role)
    if not may_assign(actor, role):
        raise AccountError(gettext("You may not give this role."))
    password = None if invite else new_temporary_password()
    user = _new_user(
        email, name, organisation, country, role, hash_temporary(password) if password else "", language, not invite
    )
    if password:
        user.must_change_password = True
    else:
        links.send_invitation(user)
    audit(actor, AuditAction.ACCOUNT_CREATE, account_label(user), role=role.value, invited=invite)
    return NewAccount(user, password)


@transactional
def update_account(
    actor: Actor,
    user_id: int,
    name: str,
    organisation: str,
    country: str,
    language: str | None = None,
    time_zone: str | None = None,
    subscriptions: Mapping[str, bool] | None = None,
) -> User:
    """Change a person's name, organisation, country, interface language and time zone (the
    fields they could give themselves: the person on their profile page, or an
    administrator); ``language`` or ``time_zone`` None leaves it as it is, "" clears it.
    ``subscriptions`` (the person's own page): which kinds of reminder they want by email."""
    user = get_account(user_id)
    name, organisation, code = _profile(name, organisation, country)
    problem = time_zone_problem(time_zone)
    if problem:
        raise AccountError(problem)
    new_language = user.language if language is None else (language or None)
    new_zone = user.time_zone if time_zone is None else (time_zone or None)
    fields = (
        ("name", user.name, name),
        ("organisation", user.organisation, organisation),
        ("country", user.country, code),
        ("language", user.language, new_language),
        ("time_zone", user.time_zone, new_zone),
    )
    changed = [label for label, old, new in fields if old != new]
    user.name, user.organisation, user.country = name, organisation, code
    user.language, user.time_zone = new_language, new_zone
    for kind, wanted in (subscriptions or {}).items():
        reminders.set_subscribed(user.id, kind, wanted)
    if changed:
        audit(actor, AuditAction.ACCOUNT_UPDATE, account_label(user), fields=changed)
    return user


@transactional
def change_role(actor: Actor, user_id: int, role: Role | str) -> User:
    """Give an account another role. Nobody changes their own role, and the last active
    administrator stays one, so the platform always has someone who can manage it."""
    role = Role(role)
    if not may_assign(actor, role):
        raise AccountError(gettext("You may not give this role."))
    user = get_account(user_id)
    if user.id == actor.user_id:
        raise AccountError(gettext("You cannot change your own role; ask another administrator."))
    if user.role == role:
        return user
    if user.role == Role.ADMIN and active_admins_besides(user.id) == 0:
        raise AccountError(gettext("This is the last active administrator; make someone else an administrator first."))
    old = user.role
    user.role = role
    if role == Role.LEARNER:
        db.session.execute(
            sa.update(Membership)
            .where(Membership.user_id == user.id, Membership.role == GroupRole.TRAINER)
            .values(role=GroupRole.LEARNER)
            .execution_options(synchronize_session=False)
        )
    end_sessions_in_transaction(user)
    audit(actor, AuditAction.ACCOUNT_ROLE, account_label(user), before=old.value, after=role.value)
    return user


@transactional
def deactivate_account(actor: Actor, user_id: int) -> User:
    """Stop an account from signing in and end its sessions at once. Records stay."""
    user = get_account(user_id)
    if user.id == actor.user_id:
        raise AccountError(gettext("You cannot deactivate your own account."))
    if not user.active:
        return user
    if user.role == Role.ADMIN and active_admins_besides(user.id) == 0:
        raise AccountError(gettext("This is the last active administrator."))
    user.active = False
    end_sessions_in_transaction(user)
    audit(actor, AuditAction.ACCOUNT_DEACTIVATE, account_label(user))
    return user


@transactional
def reactivate_account(actor: Actor, user_id: int) -> User:
    user = get_account(user_id)
    if user.active:
        return user
    if user.erased:
        raise AccountError(gettext("This account is erased; it cannot be used again."))
    user.active = True
    audit(actor, AuditAction.ACCOUNT_REACTIVATE, account_label(user))
    return user


@transactional
def reset_password(actor: Actor, user_id: int) -> str:
    """Replace a person's password with a temporary one (returned once, to hand over), end
    their sessions, and make them choose a new password at their next sign-in."""
    user = get_account(user_id)
    if user.id == actor.user_id:
        raise AccountError(gettext("Change your own password from your account page."))
    password = new_temporary_password()
    user.password_hash = hash_temporary(password)
    user.must_change_password = True
    user.invited_at = None  # the temporary password replaces any invitation (its link dies with the old hash)
    end_sessions_in_transaction(user)
    audit(actor, AuditAction.ACCOUNT_PASSWORD_RESET, account_label(user))
    return password


@transactional
def set_language(user_id: int, language: str | None) -> None:
    """Keep the interface language the person chose (None: their browser's)."""
    db.session.execute(sa.update(User).where(User.id == user_id).values(language=language or None))


class RegistrationClosed(AccountError):
    """Only administrators create accounts (``REGISTRATION = "invitation"``)."""


@dataclass(frozen=True, slots=True)
class Registration:
    outcome: links.Outcome
    user: User | None = None
    """The new account, to sign in at once (open registration only)."""


def register(
    email: str,
    name: str,
    password: str,
    organisation: str = "",
    country: str = "",
    language: str | None = None,
    ip: str = "",
) -> Registration:
    """Self-registration under the ``REGISTRATION`` policy, limited per client.

    * ``verified`` (the default): the account is created unconfirmed and a confirmation link
      is mailed; an address that already has an account gets a "you already have an account"
      message with a reset link instead. Both answer the same, do the same work (the password
      is hashed either way) and come after the same time (``ANSWER_SECONDS`` from the start,
      as for a reset request), so the page tells nobody whether the address has an account;
    * ``open``: the account is created and may be signed in at once, which means the page
      says when an address already has an account;
    * ``invitation``: refused (administrators create accounts).

    ``ALLOWED_EMAIL_DOMAINS``, when set, limits the addresses people may register with."""
    started = time.monotonic()
    registration = _register(email, name, password, organisation, country, language, ip)
    links.answer_after(started)
    return registration


@transactional
def _register(
    email: str, name: str, password: str, organisation: str, country: str, language: str | None, ip: str
) -> Registration:
    config = current_app.config
    mode = config["REGISTRATION"]
    if mode == "invitation":
        raise RegistrationClosed(gettext("Accounts are created by the course administrators."))
    problem = (
        email_problem(email, config["EMAIL_CHECK_DELIVERABILITY"])
        or domain_problem(email, allowed_domains(config["ALLOWED_EMAIL_DOMAINS"]))
        or password_problem(password)
    )
    if problem:
        raise AccountError(problem)
    limit, window = config["REGISTRATIONS_PER_CLIENT"], config["RATE_LIMIT_WINDOW"]
    if not ratelimit.count(ratelimit.client_key("register", ip), limit, window):
        return Registration(links.Outcome.CLIENT_LIMITED)
    password_hash = hash_password(password)
    if mode == "open":
        return Registration(
            links.Outcome.DONE,
            _new_user(email, name, organisation, country, Role.LEARNER, password_hash, language, verified=False),
        )
    if email_taken(email):
        _profile(name, organisation, country)  # the same checks as for a new account
        links.tell_already_registered(email, language)
        return Registration(links.Outcome.DONE)
    user = _new_user(email, name, organisation, country, Role.LEARNER, password_hash, language, verified=False)
    links.send_verification(user)
    return Registration(links.Outcome.DONE)
