"""The progress rules of :mod:`training.progress`, written as SQL over all learners at once.

:mod:`training.progress` decides one learner's status in Python from their rows; here the
same rules run inside the database, with the catalogue's shape (lessons per unit, which quiz
belongs to which unit) as constants, so a report never loads learners one by one:

* A unit is complete when a trainer marked it, or when every lesson of it is read and its
  quiz (if it has one) passed; in progress when any of its lessons was opened or its quiz
  attempted; otherwise not started.
* The course is complete when every unit is; in progress when any unit has been started.
* Items done: lessons read plus quizzes passed, a marked unit counting whole; percent =
  items done / items, rounded down (:func:`training.progress.percent_of`, in Python).
* A unit's completion moment is the trainer's mark, or the last of its lessons' read
  moments and its quiz's last submission; the course's is the last of its units'.
* Last activity: the latest lesson opening or reading, quiz submission or trainer mark.

Two deliberate differences, both about content that has changed since the learner's
activity: a lesson row whose lesson id is no longer in the course is ignored entirely (its
openings do not count as activity), and a lesson moved to another unit keeping its id counts
in the unit its row names. ``tests/test_reports.py`` checks the rest against
``progress.course_progress`` for random records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement, Select

from ..content.model import Catalogue, Unit
from ..models import LearnerUnit, as_moment, later_of, no_moment
from ..progress import Status

_greatest, _moment, _null_time = later_of, as_moment, no_moment


@dataclass(frozen=True, slots=True)
class CourseShape:
    """What the SQL needs to know about the course, read from the catalogue."""

    units: tuple[Unit, ...]
    lessons: tuple[tuple[str, str], ...]
    quiz_units: dict[str, str]
    """quiz id -> unit id"""
    vacuous: int
    """Units without lessons or quiz: complete for everyone, as progress.py says."""
    total_items: int

    @classmethod
    def of(cls, catalogue: Catalogue) -> CourseShape:
        units = catalogue.units
        return cls(
            units=units,
            lessons=tuple((u.id, le.id) for u in units for le in u.lessons),
            quiz_units={u.quiz_id: u.id for u in units if u.quiz_id},
            vacuous=sum(1 for u in units if not u.lessons and not u.quiz_id),
            total_items=sum(len(u.lessons) + (1 if u.quiz_id else 0) for u in units),
        )


Learners = Select | Sequence[int] | None
"""Whose rows a statement covers: a select of their ids (for a statement built once, one id
given at each run), a list, or everyone (None)."""


def unit_facts(shape: CourseShape, learners: Learners) -> sa.Subquery:
    """One row per learner and unit they have any record for, with the unit's status decided
    as :func:`training.progress.unit_progress` decides it."""
    table = sa.select(LearnerUnit)
    if learners is not None:
        table = table.where(LearnerUnit.user_id.in_(learners))
    per_unit = table.subquery("per_unit")

    u = per_unit.c
    lesson_count = {unit.id: len(unit.lessons) for unit in shape.units}
    with_quiz = [unit.id for unit in shape.units if unit.quiz_id]
    known = u.unit_id.in_(list(lesson_count)) if lesson_count else sa.false()
    has_quiz = u.unit_id.in_(with_quiz) if with_quiz else sa.false()
    n_lessons = sa.case(lesson_count, value=u.unit_id, else_=-1) if lesson_count else sa.literal(-1)
    marked = u.marked_at.is_not(None)
    quiz_passed = sa.and_(has_quiz, u.passed == 1)
    complete = sa.and_(known, sa.or_(marked, sa.and_(u.read == n_lessons, sa.or_(~has_quiz, u.passed == 1))))
    touched = sa.and_(known, sa.or_(u.opened > 0, u.attempts > 0, u.open > 0))
    items = n_lessons + sa.case((has_quiz, 1), else_=0)
    done = sa.case((~known, 0), (marked, items), else_=u.read + sa.case((quiz_passed, 1), else_=0))
    done_at = _moment(
        sa.case(
            (~complete, _null_time()),
            (marked, u.marked_at),
            else_=_greatest(u.read_at, _moment(sa.case((has_quiz, u.submitted_at), else_=_null_time()))),
        )
    )
    status = sa.case(
        (complete, Status.COMPLETE.value), (touched, Status.IN_PROGRESS.value), else_=Status.NOT_STARTED.value
    )
    return sa.select(
        u.user_id,
        u.unit_id,
        sa.case((complete, 1), else_=0).label("complete"),
        sa.case((sa.or_(complete, touched), 1), else_=0).label("started"),
        status.label("status"),
        done.label("done"),
        u.read.label("read"),
        u.attempts.label("attempts"),
        sa.case((quiz_passed, 1), else_=0).label("passed"),
        u.best.label("best"),
        marked.label("marked"),
        done_at.label("done_at"),
        u.activity.label("activity"),
    ).subquery("unit_facts")


# --- per learner ------------------------------------------------------------------------------
#
# Each learner's unit rows summed up once, when their records change, into ``learner_summary``
# (kept by :mod:`training.services.summaries`): a whole-population report then reads one row
# per learner instead of grouping learner x unit rows on every request.

COMPLETE, NOT_COMPLETE = "1", "0"


def learner_summaries(catalogue: Catalogue, learners: Learners = None) -> Select:
    """The ``learner_summary`` rows worked out from ``learner_unit`` for these learners (all
    when None), one per learner with any unit row: units complete and started as one
    character per unit of the course, items done, status, completion moment (the last unit
    completion, when every unit is complete) and last activity."""
    shape = CourseShape.of(catalogue)
    f = unit_facts(shape, learners).c
    total, vacuous = len(shape.units), shape.vacuous

    def flags(column: ColumnElement) -> ColumnElement:
        text: ColumnElement = sa.literal("", sa.Text)
        for unit in shape.units:
            if not unit.lessons and not unit.quiz_id:
                text = text.concat(COMPLETE)
                continue
            here = sa.func.max(sa.case((sa.and_(f.unit_id == unit.id, column == 1), 1), else_=0))
            text = text.concat(sa.case((here == 1, COMPLETE), else_=NOT_COMPLETE))
        return text

    units_complete = sa.func.sum(f.complete) + vacuous
    all_complete = sa.and_(sa.literal(total > 0), units_complete == total)
    status = sa.case(
        (all_complete, Status.COMPLETE.value),
        (sa.func.sum(f.started) + vacuous > 0, Status.IN_PROGRESS.value),
        else_=Status.NOT_STARTED.value,
    )
    return sa.select(
        f.user_id.label("user_id"),
        status.label("status"),
        units_complete.label("units_complete"),
        sa.func.sum(f.done).label("done"),
        flags(f.complete).label("complete_units"),
        flags(f.started).label("started_units"),
        _moment(sa.case((all_complete, sa.func.max(f.done_at)), else_=_null_time())).label("completed_at"),
        sa.func.max(f.activity).label("activity"),
    ).group_by(f.user_id)


SUMMARY_COLUMNS = (
    "user_id",
    "status",
    "units_complete",
    "done",
    "complete_units",
    "started_units",
    "completed_at",
    "activity",
)
