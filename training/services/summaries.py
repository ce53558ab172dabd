"""The report summaries, kept with the records they sum up.

Three tables answer the reports at any number of learners (see :mod:`training.models`):

* ``learner_unit``: per learner and unit, their lesson rows, attempts and trainer's mark
  aggregated (lessons opened and read, attempts submitted and open, passed, best score,
  moments). :func:`learner_changed` recomputes one learner's rows from their records, inside
  the transaction that wrote the records: every service that writes lesson progress, quiz
  attempts or trainer marks calls it, so the summary is never behind a committed record.
* ``learner_summary``: per learner, their course status worked out from their
  ``learner_unit`` rows (:func:`training.queries.facts.learner_summaries`), recomputed with
  them by :func:`learner_changed`.
* ``question_tally``: per quiz, question and answer text, the submitted answers and how many
  had full credit; :func:`answers_recorded` adds a submission's answers.

:func:`rebuild` computes all three from the record tables alone (``training report rebuild``, the
migration that creates them); run it after a content change that moves or removes lessons or
quizzes, since which unit a record counts in is decided by the course at write time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import Connection

from ..content.model import Catalogue
from ..database import Prepared, transactional
from ..extensions import db
from ..models import (
    AttemptState,
    LearnerSummary,
    LearnerUnit,
    LessonProgress,
    QuestionResponse,
    QuestionTally,
    QuizAttempt,
    UnitCompletion,
    User,
    later_of,
    no_moment,
)
from ..queries.facts import SUMMARY_COLUMNS as LEARNER_COLUMNS
from ..queries.facts import Learners, learner_summaries

FULL_CREDIT = 1.0 - 1e-9
RETIRED_QUIZ_UNIT = ""
"""The unit of attempts at a quiz no longer in the course: counted as activity only."""


def _course() -> Catalogue:
    # The running app's catalogue (training.course keeps it there); read directly because the
    # write path does not import the web-facing training.course module.
    return cast(Catalogue, current_app.extensions["training.course"])


def learner_units(catalogue: Catalogue, learners: Learners = None) -> sa.Select:
    """The ``learner_unit`` rows computed from the record tables, for these learners (all when
    None): the one definition both the incremental upkeep and the rebuild use."""
    lp, qa, uc = LessonProgress, QuizAttempt, UnitCompletion
    lesson_ids = sorted({le.id for unit in catalogue.units for le in unit.lessons})
    quiz_units = {u.quiz_id: u.id for u in catalogue.units if u.quiz_id}
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
            no_moment().label("submitted_at"),
            no_moment().label("marked_at"),
            later_of(sa.func.max(lp.last_opened_at), sa.func.max(lp.completed_at)).label("activity"),
        )
        .where(lp.lesson_id.in_(lesson_ids))
        .group_by(lp.user_id, lp.unit_id)
    )
    submitted = qa.state == AttemptState.SUBMITTED
    retired = sa.literal(RETIRED_QUIZ_UNIT)
    quiz_unit = sa.case(quiz_units, value=qa.quiz_id, else_=retired) if quiz_units else retired
    quizzes = sa.select(
        qa.user_id,
        quiz_unit,
        zero,
        zero,
        no_moment(),
        sa.func.count().filter(submitted),
        sa.func.max(sa.case((sa.and_(submitted, qa.passed.is_(True)), 1), else_=0)),
        sa.func.count().filter(qa.state == AttemptState.IN_PROGRESS),
        sa.func.max(qa.score).filter(submitted),
        sa.func.max(qa.submitted_at),
        no_moment(),
        sa.func.max(qa.submitted_at),
    ).group_by(qa.user_id, qa.quiz_id)
    marks = sa.select(
        uc.user_id,
        uc.unit_id,
        zero,
        zero,
        no_moment(),
        zero,
        zero,
        zero,
        none_float,
        no_moment(),
        uc.completed_at,
        uc.completed_at,
    )
    if learners is not None:
        lessons = lessons.where(lp.user_id.in_(learners))
        quizzes = quizzes.where(qa.user_id.in_(learners))
        marks = marks.where(uc.user_id.in_(learners))
    s = sa.union_all(lessons, quizzes, marks).subquery("sources").c
    return sa.select(
        s.user_id,
        s.unit_id,
        sa.func.sum(s.opened).label("opened"),
        sa.func.sum(s.read).label("read"),
        sa.func.max(s.read_at).label("read_at"),
        sa.func.sum(s.attempts).label("attempts"),
        sa.func.max(s.passed).label("passed"),
        sa.func.sum(s.open).label("open"),
        sa.func.max(s.best).label("best"),
        sa.func.max(s.submitted_at).label("submitted_at"),
        sa.func.max(s.marked_at).label("marked_at"),
        sa.func.max(s.activity).label("activity"),
    ).group_by(s.user_id, s.unit_id)


SUMMARY_COLUMNS = [
    "user_id",
    "unit_id",
    "opened",
    "read",
    "read_at",
    "attempts",
    "passed",
    "open",
    "best",
    "submitted_at",
    "marked_at",
    "activity",
]


def question_tallies(catalogue: Catalogue | None = None) -> sa.Select:
    """The ``question_tally`` rows computed from the answers of submitted attempts."""
    qa, qr = QuizAttempt, QuestionResponse
    right = qr.correct >= FULL_CREDIT
    answer = sa.case((right, sa.literal("")), else_=qr.simple_answer)
    return (
        sa.select(
            qa.quiz_id,
            qr.question_id,
            answer.label("answer"),
            sa.func.count().label("responses"),
            sa.func.sum(sa.case((right, 1), else_=0)).label("correct"),
        )
        .select_from(qr)
        .join(qa, qa.id == qr.attempt_id)
        .where(qa.state == AttemptState.SUBMITTED)
        .group_by(qa.quiz_id, qr.question_id, answer)
    )


_ID = sa.bindparam("learner", 0, type_=sa.Integer)
"""The learner a statement built once is run for, given at each run (0 to compile with)."""
_LEARNER = sa.select(_ID)

_LOCK_LEARNER = sa.select(User.id).where(User.id == _ID).with_for_update(key_share=True)
_DROP_UNITS = sa.delete(LearnerUnit).where(LearnerUnit.user_id == _ID)
_DROP_LEARNER = sa.delete(LearnerSummary).where(LearnerSummary.user_id == _ID)


@dataclass(frozen=True, slots=True)
class _Upkeep:
    """One course version's statements recomputing a learner's summary rows, built and
    compiled once: each is large (a union of the record tables, a flag per unit, about 550
    values), and building them took SQLAlchemy 21 ms a call, binding their values on each run
    0.3 ms more, where running them takes the database about 0.15 ms."""

    units: Prepared
    learner: Prepared

    @classmethod
    def of(cls, catalogue: Catalogue) -> _Upkeep:
        return cls(
            units=Prepared(
                sa.insert(LearnerUnit).from_select(SUMMARY_COLUMNS, learner_units(catalogue, _LEARNER)), "learner"
            ),
            learner=Prepared(
                sa.insert(LearnerSummary).from_select(LEARNER_COLUMNS, learner_summaries(catalogue, _LEARNER)),
                "learner",
            ),
        )


_upkeep_by_version: dict[str, _Upkeep] = {}


def _upkeep(catalogue: Catalogue) -> _Upkeep:
    found = _upkeep_by_version.get(catalogue.version)
    if found is None:
        if len(_upkeep_by_version) >= 8:  # a long-running process sees a few course versions
            _upkeep_by_version.clear()
        found = _upkeep_by_version[catalogue.version] = _Upkeep.of(catalogue)
    return found


def learner_changed(*user_ids: int) -> None:
    """Recompute these learners' ``learner_unit`` and ``learner_summary`` rows from their
    records, in the current write transaction, one learner after the other in the order of
    their ids. Each learner's row is locked first (PostgreSQL), so two transactions writing
    for the same learner at once recompute one after the other, the second seeing the
    first's records; SQLite's writers are one at a time already."""
    connection = db.session.connection()
    upkeep = _upkeep(_course())
    for learner in sorted(set(user_ids)):
        one = {"learner": learner}
        if connection.dialect.name == "postgresql":
            connection.execute(_LOCK_LEARNER, one)
        connection.execute(_DROP_UNITS, one)
        upkeep.units.run(connection, learner=learner)
        connection.execute(_DROP_LEARNER, one)
        upkeep.learner.run(connection, learner=learner)


_tally = cast(sa.Table, QuestionTally.__table__)
_TALLIED = (
    sa.select(_tally.c.question_id, _tally.c.answer, sa.func.min(_tally.c.id))
    .where(
        _tally.c.quiz_id == sa.bindparam("quiz"),
        sa.tuple_(_tally.c.question_id, _tally.c.answer).in_(sa.bindparam("keys", expanding=True)),
    )
    .group_by(_tally.c.question_id, _tally.c.answer)
)
"""The first tally row of each (question, answer text) of a submission."""
_COUNT_IN = (
    sa.update(_tally)
    .where(_tally.c.id == sa.bindparam("target"))
    .values(responses=_tally.c.responses + 1, correct=_tally.c.correct + sa.bindparam("right", type_=sa.Integer))
)


def answers_recorded(user_id: int, quiz_id: str, answers: Iterable[dict[str, Any]]) -> None:
    """A submitted attempt's answers (``question_id``, ``simple_answer``, ``correct``) into
    the tallies, and the learner's unit summary recomputed: the one call the submission makes.
    Three statements whatever the number of questions: the rows already there found at once,
    added to at once, the new answer texts inserted at once."""
    counted = {}
    for row in answers:
        right = row["correct"] >= FULL_CREDIT
        counted[row["question_id"], "" if right else row["simple_answer"]] = int(right)
    connection = db.session.connection()
    if counted:
        found = {
            (question, answer): target
            for question, answer, target in connection.execute(_TALLIED, {"quiz": quiz_id, "keys": list(counted)})
        }
        if found:
            connection.execute(
                _COUNT_IN, [{"target": found[key], "right": right} for key, right in counted.items() if key in found]
            )
        # An answer text not seen before gets a row (at most one extra row per text when two
        # first arrive at once; the reports add them up).
        new = [
            {"quiz_id": quiz_id, "question_id": question, "answer": answer, "responses": 1, "correct": right}
            for (question, answer), right in counted.items()
            if (question, answer) not in found
        ]
        if new:
            connection.execute(sa.insert(_tally), new)
    learner_changed(user_id)


def rebuild_on(connection: Connection, catalogue: Catalogue) -> tuple[int, int]:
    """Replace the learner-unit and tally summaries with what the record tables say;
    (learner-unit rows, tally rows). On PostgreSQL the summary tables are locked for the rebuild, so writes made
    meanwhile wait and then recompute their learner over the rebuilt rows."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("LOCK TABLE learner_unit, question_tally IN EXCLUSIVE MODE"))
    connection.execute(sa.delete(LearnerUnit))
    connection.execute(sa.delete(QuestionTally))
    units = learner_units(catalogue)
    connection.execute(sa.insert(LearnerUnit).from_select(SUMMARY_COLUMNS, units))
    tallies = question_tallies()
    connection.execute(
        sa.insert(QuestionTally).from_select(["quiz_id", "question_id", "answer", "responses", "correct"], tallies)
    )
    counted = [
        connection.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()
        for model in (LearnerUnit, QuestionTally)
    ]
    return counted[0], counted[1]


def rebuild_learners_on(connection: Connection, catalogue: Catalogue) -> int:
    """Replace ``learner_summary`` with what ``learner_unit`` says (after :func:`rebuild_on`,
    or alone); the number of rows."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("LOCK TABLE learner_summary IN EXCLUSIVE MODE"))
    connection.execute(sa.delete(LearnerSummary))
    connection.execute(sa.insert(LearnerSummary).from_select(LEARNER_COLUMNS, learner_summaries(catalogue)))
    return connection.execute(sa.select(sa.func.count()).select_from(LearnerSummary)).scalar_one()


REPORT_TABLES = ("user", "group", "membership", "learner_summary", "learner_unit", "question_tally")


def refresh_statistics(connection: Connection) -> None:
    """The planner's statistics on the tables the reports read brought up to date
    (``ANALYZE``), so the report queries get the plans they were measured with. SQLite keeps
    none until asked: without them, or with ones from a sample, it takes the partial indexes
    on the learners for small and reads every learner through them row by row (the overview's
    grouped query 0.14 s -> 0.5 s at 100,000 learners), and the filter menus cannot skip
    through them. Whole tables, not a sample: about 0.5 s at 100,000 learners."""
    quote = connection.dialect.identifier_preparer.quote
    for table in REPORT_TABLES:
        connection.exec_driver_sql(f"ANALYZE {quote(table)}")


@transactional
def rebuild(catalogue: Catalogue) -> tuple[int, int, int]:
    """All three summaries rebuilt in one write transaction of the app, and the planner's
    statistics refreshed: (learner-unit rows, tally rows, learner rows)."""
    connection = db.session.connection()
    units, tallies = rebuild_on(connection, catalogue)
    learners = rebuild_learners_on(connection, catalogue)
    refresh_statistics(connection)
    return units, tallies, learners
