"""Erasing a person: the right to erasure, done by an administrator.

The account row stays, anonymised, so everything that counts the person without naming them
stays true: their quiz attempts and answers still count in the question statistics, their
lesson progress and workshop marks in the completion reports, and the report summaries
(:mod:`.summaries`) need no change, since the records they sum up are all still there.
What identifies the person goes: name, address (every address the account had), organisation,
country, language, time zone, password, two-step key, recovery codes, pending links, mail,
the LMS accounts linked to it, its certificates (they print the name), the text of its
course-evaluation answers (ratings stay), pending messages to other systems and the sign-in
counters kept under the address.

The audit trail is otherwise never changed; here its entries about the person keep their
action, time and actor, but every address of the person in them becomes the anonymous one,
and the erasure itself is recorded without any personal data.
"""

from __future__ import annotations

import secrets
from typing import Any

import sqlalchemy as sa

from ..database import transactional
from ..extensions import db
from ..fields import normalise_email
from ..models import (
    ERASED_DOMAIN,
    AccountToken,
    AuditEvent,
    Certificate,
    EvaluationAnswer,
    EvaluationResponse,
    LoginThrottle,
    LtiAccount,
    MailMessage,
    OutboxMessage,
    OutboxState,
    RateLimit,
    RecoveryCode,
    User,
)
from ..permissions import Actor, Role
from ..queries.accounts import active_admins_besides, get_account
from ..queries.personal import audit_about
from ..translatable import gettext
from .accounts import AccountError
from .audit import AuditAction, audit

ERASED_NAME = "Erased account"


def erased_email(user_id: int) -> str:
    return f"erased-{user_id}@{ERASED_DOMAIN}"


def _scrub(value: Any, addresses: set[str], replacement: str) -> Any:
    """``value`` (a string, or lists and dicts of them) with every address replaced."""
    if isinstance(value, str):
        for address in addresses:
            value = value.replace(address, replacement)
        return value
    if isinstance(value, list):
        return [_scrub(item, addresses, replacement) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item, addresses, replacement) for key, item in value.items()}
    return value


@transactional
def erase_account(actor: Actor, user_id: int, confirm_email: str) -> User:
    """Anonymise the account ``user_id`` (see the module), once ``confirm_email`` (typed by
    the administrator) is its address: it cannot be undone. Nobody erases their own account
    here, and the last active administrator stays."""
    user = get_account(user_id)
    if normalise_email(confirm_email) != user.email:
        raise AccountError(gettext("The address you typed is not this account's."))
    if user.id == actor.user_id:
        raise AccountError(gettext("You cannot erase your own account; ask another administrator."))
    if user.erased:
        raise AccountError(gettext("This account is already erased."))
    if user.role == Role.ADMIN and user.active and active_admins_besides(user.id) == 0:
        raise AccountError(gettext("This is the last active administrator; make someone else an administrator first."))
    anonymous = erased_email(user.id)
    events = list(db.session.scalars(sa.select(AuditEvent).where(audit_about(user.id))))
    addresses = {user.email}
    mark = f"(#{user.id})"
    for event in events:  # earlier addresses: changes of address recorded about this account
        if event.action == AuditAction.ACCOUNT_EMAIL_CHANGE.value and event.target.endswith(mark):
            addresses.add(str(event.detail.get("before", "")))
        if event.target.endswith(mark):
            addresses.add(event.target[: -len(mark)].strip())
    addresses.update(
        address
        for address in db.session.scalars(sa.select(AccountToken.new_email).where(AccountToken.user_id == user.id))
        if address
    )
    addresses.discard("")
    for event in events:
        event.target = _scrub(event.target, addresses, anonymous)
        event.detail = _scrub(dict(event.detail), addresses, anonymous)

    for model in (RecoveryCode, AccountToken, LtiAccount, Certificate):
        db.session.execute(sa.delete(model).where(model.user_id == user.id))
    db.session.execute(
        sa.delete(MailMessage).where(sa.or_(MailMessage.user_id == user.id, MailMessage.to_address.in_(addresses)))
    )
    db.session.execute(
        sa.delete(OutboxMessage).where(OutboxMessage.user_id == user.id, OutboxMessage.state == OutboxState.PENDING)
    )
    db.session.execute(
        sa.update(OutboxMessage).where(OutboxMessage.user_id == user.id).values(payload={}, last_error="")
    )
    db.session.execute(
        sa.update(EvaluationAnswer)
        .where(
            EvaluationAnswer.response_id.in_(
                sa.select(EvaluationResponse.id).where(EvaluationResponse.user_id == user.id)
            )
        )
        .values(text=None)
    )
    for address in addresses:
        db.session.execute(sa.delete(LoginThrottle).where(LoginThrottle.key.endswith(":" + address, autoescape=True)))
        db.session.execute(sa.delete(RateLimit).where(RateLimit.key.endswith(":" + address, autoescape=True)))

    user.email, user.name, user.organisation, user.country = anonymous, ERASED_NAME, "", ""
    user.language = user.time_zone = None
    user.password_hash = "!erased-" + secrets.token_hex(8)  # not a hash: no password matches it
    user.totp_secret, user.totp_last_step = None, None
    user.email_verified_at = user.invited_at = None
    user.must_change_password, user.active = False, False
    user.session_version += 1  # every session ends
    db.session.flush()
    audit(actor, AuditAction.ACCOUNT_ERASE, f"{anonymous} {mark}")
    return user
