"""The audit trail: every administrative action appends an :class:`~training.models.AuditEvent`
inside the transaction that does it, so an action and its record of who did it commit together
or not at all. Reading the trail is :func:`training.queries.audit.list_audit`."""

from __future__ import annotations

import logging
from enum import StrEnum

from ..database import transactional
from ..extensions import db
from ..models import AuditEvent, Group, User
from ..permissions import Actor

log = logging.getLogger("training.audit")  # written whatever the log level (training.logs)


class AuditAction(StrEnum):
    ACCOUNT_CREATE = "account.create"
    ACCOUNT_UPDATE = "account.update"
    ACCOUNT_ROLE = "account.role"
    ACCOUNT_DEACTIVATE = "account.deactivate"
    ACCOUNT_REACTIVATE = "account.reactivate"
    ACCOUNT_PASSWORD_RESET = "account.password_reset"  # noqa: S105 - an event name
    ACCOUNT_PASSWORD_RESET_BY_EMAIL = "account.password_reset_by_email"  # noqa: S105 - an event name
    ACCOUNT_INVITE = "account.invite"
    ACCOUNT_INVITATION_ACCEPTED = "account.invitation_accepted"
    ACCOUNT_EMAIL_CHANGE = "account.email_change"
    ACCOUNT_ERASE = "account.erase"
    IMPORT_USERS = "import.users"
    IMPORT_MEMBERS = "import.members"
    GROUP_CREATE = "group.create"
    GROUP_UPDATE = "group.update"
    GROUP_MEMBER_ADD = "group.member_add"
    GROUP_MEMBER_REMOVE = "group.member_remove"
    ATTENDANCE = "trainer.attendance"
    UNIT_COMPLETE = "trainer.unit_complete"
    UNIT_COMPLETE_UNDO = "trainer.unit_complete_undo"
    EXPORT = "report.export"
    LTI_REGISTER = "lti.register"
    LTI_DEACTIVATE = "lti.deactivate"
    LTI_REACTIVATE = "lti.reactivate"
    CERTIFICATE_REVOKE = "certificate.revoke"
    CERTIFICATE_REISSUE = "certificate.reissue"
    QUIZ_ATTEMPTS_GRANT = "quiz.attempts_grant"


def printable(text: str, limit: int = 300) -> str:
    """Control characters (CR, LF, NUL, ...) shown as escapes, so a crafted name cannot forge
    lines in a log or the audit view (docs/security.md LOG-3)."""
    out = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
    return out[:limit]


def audit(actor: Actor, action: AuditAction, target: str = "", **detail: object) -> None:
    """Append an event to the current write transaction (call it from a service function)."""
    db.session.add(
        AuditEvent(
            actor_id=actor.user_id,
            action=action.value,
            target=printable(target),
            detail=detail,
            ip=printable(actor.ip, 64),
        )
    )
    log.info(
        "audit %s actor=%s target=%r ip=%r",
        action.value,
        actor.user_id,
        printable(target),
        actor.ip,
        extra={"event": action.value, "actor": actor.user_id, "target": printable(target), "client": actor.ip},
    )


@transactional
def record_export(actor: Actor, report: str, filters: dict[str, str]) -> None:
    """Note a CSV or JSON export: personal data leaving the platform is always on record."""
    audit(actor, AuditAction.EXPORT, report, filters=filters)


def account_label(user: User) -> str:
    return f"{user.email} (#{user.id})"


def group_label(group: Group) -> str:
    return f"{group.name} (#{group.id})"
