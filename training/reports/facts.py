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
    AttemptState,
    LessonProgress,
    QuizAttempt,
    Role,
    UnitCompletion,
    User,
    UTCDateTime,
)
from ..progress import Status
from .scope import Filters, Scope, _apply, scoped_learner_ids

BITS_PER_COLUMN = 60
"""Per-unit flags are packed into integers, 60 units per column (SQL integers have 64 bits)."""


def _greatest(a: ColumnElement, b: ColumnElement) -> ColumnElement:
    """The later of two moments, ignoring NULLs (SQLite's max() and PostgreSQL's greatest()
    disagree about NULLs, so spell it out)."""
    return _moment(sa.case((a.is_(None), b), (b.is_(None), a), (a >= b, a), else_=b))


def _moment(expression: ColumnElement) -> ColumnElement:
    """Read an expression back as a stored moment (aware UTC datetime)."""
    return sa.type_coerce(expression, UTCDateTime())


def _null_time() -> ColumnElement:
    return sa.cast(sa.null(), UTCDateTime())


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


def _sources(shape: _Shape, learners: Select | None) -> sa.Subquery:
    """Per learner and unit, from each of the three record tables, united.

    Lesson rows count when their lesson id is one of the course's (a lesson removed from the
    content no longer counts, as in progress.py; its openings no longer count as activity).
    """
    lp, qa, uc = LessonProgress, QuizAttempt, UnitCompletion
    lesson_ids = sorted({lesson_id for _, lesson_id in shape.lessons})
    zero, none_float = sa.literal(0), sa.cast(sa.null(), sa.Float)
    lessons = (
        sa.select(
            lp.user_id.label("user_id"),
            lp.unit_id.label("unit_id"),
            sa.func.count().label("opened"),
            sa.func.count(lp.completed_at).label("read"),
            sa.func.max(lp.completed_at).label("read_at"),
            zero.label("attempts"),
            zero.label("passed"),
            zero.label("open"),
            none_float.label("best"),
            _null_time().label("submitted_at"),
            _null_time().label("marked_at"),
            _greatest(sa.func.max(lp.last_opened_at), sa.func.max(lp.completed_at)).label("activity"),
        )
        .where(lp.lesson_id.in_(lesson_ids))
        .group_by(lp.user_id, lp.unit_id)
    )
    submitted = qa.state == AttemptState.SUBMITTED
    quiz_unit = sa.case(shape.quiz_units, value=qa.quiz_id, else_=sa.null()) if shape.quiz_units else sa.null()
    quizzes = sa.select(
        qa.user_id,
        quiz_unit,
        zero,
        zero,
        _null_time(),
        sa.func.count().filter(submitted),
        sa.func.max(sa.case((qa.passed.is_(True), 1), else_=0)),
        sa.func.count().filter(qa.state == AttemptState.IN_PROGRESS),
        sa.func.max(qa.score).filter(submitted),
        sa.func.max(qa.submitted_at),
        _null_time(),
        sa.func.max(qa.submitted_at),
    ).group_by(qa.user_id, qa.quiz_id)
    marks = sa.select(
        uc.user_id,
        uc.unit_id,
        zero,
        zero,
        _null_time(),
        zero,
        zero,
        zero,
        none_float,
        _null_time(),
        uc.completed_at,
        uc.completed_at,
    )
    if learners is not None:
        lessons = lessons.where(lp.user_id.in_(learners))
        quizzes = quizzes.where(qa.user_id.in_(learners))
        marks = marks.where(uc.user_id.in_(learners))
    return sa.union_all(lessons, quizzes, marks).subquery("sources")


def unit_facts(shape: _Shape, learners: Select | None) -> sa.Subquery:
    """One row per learner and unit they have any record for, with the unit's status decided
    as :func:`training.progress.unit_progress` decides it."""
    s = _sources(shape, learners)
    per_unit = (
        sa.select(
            s.c.user_id,
            s.c.unit_id,
            sa.func.sum(s.c.opened).label("opened"),
            sa.func.sum(s.c.read).label("read"),
            sa.func.max(s.c.read_at).label("read_at"),
            sa.func.sum(s.c.attempts).label("attempts"),
            sa.func.max(s.c.passed).label("passed"),
            sa.func.sum(s.c.open).label("open"),
            sa.func.max(s.c.best).label("best"),
            sa.func.max(s.c.submitted_at).label("submitted_at"),
            sa.func.max(s.c.marked_at).label("marked_at"),
            sa.func.max(s.c.activity).label("activity"),
        )
        .group_by(s.c.user_id, s.c.unit_id)
        .subquery("per_unit")
    )

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
# For whole populations the rules above are rewritten so that no query groups by learner and
# unit across the three tables at once (that regrouping is the expensive part in SQLite):
# each table is summarised per learner on its own, units becoming bits of an integer (unit i
# is bit i % 60 of column i // 60), and the unit rule is applied with bit operations:
#
#     complete = marked | ((read in full | no lessons) & (quiz passed | no quiz))
#     started  = complete | some lesson opened | quiz attempted
#
# Items done need no per-unit join either: lessons read + quizzes passed, minus those of
# marked units, plus every item of a marked unit.


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


def _lessons_by_learner(shape: _Shape, bits: _Bits, learners: Select | None) -> sa.Subquery:
    """Per learner: which units have an opened lesson, which are read in full, how many
    lessons are read, when the last was read, and the latest lesson activity."""
    lp = LessonProgress
    lesson_ids = sorted({lesson_id for _, lesson_id in shape.lessons})
    per_unit = (
        sa.select(
            lp.user_id,
            lp.unit_id,
            sa.func.count(lp.completed_at).label("read"),
            sa.func.max(lp.completed_at).label("read_at"),
            _greatest(sa.func.max(lp.last_opened_at), sa.func.max(lp.completed_at)).label("activity"),
        )
        .where(lp.lesson_id.in_(lesson_ids))
        .group_by(lp.user_id, lp.unit_id)
    )
    if learners is not None:
        per_unit = per_unit.where(lp.user_id.in_(learners))
    u = per_unit.subquery("lesson_units").c
    lessons = {unit.id: len(unit.lessons) for unit in shape.units}
    known = u.unit_id.in_(list(lessons)) if lessons else sa.false()
    full = u.read == sa.case(lessons, value=u.unit_id, else_=-1) if lessons else sa.false()
    columns = []
    for i in range(len(bits.weights)):
        columns += [
            _packed(bits.bit(i, u.unit_id), f"opened_{i}"),
            _packed(sa.case((full, bits.bit(i, u.unit_id)), else_=0), f"full_{i}"),
        ]
    return (
        sa.select(
            u.user_id,
            *columns,
            sa.func.sum(sa.case((known, u.read), else_=0)).label("read"),
            sa.func.max(sa.case((known, u.read_at))).label("read_at"),
            sa.func.max(u.activity).label("activity"),
        )
        .group_by(u.user_id)
        .subquery("lessons_by_learner")
    )


def _quizzes_by_learner(shape: _Shape, bits: _Bits, learners: Select | None) -> sa.Subquery:
    """Per learner: whose units' quizzes were attempted and passed, the last submission of a
    course quiz, and of any quiz."""
    qa = QuizAttempt
    submitted = qa.state == AttemptState.SUBMITTED
    per_quiz = sa.select(
        qa.user_id,
        qa.quiz_id,
        sa.func.count().filter(qa.state.in_([AttemptState.SUBMITTED, AttemptState.IN_PROGRESS])).label("tries"),
        sa.func.max(sa.case((sa.and_(submitted, qa.passed.is_(True)), 1), else_=0)).label("passed"),
        sa.func.max(qa.submitted_at).label("submitted_at"),
    ).group_by(qa.user_id, qa.quiz_id)
    if learners is not None:
        per_quiz = per_quiz.where(qa.user_id.in_(learners))
    q = per_quiz.subquery("quiz_tries").c
    unit_of = sa.case(shape.quiz_units, value=q.quiz_id, else_=sa.null()) if shape.quiz_units else sa.null()
    in_course = q.quiz_id.in_(list(shape.quiz_units)) if shape.quiz_units else sa.false()
    columns = []
    for i in range(len(bits.weights)):
        columns += [
            _packed(sa.case((q.tries > 0, bits.bit(i, unit_of)), else_=0), f"tried_{i}"),
            _packed(sa.case((q.passed == 1, bits.bit(i, unit_of)), else_=0), f"passed_{i}"),
        ]
    return (
        sa.select(
            q.user_id,
            *columns,
            sa.func.max(sa.case((in_course, q.submitted_at))).label("submitted_at"),
            sa.func.max(q.submitted_at).label("activity"),
        )
        .group_by(q.user_id)
        .subquery("quizzes_by_learner")
    )


def _marks_by_learner(shape: _Shape, bits: _Bits, learners: Select | None) -> sa.Subquery:
    """Per learner: units a trainer marked complete, their items, the last mark."""
    uc = UnitCompletion
    items = {unit.id: len(unit.lessons) + (1 if unit.quiz_id else 0) for unit in shape.units}
    known = uc.unit_id.in_(list(items)) if items else sa.false()
    query = sa.select(
        uc.user_id,
        *(_packed(bits.bit(i, uc.unit_id), f"marked_{i}") for i in range(len(bits.weights))),
        sa.func.sum(sa.case(items, value=uc.unit_id, else_=0) if items else sa.literal(0)).label("items"),
        sa.func.max(sa.case((known, uc.completed_at))).label("marked_at"),
        sa.func.max(uc.completed_at).label("activity"),
    ).group_by(uc.user_id)
    if learners is not None:
        query = query.where(uc.user_id.in_(learners))
    return query.subquery("marks_by_learner")


def _outside_marks_by_learner(shape: _Shape, learners: Select | None) -> sa.Subquery:
    """For learners with marks only: lessons read inside marked units (they are counted in
    the unit's items already), and the last read moment and quiz submission outside them."""
    lp, qa, uc = LessonProgress, QuizAttempt, UnitCompletion
    lesson_ids = sorted({lesson_id for _, lesson_id in shape.lessons})
    known_units = [unit.id for unit in shape.units]
    marked_learners = sa.select(uc.user_id).where(uc.unit_id.in_(known_units)).distinct()
    if learners is not None:
        marked_learners = marked_learners.where(uc.user_id.in_(learners))
    people = marked_learners.subquery("marked_learners")
    marked_here = sa.exists().where(uc.user_id == lp.user_id, uc.unit_id == lp.unit_id)
    lessons = (
        sa.select(
            lp.user_id,
            sa.func.count(lp.completed_at).filter(marked_here).label("read_in_marked"),
            sa.func.max(lp.completed_at).filter(~marked_here).label("read_at"),
        )
        .where(lp.user_id.in_(sa.select(people.c.user_id)), lp.lesson_id.in_(lesson_ids), lp.unit_id.in_(known_units))
        .group_by(lp.user_id)
        .subquery("marked_lessons")
    )
    quiz_unit = sa.case(shape.quiz_units, value=qa.quiz_id, else_=sa.null()) if shape.quiz_units else sa.null()
    quizzes = (
        sa.select(qa.user_id, sa.func.max(qa.submitted_at).label("submitted_at"))
        .where(
            qa.user_id.in_(sa.select(people.c.user_id)),
            qa.quiz_id.in_(list(shape.quiz_units)),
            ~sa.exists().where(uc.user_id == qa.user_id, uc.unit_id == quiz_unit),
        )
        .group_by(qa.user_id)
        .subquery("marked_quizzes")
    )
    return (
        sa.select(people.c.user_id, lessons.c.read_in_marked, lessons.c.read_at, quizzes.c.submitted_at)
        .outerjoin(lessons, lessons.c.user_id == people.c.user_id)
        .outerjoin(quizzes, quizzes.c.user_id == people.c.user_id)
        .subquery("outside_marks")
    )


def _latest(*moments: ColumnElement) -> ColumnElement:
    latest = moments[0]
    for moment in moments[1:]:
        latest = _greatest(latest, moment)
    return latest


@dataclass(frozen=True, slots=True)
class Learners:
    """Learner accounts (in scope and filters) outer-joined to their summaries, with the course
    status worked out in SQL: add the columns a report needs to :attr:`query`. Counts that
    need the bits (units complete, items done) are finished in Python by :meth:`tally`."""

    query: Select
    status: ColumnElement
    completed_at: ColumnElement
    last_activity: ColumnElement
    complete_bits: tuple[ColumnElement, ...]
    started_bits: tuple[ColumnElement, ...]
    done_parts: tuple[ColumnElement, ...]
    """read, read in marked units, items of marked units, then passed and marked bits per column"""
    shape: _Shape
    bits: _Bits

    def tally(self, complete_bits: Sequence[int], done_parts: Sequence[int]) -> tuple[int, int]:
        """(units complete, items done) from the values of those columns."""
        units = sum(int(b).bit_count() for b in complete_bits)
        read, read_in_marked, marked_items, *packed = (int(v or 0) for v in done_parts)
        columns = len(self.bits.weights)
        passed_outside = sum(
            (packed[i] & ~packed[columns + i] & ~self.bits.no_quiz[i]).bit_count() for i in range(columns)
        )
        return units, read - read_in_marked + passed_outside + marked_items


def learners_select(catalogue: Catalogue, scope: Scope, filters: Filters) -> Learners:
    shape = _Shape.of(catalogue)
    bits = _Bits.of(shape)
    restrict = scope.trainer_id is not None or filters.active
    learners = scoped_learner_ids(scope, filters) if restrict else None
    lessons = _lessons_by_learner(shape, bits, learners)
    quizzes = _quizzes_by_learner(shape, bits, learners)
    marks = _marks_by_learner(shape, bits, learners)
    outside = _outside_marks_by_learner(shape, learners)
    les, q, m, o = lessons.c, quizzes.c, marks.c, outside.c

    def zero(column: ColumnElement) -> ColumnElement:
        return sa.func.coalesce(column, _int(0))

    complete, started, done_bits = [], [], []
    for i in range(len(bits.weights)):
        marked, passed = zero(m[f"marked_{i}"]), zero(q[f"passed_{i}"])
        full = zero(les[f"full_{i}"]).bitwise_or(_int(bits.no_lessons[i]))
        unit_complete = marked.bitwise_or(full.bitwise_and(passed.bitwise_or(_int(bits.no_quiz[i])))).bitwise_or(
            _int(bits.vacuous[i])
        )
        complete.append(unit_complete)
        started.append(unit_complete.bitwise_or(zero(les[f"opened_{i}"])).bitwise_or(zero(q[f"tried_{i}"])))
        done_bits.append(passed)
    done_bits += [zero(m[f"marked_{i}"]) for i in range(len(bits.weights))]
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
    has_marks = sa.or_(*(zero(m[f"marked_{i}"]) != _int(0) for i in range(len(bits.weights))))
    completed_at = _moment(
        sa.case(
            (~all_complete, _null_time()),
            (has_marks, _latest(m.marked_at, o.read_at, o.submitted_at)),
            else_=_greatest(les.read_at, q.submitted_at),
        )
    )
    last_activity = _latest(les.activity, q.activity, m.activity)
    query = (
        sa.select()
        .select_from(User)
        .outerjoin(lessons, les.user_id == User.id)
        .outerjoin(quizzes, q.user_id == User.id)
        .outerjoin(marks, m.user_id == User.id)
        .outerjoin(outside, o.user_id == User.id)
        .where(User.role == Role.LEARNER)
    )
    done_parts = (zero(les.read), zero(o.read_in_marked), zero(m["items"]), *done_bits)
    return Learners(
        _apply(query, scope, filters),
        status,
        completed_at,
        last_activity,
        tuple(complete),
        tuple(started),
        done_parts,
        shape,
        bits,
    )
