"""Lesson progress: opening and reading lessons (a learner's records are read in
:mod:`training.queries.learning`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..content.model import Catalogue
from ..database import insert, transactional
from ..extensions import db
from ..interop import events
from ..models import LessonProgress, ProgressRequest, utcnow
from ..offline import QueuedRead
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
    key: str | None = None,
) -> bool:
    """Mark a lesson read. The first time counts: ``completed_at`` and the version stay as set.
    With the ``catalogue``, a read that completes the course issues its certificate; True
    when it did (the learner is shown the completion page).

    With an idempotency ``key`` (sent by the lesson page's form, and by a device sending
    what it queued while offline), the request is applied at most once: a resend with the
    same key changes nothing, not even the "last opened" time.
    """
    now = now or utcnow()
    if not _claim(user_id, key, unit_id, lesson_id, now):
        return False
    _mark_read(user_id, unit_id, lesson_id, version, now)
    return catalogue is not None and certificates.note_progress(catalogue, user_id, now) is not None


@transactional
def record_queued_reads(user_id: int, reads: Sequence[QueuedRead], catalogue: Catalogue | None = None) -> list[bool]:
    """Apply the reads a device queued while offline, in one transaction; each is applied at
    most once by its idempotency key (False: an earlier send already counted). With the
    ``catalogue``, reads that complete the course issue its certificate, as online."""
    now = utcnow()
    applied = []
    for read in reads:
        fresh = _claim(user_id, read.key, read.unit_id, read.lesson_id, now)
        if fresh:
            _mark_read(user_id, read.unit_id, read.lesson_id, read.version, now)
        applied.append(fresh)
    if catalogue is not None and any(applied):
        certificates.note_progress(catalogue, user_id, now)
    return applied


def _claim(user_id: int, key: str | None, unit_id: str, lesson_id: str, now: datetime) -> bool:
    """Whether a request is new: False for one whose idempotency key was already applied."""
    if key is None:
        return True
    claimed = db.session.execute(
        insert(ProgressRequest)
        .values(user_id=user_id, idempotency_key=key, unit_id=unit_id, lesson_id=lesson_id, received_at=now)
        .on_conflict_do_nothing(index_elements=["user_id", "idempotency_key"])
        .returning(ProgressRequest.id)  # a row only when this request is the first with its key
    )
    return claimed.scalar_one_or_none() is not None


def _mark_read(user_id: int, unit_id: str, lesson_id: str, version: str, now: datetime) -> None:
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
