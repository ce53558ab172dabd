"""What a person does through a link sent by email: reset a forgotten password, accept an
invitation (choose a first password), confirm their address, move their account to a new
address. Each link is single-use and short-lived (:mod:`.tokens`); each message is written
to the outbox in the transaction of the action that causes it (:mod:`.outbox`).

A reset request answers the same whatever the address: whether an account exists, is
deactivated, or was asked about too often, the caller gets the same outcome and the same
amount of work is done, so neither the answer nor its timing tells who has an account.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from flask import current_app

from ..database import transactional, unique_or
from ..extensions import db
from ..fields import allowed_domains, domain_problem, email_problem, normalise_email, password_problem
from ..models import User, utcnow
from ..permissions import Actor
from ..queries.accounts import email_taken, find_user, get_account
from ..translatable import gettext
from . import mail, ratelimit, tokens
from .audit import AuditAction, account_label, audit
from .credentials import PasswordError, end_sessions_in_transaction, hash_password
from .tokens import LinkInvalid, Purpose

__all__ = ["LinkInvalid", "Purpose"]

log = logging.getLogger(__name__)


class Outcome(StrEnum):
    DONE = "done"
    """Done, or looks exactly as if it had been (the caller cannot tell)."""
    CLIENT_LIMITED = "client_limited"
    """Too many requests from this client: answer 429."""


class LinkError(ValueError):
    """A request that cannot be made; the message is safe to show to the person."""


def _hours(lifetime: timedelta) -> int:
    return max(1, round(lifetime.total_seconds() / 3600))


def _actor(user: User, ip: str) -> Actor:
    return Actor(user.id, user.role, ip)


# --- forgotten passwords ------------------------------------------------------------------


def request_password_reset(email: str, ip: str) -> Outcome:
    """Mail a reset link to the account with this address, if there is an active one and
    the address was not asked about too often; otherwise send nothing. Either way the answer
    comes after the same time, ``ANSWER_SECONDS`` from the start: writing a link and a
    message costs a few milliseconds more than writing nothing, which a patient client could
    otherwise measure to learn who has an account."""
    started = time.monotonic()
    outcome = _request_password_reset(email, ip)
    answer_after(started)
    return outcome


def answer_after(started: float) -> None:
    """Wait until ``ANSWER_SECONDS`` have passed since ``started`` (a ``time.monotonic()``),
    so that requests which must not tell whether an address has an account (a reset, a
    registration) all answer after the same time, whatever work they did."""
    time.sleep(max(0.0, float(current_app.config["ANSWER_SECONDS"]) - (time.monotonic() - started)))


@transactional
def _request_password_reset(email: str, ip: str) -> Outcome:
    config = current_app.config
    window = config["RATE_LIMIT_WINDOW"]
    address = normalise_email(email)
    if not ratelimit.count(ratelimit.client_key("reset", ip), config["RESET_REQUESTS_PER_CLIENT"], window):
        return Outcome.CLIENT_LIMITED
    allowed = ratelimit.count(ratelimit.address_key("reset", address), config["RESET_REQUESTS_PER_ADDRESS"], window)
    user = find_user(address) if allowed else None
    lifetime = config["PASSWORD_RESET_LIFETIME"]
    if user is None or not user.active:
        if not allowed:
            log.info("password reset for %r not sent: too many requests for this address", address[:254])
        return Outcome.DONE
    token = tokens.issue(user, Purpose.RESET, lifetime)
    mail.queue(
        "password_reset",
        user.email,
        user.language,
        user.id,
        name=user.name,
        link=mail.link("account.reset_password", token=token),
        hours=_hours(lifetime),
    )
    return Outcome.DONE


def _set_password(user: User, password: str) -> None:
    """Inside a write: the person's own new password; every session of theirs ends, and
    following a link to their mailbox showed the address is theirs."""
    problem = password_problem(password)
    if problem:
        raise PasswordError(problem)
    end_sessions_in_transaction(user)
    user.password_hash = hash_password(password)
    user.must_change_password = False
    user.invited_at = None
    user.email_verified_at = user.email_verified_at or utcnow()
    tokens.forget(user.id, Purpose.RESET, Purpose.INVITE, Purpose.VERIFY)


@dataclass(frozen=True, slots=True)
class LinkFor:
    user: User
    new_email: str | None = None
    """For a change of address: the address the link confirms."""


def account_for_link(token: str, purpose: Purpose) -> LinkFor:
    """The account a link is for, to show its page (nothing is used); raises LinkInvalid."""
    row, user = tokens.peek(token, purpose)
    return LinkFor(user, row.new_email)


@transactional
def reset_password(token: str, password: str, ip: str) -> User:
    """Set a new password through a reset link: the link is used up, every session of the
    person ends, and the audit trail records it. Two-step sign-in stays as it was: the
    person signs in again with the new password and their second step."""
    _row, user = tokens.redeem(token, Purpose.RESET)
    _set_password(user, password)
    audit(_actor(user, ip), AuditAction.ACCOUNT_PASSWORD_RESET_BY_EMAIL, account_label(user))
    return user


# --- invitations --------------------------------------------------------------------------


def send_invitation(user: User) -> None:
    """Inside a write already open: mail a "choose your password" link (older ones stop
    working). The account has no usable password until the person follows it."""
    if user.id is None:
        db.session.flush()
    lifetime = current_app.config["INVITATION_LIFETIME"]
    token = tokens.issue(user, Purpose.INVITE, lifetime)
    user.invited_at = utcnow()
    mail.queue(
        "invitation",
        user.email,
        user.language,
        user.id,
        name=user.name,
        email=user.email,
        link=mail.link("account.accept_invitation", token=token),
        days=max(1, lifetime.days),
    )


@transactional
def resend_invitation(actor: Actor, user_id: int) -> User:
    """Send a new invitation to someone who has not accepted theirs (the old link dies)."""
    user = get_account(user_id)
    if user.invited_at is None:
        raise LinkError(gettext("This person has already chosen a password."))
    if not user.active:
        raise LinkError(gettext("The account is deactivated; reactivate it first."))
    send_invitation(user)
    audit(actor, AuditAction.ACCOUNT_INVITE, account_label(user), resend=True)
    return user


@transactional
def accept_invitation(token: str, password: str, ip: str) -> User:
    """Choose the first password through an invitation link; the link is used up."""
    _row, user = tokens.redeem(token, Purpose.INVITE)
    if not user.active:
        raise LinkInvalid
    _set_password(user, password)
    audit(_actor(user, ip), AuditAction.ACCOUNT_INVITATION_ACCEPTED, account_label(user))
    return user


# --- confirming an address ----------------------------------------------------------------


def send_verification(user: User) -> None:
    """Inside a write already open: mail a link that confirms the account's address."""
    if user.id is None:
        db.session.flush()
    lifetime = current_app.config["EMAIL_LINK_LIFETIME"]
    token = tokens.issue(user, Purpose.VERIFY, lifetime)
    mail.queue(
        "verify_email",
        user.email,
        user.language,
        user.id,
        name=user.name,
        link=mail.link("account.verify_email", token=token),
        hours=_hours(lifetime),
    )


def tell_already_registered(email: str, language: str | None) -> None:
    """Inside a write already open: someone tried to register with an address that has an
    account. Its owner is told by email (with the sign-in and reset links); the person who
    tried sees the same page as for a new address."""
    user = find_user(email)
    if user is None:
        return
    mail.queue(
        "already_registered",
        user.email,
        user.language or language,
        user.id,
        name=user.name,
        sign_in=mail.link("auth.login"),
        reset=mail.link("account.forgot_password"),
    )


@transactional
def request_verification(user_id: int, ip: str) -> Outcome:
    """Send the confirmation link again (a few times an hour at most)."""
    config = current_app.config
    window = config["RATE_LIMIT_WINDOW"]
    if not ratelimit.count(ratelimit.client_key("verify", ip), config["RESET_REQUESTS_PER_CLIENT"], window):
        return Outcome.CLIENT_LIMITED
    user = get_account(user_id)
    key = ratelimit.address_key("verify", user.email)
    if user.email_verified_at is None and ratelimit.count(key, config["RESET_REQUESTS_PER_ADDRESS"], window):
        send_verification(user)
    return Outcome.DONE


@transactional
def verify_email(token: str) -> User:
    """Mark the account's address as confirmed through the link sent to it."""
    _row, user = tokens.redeem(token, Purpose.VERIFY)
    user.email_verified_at = utcnow()
    return user


# --- changing an address ------------------------------------------------------------------


def new_address_problem(user: User, new_email: str) -> str | None:
    """Why a person cannot move their own account to this address, or None."""
    config = current_app.config
    problem = email_problem(new_email, config["EMAIL_CHECK_DELIVERABILITY"]) or domain_problem(
        new_email, allowed_domains(config["ALLOWED_EMAIL_DOMAINS"])
    )
    if problem:
        return problem
    if normalise_email(new_email) == user.email:
        return gettext("This is already the address of your account.")
    return None


@transactional
def request_email_change(user_id: int, new_email: str, ip: str) -> Outcome:
    """Mail a confirmation link to the new address; nothing changes until it is followed.
    The caller has checked the person's password. An address that another account uses gets
    no message, and the answer is the same (so this does not tell who has an account)."""
    config = current_app.config
    user = get_account(user_id)
    problem = new_address_problem(user, new_email)
    if problem:
        raise LinkError(problem)
    window = config["RATE_LIMIT_WINDOW"]
    if not ratelimit.count(ratelimit.client_key("email", ip), config["RESET_REQUESTS_PER_CLIENT"], window):
        return Outcome.CLIENT_LIMITED
    new = normalise_email(new_email)
    if not ratelimit.count(ratelimit.address_key("email", str(user.id)), config["RESET_REQUESTS_PER_ADDRESS"], window):
        log.info("address change for account #%s not sent: too many requests", user.id)
        return Outcome.DONE
    if email_taken(new):
        log.info("address change for account #%s not sent: the new address has an account", user.id)
        return Outcome.DONE
    lifetime = config["EMAIL_LINK_LIFETIME"]
    token = tokens.issue(user, Purpose.EMAIL, lifetime, new_email=new)
    mail.queue(
        "email_change",
        new,
        user.language,
        user.id,
        name=user.name,
        new_email=new,
        link=mail.link("account.confirm_email", token=token),
        hours=_hours(lifetime),
    )
    return Outcome.DONE


def _taken() -> LinkError:
    return LinkError(gettext("Another account uses this address."))


def move_account(actor: Actor, user: User, new_email: str, old_email: str) -> None:
    """Inside a write already open: the account takes the new (confirmed) address; links
    sent to the old one stop working, the old address is told, the audit trail records it."""
    user.email = new_email
    user.email_verified_at = utcnow()
    with unique_or(_taken()):
        db.session.flush()
    tokens.forget(user.id, Purpose.RESET, Purpose.VERIFY, Purpose.EMAIL)
    mail.queue(
        "email_changed",
        old_email,
        user.language,
        user.id,
        name=user.name,
        new_email=new_email,
        by_administrator=actor.user_id != user.id,
    )
    audit(actor, AuditAction.ACCOUNT_EMAIL_CHANGE, account_label(user), before=old_email)


@transactional
def confirm_email_change(token: str, ip: str) -> User:
    """Move the account to the address the link was sent to."""
    row, user = tokens.redeem(token, Purpose.EMAIL)
    new = row.new_email or ""
    if email_taken(new):
        raise _taken()
    move_account(_actor(user, ip), user, new, user.email)
    return user


@transactional
def change_email_for(actor: Actor, user_id: int, new_email: str) -> User:
    """An administrator gives an account another address (they vouch for it: no link). The
    old address is told, the person's open links die, the audit trail records it."""
    user = get_account(user_id)
    problem = email_problem(new_email, current_app.config["EMAIL_CHECK_DELIVERABILITY"])
    if problem:
        raise LinkError(problem)
    new = normalise_email(new_email)
    if new == user.email:
        return user
    if email_taken(new):
        raise _taken()
    move_account(actor, user, new, user.email)
    return user
