"""Lesson progress: opening and reading lessons, and loading a learner's records."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from ..database import insert, transactional
from ..extensions import db
from ..models import AttemptState, LessonProgress, QuizAttempt, UnitCompletion, utcnow
from ..progress import LearnerRecords, LessonRecord, QuizRecord

OPENED_RESOLUTION = timedelta(minutes=5)
"""Re-opening a lesson within this time does not write again: reading stays cheap."""


def load_records(user_id: int) -> LearnerRecords:
    """Everything :mod:`training.progress` needs about one learner, in three queries."""
    lessons = {
        (row.unit_id, row.lesson_id): LessonRecord(row.last_opened_at, row.completed_at)
        for row in db.session.execute(
            sa.select(
                LessonProgress.unit_id,
                LessonProgress.lesson_id,
                LessonProgress.last_opened_at,
                LessonProgress.completed_at,
            ).where(LessonProgress.user_id == user_id)
        )
    }
    submitted = QuizAttempt.state == AttemptState.SUBMITTED
    quiz_rows = db.session.execute(
        sa.select(
            QuizAttempt.quiz_id,
            sa.func.count().filter(submitted),
            sa.func.max(QuizAttempt.score).filter(submitted),
            sa.func.max(sa.case((QuizAttempt.passed.is_(True), 1), else_=0)),
            sa.func.max(QuizAttempt.submitted_at),
            sa.func.count().filter(QuizAttempt.state == AttemptState.IN_PROGRESS),
        )
        .where(QuizAttempt.user_id == user_id)
        .group_by(QuizAttempt.quiz_id)
    )
    quizzes = {
        quiz_id: QuizRecord(attempts, best, bool(passed), last, bool(open_count))
        for quiz_id, attempts, best, passed, last, open_count in quiz_rows
    }
    completed = {
        unit_id: moment
        for unit_id, moment in db.session.execute(
            sa.select(UnitCompletion.unit_id, UnitCompletion.completed_at).where(UnitCompletion.user_id == user_id)
        )
    }
    return LearnerRecords(lessons, quizzes, completed)


_LESSON_RECORD = sa.select(LessonProgress.last_opened_at, LessonProgress.completed_at).where(
    LessonProgress.user_id == sa.bindparam("user_id"),
    LessonProgress.unit_id == sa.bindparam("unit_id"),
    LessonProgress.lesson_id == sa.bindparam("lesson_id"),
)
"""Built once: the lesson page is the most requested page, and building a query costs more
than running it."""


def lesson_record(user_id: int, unit_id: str, lesson_id: str) -> LessonRecord | None:
    """One lesson's record for one learner (the lesson page needs nothing more)."""
    row = db.session.execute(_LESSON_RECORD, {"user_id": user_id, "unit_id": unit_id, "lesson_id": lesson_id}).first()
    return LessonRecord(row.last_opened_at, row.completed_at) if row else None


def lesson_needs_opening(record: LessonRecord | None, now: datetime | None = None) -> bool:
    """Whether viewing a lesson should be written down (first view, or a while since the last)."""
    now = now or utcnow()
    return record is None or record.opened_at is None or now - record.opened_at >= OPENED_RESOLUTION


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


@transactional
def record_lesson_read(user_id: int, unit_id: str, lesson_id: str, version: str, now: datetime | None = None) -> None:
    """Mark a lesson read. The first time counts: ``completed_at`` and the version stay as set."""
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
