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
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import ColumnElement, Select

from ..content.model import Catalogue, Unit
from ..models import (
    LearnerUnit,
    Role,
    User,
    as_moment,
    later_of,
    no_moment,
)
from ..progress import Status
from .scope import Filters, Scope, _apply, scoped_learner_ids

BITS_PER_COLUMN = 60
"""Per-unit flags are packed into integers, 60 units per column (SQL integers have 64 bits)."""


_greatest, _moment, _null_time = later_of, as_moment, no_moment


@dataclass(frozen=True, slots=True)
class _Shape:
    """What the SQL needs to know about the course, read from the catalogue."""

    units: tuple[Unit, ...]
    lessons: tuple[tuple[str, str], ...]
    quiz_units: dict[str, str]
    """quiz id -> unit id"""
    vacuous: int
    """Units without lessons or quiz: complete for everyone, as progress.py says."""
    total_items: int

    @classmethod
    def of(cls, catalogue: Catalogue) -> _Shape:
        units = catalogue.units
        return cls(
            units=units,
            lessons=tuple((u.id, le.id) for u in units for le in u.lessons),
            quiz_units={u.quiz_id: u.id for u in units if u.quiz_id},
            vacuous=sum(1 for u in units if not u.lessons and not u.quiz_id),
            total_items=sum(len(u.lessons) + (1 if u.quiz_id else 0) for u in units),
        )


def unit_facts(shape: _Shape, learners: Select | None) -> sa.Subquery:
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


# --- per learner, with units as bit sets ------------------------------------------------------
#
# For whole populations each learner's unit rows are summed up in one pass over the summary
# table, units becoming bits of an integer (unit i is bit i % 60 of column i // 60): which are
# complete, which started; items done add up per unit.


@dataclass(frozen=True, slots=True)
class _Bits:
    """The course's units as bit masks, one entry per packed column."""

    weights: tuple[dict[str, int], ...]
    """unit id -> its bit, per column"""
    everything: tuple[int, ...]
    no_lessons: tuple[int, ...]
    no_quiz: tuple[int, ...]
    vacuous: tuple[int, ...]

    @classmethod
    def of(cls, shape: _Shape) -> _Bits:
        weights: list[dict[str, int]] = []
        for index, unit in enumerate(shape.units):
            if index % BITS_PER_COLUMN == 0:
                weights.append({})
            weights[-1][unit.id] = 1 << (index % BITS_PER_COLUMN)
        units = {u.id: u for u in shape.units}

        def mask(column: dict[str, int], keep) -> int:
            return sum(bit for unit_id, bit in column.items() if keep(units[unit_id]))

        return cls(
            tuple(weights),
            tuple(mask(w, lambda u: True) for w in weights),
            tuple(mask(w, lambda u: not u.lessons) for w in weights),
            tuple(mask(w, lambda u: not u.quiz_id) for w in weights),
            tuple(mask(w, lambda u: not u.lessons and not u.quiz_id) for w in weights),
        )

    def bit(self, index: int, unit_id: ColumnElement[Any] | InstrumentedAttribute[str]) -> ColumnElement:
        return sa.case(self.weights[index], value=unit_id, else_=0)


def _packed(expression: ColumnElement, name: str) -> ColumnElement:
    return sa.cast(sa.func.sum(expression), sa.BigInteger).label(name)


def _int(value: int) -> ColumnElement:
    return sa.literal(value, sa.BigInteger)


def _by_learner(shape: _Shape, bits: _Bits, learners: Select | None) -> sa.Subquery:
    """Per learner: complete and started units as bits, items done, the course's completion
    moment candidate (the last unit completion) and the last activity."""
    f = unit_facts(shape, learners).c
    columns = []
    for i in range(len(bits.weights)):
        columns += [
            _packed(sa.case((f.complete == 1, bits.bit(i, f.unit_id)), else_=0), f"complete_{i}"),
            _packed(sa.case((f.started == 1, bits.bit(i, f.unit_id)), else_=0), f"started_{i}"),
        ]
    return (
        sa.select(
            f.user_id,
            *columns,
            sa.func.sum(f.done).label("done"),
            sa.func.max(f.done_at).label("done_at"),
            sa.func.max(f.activity).label("activity"),
        )
        .group_by(f.user_id)
        .subquery("by_learner")
    )


@dataclass(frozen=True, slots=True)
class Learners:
    """Learner accounts (in scope and filters) outer-joined to their summaries, with the course
    status worked out in SQL: add the columns a report needs to :attr:`query`. Units complete
    are counted from the bits in Python by :meth:`tally`."""

    query: Select
    status: ColumnElement
    completed_at: ColumnElement
    last_activity: ColumnElement
    complete_bits: tuple[ColumnElement, ...]
    started_bits: tuple[ColumnElement, ...]
    done_parts: tuple[ColumnElement, ...]
    """items done"""
    shape: _Shape
    bits: _Bits

    def tally(self, complete_bits: Sequence[int], done_parts: Sequence[int]) -> tuple[int, int]:
        """(units complete, items done) from the values of those columns."""
        return sum(int(b).bit_count() for b in complete_bits), int(done_parts[0] or 0)


def learners_select(catalogue: Catalogue, scope: Scope, filters: Filters) -> Learners:
    shape = _Shape.of(catalogue)
    bits = _Bits.of(shape)
    restrict = scope.trainer_id is not None or filters.active
    learners = scoped_learner_ids(scope, filters) if restrict else None
    summary = _by_learner(shape, bits, learners)
    b = summary.c

    def zero(column: ColumnElement) -> ColumnElement:
        return sa.func.coalesce(column, _int(0))

    complete, started = [], []
    for i in range(len(bits.weights)):
        unit_complete = zero(b[f"complete_{i}"]).bitwise_or(_int(bits.vacuous[i]))
        complete.append(unit_complete)
        started.append(unit_complete.bitwise_or(zero(b[f"started_{i}"])))
    status: ColumnElement[str]
    if shape.units:
        all_complete = sa.and_(*(c == _int(bits.everything[i]) for i, c in enumerate(complete)))
        status = sa.case(
            (all_complete, Status.COMPLETE.value),
            (sa.or_(*(s != _int(0) for s in started)), Status.IN_PROGRESS.value),
            else_=Status.NOT_STARTED.value,
        )
    else:
        all_complete, status = sa.false(), sa.literal(Status.NOT_STARTED.value)
    completed_at = _moment(sa.case((~all_complete, _null_time()), else_=b.done_at))
    query = sa.select().select_from(User).outerjoin(summary, b.user_id == User.id).where(User.role == Role.LEARNER)
    return Learners(
        _apply(query, scope, filters),
        status,
        completed_at,
        b.activity,
        tuple(complete),
        tuple(started),
        (zero(b.done),),
        shape,
        bits,
    )
