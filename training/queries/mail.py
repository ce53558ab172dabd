"""The mail outbox as operators see it (``training mail status``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import MailMessage, Unsubscribe, utcnow


@dataclass(frozen=True, slots=True)
class OutboxStatus:
    waiting: int
    sent_today: int
    failed: int
    recent_failures: list[MailMessage]


def outbox_status(failures: int = 20) -> OutboxStatus:
    def count(*conditions: sa.ColumnElement[bool]) -> int:
        return db.session.scalar(sa.select(sa.func.count()).select_from(MailMessage).where(*conditions)) or 0

    return OutboxStatus(
        waiting=count(MailMessage.sent_at.is_(None), MailMessage.failed_at.is_(None)),
        sent_today=count(MailMessage.sent_at >= utcnow() - timedelta(days=1)),
        failed=count(MailMessage.failed_at.is_not(None)),
        recent_failures=list(
            db.session.scalars(
                sa.select(MailMessage)
                .where(MailMessage.failed_at.is_not(None))
                .order_by(MailMessage.failed_at.desc())
                .limit(failures)
            )
        ),
    )


def is_unsubscribed(user_id: int, kind: str) -> bool:
    """Whether the person asked for no more reminders of this kind."""
    return db.session.get(Unsubscribe, (user_id, kind)) is not None
