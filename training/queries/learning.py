"""A learner's records, as :mod:`training.progress` needs them: the learner's own pages, the
JSON API and a trainer's view of one learner all read them here, so they show the same
numbers."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import AttemptGrant, AttemptState, LessonProgress, QuizAttempt, UnitCompletion
from ..progress import LearnerRecords, LessonRecord, QuizRecord

_USER: sa.BindParameter[int] = sa.bindparam("user_id")
_SUBMITTED = QuizAttempt.state == AttemptState.SUBMITTED
_LESSONS = sa.select(
    LessonProgress.unit_id, LessonProgress.lesson_id, LessonProgress.last_opened_at, LessonProgress.completed_at
).where(LessonProgress.user_id == _USER)
_QUIZZES = (
    sa.select(
        QuizAttempt.quiz_id,
        sa.func.count().filter(_SUBMITTED),
        sa.func.max(QuizAttempt.score).filter(_SUBMITTED),
        sa.func.max(sa.case((QuizAttempt.passed.is_(True), 1), else_=0)),
        sa.func.max(QuizAttempt.submitted_at),
        sa.func.count().filter(QuizAttempt.state == AttemptState.IN_PROGRESS),
    )
    .where(QuizAttempt.user_id == _USER)
    .group_by(QuizAttempt.quiz_id)
)
_COMPLETED = sa.select(UnitCompletion.unit_id, UnitCompletion.completed_at).where(UnitCompletion.user_id == _USER)
_EXTRA = (
    sa.select(AttemptGrant.quiz_id, sa.func.sum(AttemptGrant.extra))
    .where(AttemptGrant.user_id == _USER)
    .group_by(AttemptGrant.quiz_id)
)
"""Built once, with the learner as a parameter: the course map and the dashboard run them on
every view, and building a statement costs more than running it (the compiled form is then
found in SQLAlchemy's cache by the statement's key)."""


def load_records(user_id: int) -> LearnerRecords:
    """Everything :mod:`training.progress` needs about one learner, in four queries."""
    params = {"user_id": user_id}
    lessons = {
        (row.unit_id, row.lesson_id): LessonRecord(row.last_opened_at, row.completed_at)
        for row in db.session.execute(_LESSONS, params)
    }
    quizzes = {
        quiz_id: QuizRecord(attempts, best, bool(passed), last, bool(open_count))
        for quiz_id, attempts, best, passed, last, open_count in db.session.execute(_QUIZZES, params)
    }
    completed = {unit_id: moment for unit_id, moment in db.session.execute(_COMPLETED, params)}
    extra = {quiz_id: int(total) for quiz_id, total in db.session.execute(_EXTRA, params)}
    return LearnerRecords(lessons, quizzes, completed, extra)


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
