"""Everything the platform holds about one person, as plain data: what a learner downloads
from their account page (the right of access and to data portability).

Each table that refers to the person is listed with all its columns except secrets the
person cannot use (password and code hashes, the two-step key, link tokens) and the bodies
of mail in the outbox (their links are secrets too; the subject and address are kept).
Audit entries are those the person did and those about them (their account, or them as a
group member).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    Attendance,
    AuditEvent,
    Base,
    Certificate,
    EvaluationAnswer,
    EvaluationResponse,
    LessonProgress,
    LtiAccount,
    MailMessage,
    Membership,
    QuizAttempt,
    UnitCompletion,
    User,
)

SECRET_COLUMNS = frozenset(
    {"password_hash", "totp_secret", "totp_last_step", "token_hash", "code_hash", "binding", "text_body", "html_body"}
)
"""Kept out of the download: hashes and keys that only serve to check a secret."""

FORMAT = "training-personal-data/1"


def _value(value: object) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if hasattr(value, "value") and not isinstance(value, (int, float, str)):  # enums
        return value.value
    return value


def as_record(row: Base) -> dict[str, Any]:
    """A row as a dict of its columns (dates in ISO 8601), secrets left out."""
    return {
        column.key: _value(getattr(row, column.key))
        for column in sa.inspect(type(row)).mapper.column_attrs
        if column.key not in SECRET_COLUMNS
    }


def _rows(model: type[Base], *where: sa.ColumnElement[bool]) -> list[dict[str, Any]]:
    order = sa.inspect(model).primary_key
    return [as_record(row) for row in db.session.scalars(sa.select(model).where(*where).order_by(*order))]


def audit_about(user_id: int) -> sa.ColumnElement[bool]:
    """Audit entries by the person or about them: targets and details name an account as
    ``email (#id)`` (:func:`training.services.audit.account_label`)."""
    mark = f"%(#{user_id})%"
    return sa.or_(
        AuditEvent.actor_id == user_id,
        AuditEvent.target.like(mark),
        sa.cast(AuditEvent.detail, sa.Text).like(mark),
    )


def personal_data(user_id: int) -> dict[str, Any]:
    """Everything about the person, by table; attempts carry their answers."""
    user = db.session.get(User, user_id)
    if user is None:
        return {}
    attempts = []
    for attempt in db.session.scalars(
        sa.select(QuizAttempt).where(QuizAttempt.user_id == user_id).order_by(QuizAttempt.id)
    ):
        record = as_record(attempt)
        record["answers"] = [as_record(response) for response in attempt.responses]
        attempts.append(record)
    evaluations = []
    for response in db.session.scalars(
        sa.select(EvaluationResponse).where(EvaluationResponse.user_id == user_id).order_by(EvaluationResponse.id)
    ):
        record = as_record(response)
        record["answers"] = _rows(EvaluationAnswer, EvaluationAnswer.response_id == response.id)
        evaluations.append(record)
    return {
        "format": FORMAT,
        "account": as_record(user) | {"two_step_sign_in": user.mfa_enabled},
        "groups": _rows(Membership, Membership.user_id == user_id),
        "lessons": _rows(LessonProgress, LessonProgress.user_id == user_id),
        "quiz_attempts": attempts,
        "units_completed_in_workshops": _rows(UnitCompletion, UnitCompletion.user_id == user_id),
        "attendance": _rows(Attendance, Attendance.user_id == user_id),
        "certificates": _rows(Certificate, Certificate.user_id == user_id),
        "evaluations": evaluations,
        "lms_accounts": _rows(LtiAccount, LtiAccount.user_id == user_id),
        "mail": _rows(MailMessage, MailMessage.user_id == user_id),
        "audit": _rows(AuditEvent, audit_about(user_id)),
    }
