"""Lesson progress: opening and reading lessons (a learner's records are read in
:mod:`training.queries.learning`)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from ..content.model import Catalogue
from ..database import insert, transactional
from ..extensions import db
from ..interop import events
from ..models import LessonProgress, utcnow
from ..progress import LessonRecord
from . import certificates, outbox
from .summaries import learner_changed

OPENED_RESOLUTION = timedelta(minutes=5)
"""Re-opening a lesson within this time does not write again: reading stays cheap."""


def lesson_needs_opening(record: LessonRecord | None, now: datetime | None = None) -> bool:
    """Whether viewing a lesson should be written down (first view, or a while since the last)."""
    now = now or utcnow()
    return record is None or record.opened_at is None or now - record.opened_at >= OPENED_RESOLUTION


def note_lesson_opened(
    user_id: int, unit_id: str, lesson_id: str, record: LessonRecord | None, now: datetime | None = None
) -> None:
    """Write down that a learner opened a lesson, unless they opened it a moment ago: most
    views of the most requested page then take no write lock at all."""
    now = now or utcnow()
    if lesson_needs_opening(record, now):
        record_lesson_opened(user_id, unit_id, lesson_id, now)


@transactional
def record_lesson_opened(user_id: int, unit_id: str, lesson_id: str, now: datetime | None = None) -> None:
    """Note that a learner opened a lesson: one row per learner and lesson, upserted."""
    now = now or utcnow()
    stmt = insert(LessonProgress).values(
        user_id=user_id,
        unit_id=unit_id,
        lesson_id=lesson_id,
        first_opened_at=now,
        last_opened_at=now,
        content_version="",
    )
    db.session.execute(
        stmt.on_conflict_do_update(index_elements=["user_id", "unit_id", "lesson_id"], set_={"last_opened_at": now})
    )
    outbox.record(user_id, [events.LessonOpened(user_id, unit_id, lesson_id, now)])
    learner_changed(user_id)


@transactional
def record_lesson_read(
    user_id: int,
    unit_id: str,
    lesson_id: str,
    version: str,
    now: datetime | None = None,
    *,
    catalogue: Catalogue | None = None,
) -> bool:
    """Mark a lesson read. The first time counts: ``completed_at`` and the version stay as set.
    With the ``catalogue``, a read that completes the course issues its certificate; True
    when it did (the learner is shown the completion page)."""
    now = now or utcnow()
    stmt = insert(LessonProgress).values(
        user_id=user_id,
        unit_id=unit_id,
        lesson_id=lesson_id,
        first_opened_at=now,
        last_opened_at=now,
        completed_at=now,
        content_version=version,
    )
    table = LessonProgress.__table__
    db.session.execute(
        stmt.on_conflict_do_update(
            index_elements=["user_id", "unit_id", "lesson_id"],
            set_={
                "last_opened_at": now,
                "completed_at": sa.func.coalesce(table.c.completed_at, stmt.excluded.completed_at),
                "content_version": sa.case(
                    (table.c.completed_at.is_(None), stmt.excluded.content_version), else_=table.c.content_version
                ),
            },
        )
    )
    outbox.record(user_id, [events.LessonRead(user_id, unit_id, lesson_id, now)])
    learner_changed(user_id)
    return catalogue is not None and certificates.note_progress(catalogue, user_id, now) is not None
