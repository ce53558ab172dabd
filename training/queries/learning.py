"""A learner's records, as :mod:`training.progress` needs them: the learner's own pages, the
JSON API and a trainer's view of one learner all read them here, so they show the same
numbers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from ..extensions import db
from ..models import AttemptGrant, AttemptState, LessonProgress, QuizAttempt, UnitCompletion
from ..progress import LearnerRecords, LessonRecord, QuizRecord
from .accounts import LessonRead

_USER: sa.BindParameter[int] = sa.bindparam("user_id")
_SUBMITTED = QuizAttempt.state == AttemptState.SUBMITTED
_LESSON, _QUIZ, _COMPLETED, _EXTRA = range(4)


def _kind(kind: int) -> sa.ColumnElement[int]:
    return sa.literal_column(str(kind), sa.Integer())


def _none(type_: sa.types.TypeEngine[Any]) -> sa.ColumnElement[Any]:
    return sa.type_coerce(sa.null(), type_)


_NUMBER, _SCORE = sa.Integer(), sa.Float()
_RECORDS: sa.CompoundSelect = sa.union_all(
    # kind, unit or quiz, lesson, moment, moment, number, score, number, number
    sa.select(
        _kind(_LESSON),
        LessonProgress.unit_id,
        LessonProgress.lesson_id,
        LessonProgress.last_opened_at,
        LessonProgress.completed_at,
        _none(_NUMBER),
        _none(_SCORE),
        _none(_NUMBER),
        _none(_NUMBER),
    ).where(LessonProgress.user_id == _USER),
    sa.select(
        _kind(_QUIZ),
        QuizAttempt.quiz_id,
        sa.null(),
        sa.func.max(QuizAttempt.submitted_at),
        sa.null(),
        sa.func.count().filter(_SUBMITTED),
        sa.func.max(QuizAttempt.score).filter(_SUBMITTED),
        sa.func.max(sa.case((QuizAttempt.passed.is_(True), 1), else_=0)),
        sa.func.count().filter(QuizAttempt.state == AttemptState.IN_PROGRESS),
    )
    .where(QuizAttempt.user_id == _USER)
    .group_by(QuizAttempt.quiz_id),
    sa.select(
        _kind(_COMPLETED), UnitCompletion.unit_id, sa.null(), UnitCompletion.completed_at, *[sa.null()] * 5
    ).where(UnitCompletion.user_id == _USER),
    sa.select(
        _kind(_EXTRA),
        AttemptGrant.quiz_id,
        sa.null(),
        sa.null(),
        sa.null(),
        sa.func.sum(AttemptGrant.extra),
        *[sa.null()] * 3,
    )
    .where(AttemptGrant.user_id == _USER)
    .group_by(AttemptGrant.quiz_id),
)
"""One statement for the four kinds of record, built once with the learner as a parameter:
the course map and the dashboard run it on every view, and building a statement costs more
than running it. Its columns take their types from the first part (the moments are read
back as aware UTC datetimes on both databases)."""


def load_records(user_id: int) -> LearnerRecords:
    """Everything :mod:`training.progress` needs about one learner, in one statement, read as
    plain rows on the session's connection (no ORM objects)."""
    lessons: dict[tuple[str, str], LessonRecord] = {}
    quizzes: dict[str, QuizRecord] = {}
    completed: dict[str, datetime] = {}
    extra: dict[str, int] = {}
    session = db.session()
    if session.autoflush:  # as Session.execute would: records written in this transaction count
        session.flush()
    rows = session.connection().execute(_RECORDS, {"user_id": user_id})
    for kind, key, lesson_id, moment, completed_at, count, best, passed, open_count in rows:
        if kind == _LESSON:
            lessons[key, lesson_id] = LessonRecord(moment, completed_at)
        elif kind == _QUIZ:
            quizzes[key] = QuizRecord(count, best, bool(passed), moment, bool(open_count))
        elif kind == _COMPLETED:
            completed[key] = moment
        else:
            extra[key] = int(count)
    return LearnerRecords(lessons, quizzes, completed, extra)


_LESSON_RECORD = sa.select(LessonProgress.last_opened_at, LessonProgress.completed_at).where(
    LessonProgress.user_id == sa.bindparam("user_id"),
    LessonProgress.unit_id == sa.bindparam("unit_id"),
    LessonProgress.lesson_id == sa.bindparam("lesson_id"),
)
"""Built once: the lesson page is the most requested page, and building a query costs more
than running it."""


def lesson_record(user_id: int, unit_id: str, lesson_id: str, read: LessonRead | None = None) -> LessonRecord | None:
    """One lesson's record for one learner (the lesson page needs nothing more): ``read``
    if it is this lesson's, read with the signed-in person (``SignedIn.lesson``)."""
    if read is not None and (read.unit_id, read.lesson_id) == (unit_id, lesson_id):
        return read.record
    row = db.session.execute(_LESSON_RECORD, {"user_id": user_id, "unit_id": unit_id, "lesson_id": lesson_id}).first()
    return LessonRecord(row.last_opened_at, row.completed_at) if row else None
