"""What a trainer follows: a group's learner-by-unit matrix, and one learner in detail (their
progress exactly as they see it, every lesson, every attempt and answer, workshop records)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from ..content.model import Catalogue
from ..extensions import db
from ..models import (
    AttemptGrant,
    Attendance,
    Group,
    GroupRole,
    Membership,
    QuestionResponse,
    QuizAttempt,
    Role,
    UnitCompletion,
    User,
)
from ..progress import CourseProgress, Status, course_progress, percent_of
from ..queries.facts import CourseShape, unit_facts
from ..queries.learning import load_records
from ..translatable import N_
from .questions import FULL_CREDIT, question_text
from .scope import prepare_session


@dataclass(frozen=True, slots=True)
class Cell:
    """One learner x one unit in a trainer's matrix."""

    status: Status
    lessons_read: int
    best_percent: int | None
    attempts: int
    marked: bool
    done: int
    """items of the unit done (lessons read, quiz passed; all when marked)"""


@dataclass(frozen=True, slots=True)
class MatrixRow:
    user_id: int
    name: str
    email: str
    organisation: str
    country: str
    cells: tuple[Cell, ...]
    """In catalogue unit order."""
    units_complete: int
    percent: int
    status: Status
    last_activity: datetime | None


MATRIX_COLUMNS_FIXED = (
    "name",
    "email",
    "organisation",
    "country",
    "course status",
    "course percent",
    "units complete",
    "last activity",
)


def matrix_header(catalogue: Catalogue) -> tuple[str, ...]:
    unit_columns = []
    for unit in catalogue.units:
        unit_columns.append(f"unit {unit.order} status")
        if unit.quiz_id:
            unit_columns.append(f"unit {unit.order} best score percent")
    return (*MATRIX_COLUMNS_FIXED, *unit_columns)


def matrix_record(catalogue: Catalogue, row: MatrixRow) -> tuple[object, ...]:
    cells: list[object] = []
    for unit, cell in zip(catalogue.units, row.cells, strict=True):
        cells.append(cell.status.value)
        if unit.quiz_id:
            cells.append(cell.best_percent)
    return (
        row.name,
        row.email,
        row.organisation,
        row.country,
        row.status.value,
        row.percent,
        row.units_complete,
        row.last_activity,
        *cells,
    )


def group_matrix(catalogue: Catalogue, group_id: int) -> list[MatrixRow]:
    """A group's learners by unit: status, lessons read, best score, marked by a trainer.
    Two queries: the per-unit facts and the learners."""
    prepare_session()
    shape = CourseShape.of(catalogue)
    members = sa.select(Membership.user_id).where(Membership.group_id == group_id, Membership.role == GroupRole.LEARNER)
    f = unit_facts(shape, members).c
    facts: dict[int, dict[str, tuple]] = {}
    for uid, unit_id, status, read, attempts, best, marked, done, activity in db.session.execute(
        sa.select(f.user_id, f.unit_id, f.status, f.read, f.attempts, f.best, f.marked, f.done, f.activity)
    ):
        facts.setdefault(uid, {})[unit_id] = (status, read, attempts, best, marked, done, activity)
    people = db.session.execute(
        sa.select(User.id, User.name, User.email, User.organisation, User.country)
        .where(User.id.in_(members), User.role == Role.LEARNER)
        .order_by(sa.func.lower(User.name), User.id)
    )
    rows = []
    for uid, name, email, organisation, country in people:
        mine = facts.get(uid, {})
        cells = []
        for unit in shape.units:
            status, read, attempts, best, marked, done, _ = mine.get(unit.id, (None, 0, 0, None, False, 0, None))
            if status is None:
                status = Status.COMPLETE.value if not unit.lessons and not unit.quiz_id else Status.NOT_STARTED.value
            best_percent = None if best is None or not attempts else percent_of(best)
            cells.append(
                Cell(Status(status), int(read or 0), best_percent, int(attempts or 0), bool(marked), int(done or 0))
            )
        done = sum(c.done for c in cells)
        complete = sum(1 for c in cells if c.status == Status.COMPLETE)
        if cells and complete == len(cells):
            status = Status.COMPLETE
        elif any(c.status != Status.NOT_STARTED for c in cells):
            status = Status.IN_PROGRESS
        else:
            status = Status.NOT_STARTED
        activity = [row[6] for row in mine.values() if row[6] is not None]
        rows.append(
            MatrixRow(
                uid,
                name,
                email,
                organisation,
                country,
                tuple(cells),
                complete,
                percent_of(done / shape.total_items) if shape.total_items else 0,
                status,
                max(activity) if activity else None,
            )
        )
    return rows


# --- one learner ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AnswerView:
    number: int
    question_id: str
    prompt: str
    answer: str
    credit: float

    @property
    def verdict(self) -> str:
        """In English (it names a CSS class too); shown translated (``_(answer.verdict)``)."""
        if self.credit >= FULL_CREDIT:
            return N_("correct")
        return (
            N_("partly correct") if self.credit > 0 else (N_("not answered") if not self.answer else N_("not correct"))
        )


@dataclass(frozen=True, slots=True)
class AttemptView:
    quiz_id: str
    attempt_no: int
    score_percent: int | None
    passed: bool
    pass_mark_percent: int
    submitted_at: datetime | None
    started_at: datetime
    answers: tuple[AnswerView, ...]


@dataclass(frozen=True, slots=True)
class LessonView:
    unit_id: str
    lesson_id: str
    order: int
    title: str
    opened_at: datetime | None
    read_at: datetime | None


@dataclass(frozen=True, slots=True)
class MarkView:
    unit_id: str
    completed_at: datetime
    marked_by: str
    group: str
    group_id: int | None


@dataclass(frozen=True, slots=True)
class GrantView:
    """Extra attempts granted at a quiz: how many, why, by whom, when."""

    quiz_id: str
    extra: int
    reason: str
    granted_by: str
    granted_at: datetime


@dataclass(frozen=True, slots=True)
class LearnerDetail:
    progress: CourseProgress
    """Exactly what the learner sees on their own progress page."""
    lessons: tuple[LessonView, ...]
    attempts: dict[str, tuple[AttemptView, ...]]
    marks: tuple[MarkView, ...]
    attendance: tuple[tuple[date, str, int, str], ...]
    """(session date, unit id, group id, group name)"""
    grants: tuple[GrantView, ...] = ()
    """Extra quiz attempts granted, oldest first."""


def learner_detail(catalogue: Catalogue, user_id: int) -> LearnerDetail:
    """Everything about one learner's course: their progress as they see it, each lesson's
    opening and reading, every attempt with every answer, trainers' marks and attendance."""
    records = load_records(user_id)  # the learner's own records: the same numbers they see
    progress = course_progress(catalogue, records)
    lessons = tuple(
        LessonView(
            unit.id,
            lesson.id,
            lesson.order,
            lesson.title,
            *(
                (rec.opened_at, rec.completed_at)
                if (rec := records.lessons.get((unit.id, lesson.id)))
                else (None, None)
            ),
        )
        for unit in catalogue.units
        for lesson in unit.lessons
    )
    attempts = db.session.scalars(
        sa.select(QuizAttempt)
        .where(QuizAttempt.user_id == user_id)
        .order_by(QuizAttempt.quiz_id, QuizAttempt.attempt_no)
    ).all()
    responses: dict[int, list[QuestionResponse]] = {}
    if attempts:
        for response in db.session.scalars(
            sa.select(QuestionResponse)
            .where(QuestionResponse.attempt_id.in_([a.id for a in attempts]))
            .order_by(QuestionResponse.attempt_id, QuestionResponse.position)
        ):
            responses.setdefault(response.attempt_id, []).append(response)
    by_quiz: dict[str, list[AttemptView]] = {}
    for attempt in attempts:
        quiz = catalogue.quizzes.get(attempt.quiz_id)
        answers = []
        for index, response in enumerate(responses.get(attempt.id, ()), start=1):
            prompt = ""
            if quiz is not None:
                try:
                    prompt = question_text(quiz.question(response.question_id))
                except KeyError:
                    prompt = "(a question no longer in the quiz)"
            answers.append(AnswerView(index, response.question_id, prompt, response.simple_answer, response.correct))
        by_quiz.setdefault(attempt.quiz_id, []).append(
            AttemptView(
                attempt.quiz_id,
                attempt.attempt_no,
                None if attempt.score is None else percent_of(attempt.score),
                bool(attempt.passed),
                round(attempt.pass_mark * 100),
                attempt.submitted_at,
                attempt.started_at,
                tuple(answers),
            )
        )
    marker = aliased(User)
    marks = tuple(
        MarkView(unit_id, completed_at, name or "(deleted account)", group or "", group_id)
        for unit_id, completed_at, name, group, group_id in db.session.execute(
            sa.select(
                UnitCompletion.unit_id, UnitCompletion.completed_at, marker.name, Group.name, UnitCompletion.group_id
            )
            .outerjoin(marker, marker.id == UnitCompletion.marked_by_id)
            .outerjoin(Group, Group.id == UnitCompletion.group_id)
            .where(UnitCompletion.user_id == user_id)
            .order_by(UnitCompletion.completed_at)
        )
    )
    attendance = tuple(
        db.session.execute(
            sa.select(Attendance.session_date, Attendance.unit_id, Group.id, Group.name)
            .join(Group, Group.id == Attendance.group_id)
            .where(Attendance.user_id == user_id)
            .order_by(Attendance.session_date)
        ).all()
    )
    granter = aliased(User)
    grants = tuple(
        GrantView(quiz_id, extra, reason, name or "(deleted account)", granted_at)
        for quiz_id, extra, reason, name, granted_at in db.session.execute(
            sa.select(
                AttemptGrant.quiz_id, AttemptGrant.extra, AttemptGrant.reason, granter.name, AttemptGrant.granted_at
            )
            .outerjoin(granter, granter.id == AttemptGrant.granted_by_id)
            .where(AttemptGrant.user_id == user_id)
            .order_by(AttemptGrant.granted_at, AttemptGrant.id)
        )
    )
    return LearnerDetail(progress, lessons, {k: tuple(v) for k, v in by_quiz.items()}, marks, attendance, grants)
