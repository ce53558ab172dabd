"""Progress rules as plain functions: lesson, unit and course status, percent, "continue".

No Flask and no database here: the caller loads a learner's rows into :class:`LearnerRecords`
(see ``queries.learning.load_records``) and these functions derive everything from them
and the catalogue. A unit is complete when a trainer marked it complete, or when every
lesson is read and its quiz passed; the course is complete when every unit is.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from .content.model import Catalogue, Unit
from .translatable import N_


class Status(StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"

    @property
    def label(self) -> str:
        """In English; shown translated (``_(status.label)``)."""
        return {"not_started": N_("Not started"), "in_progress": N_("In progress"), "complete": N_("Complete")}[
            self.value
        ]


@dataclass(frozen=True, slots=True)
class LessonRecord:
    opened_at: datetime | None
    completed_at: datetime | None


@dataclass(frozen=True, slots=True)
class QuizRecord:
    """A learner's submitted attempts at one quiz, summarised."""

    attempts: int = 0
    best_score: float | None = None
    """0..1"""
    passed: bool = False
    last_submitted_at: datetime | None = None
    open_attempt: bool = False


@dataclass(frozen=True, slots=True)
class LearnerRecords:
    lessons: Mapping[tuple[str, str], LessonRecord] = field(default_factory=dict)
    quizzes: Mapping[str, QuizRecord] = field(default_factory=dict)
    trainer_completed: Mapping[str, datetime] = field(default_factory=dict)
    """unit id -> when a trainer marked it complete"""
    extra_attempts: Mapping[str, int] = field(default_factory=dict)
    """quiz id -> attempts granted beyond the quiz's limit"""


@dataclass(frozen=True, slots=True)
class QuizProgress:
    quiz_id: str
    attempts: int
    attempts_allowed: int
    best_score: float | None
    passed: bool
    pass_mark: int

    @property
    def attempts_left(self) -> int | None:
        """None when attempts are unlimited."""
        if self.attempts_allowed == 0:
            return None
        return max(0, self.attempts_allowed - self.attempts)

    @property
    def can_attempt(self) -> bool:
        return self.attempts_left is None or self.attempts_left > 0

    @property
    def best_percent(self) -> int | None:
        return None if self.best_score is None else percent_of(self.best_score)


@dataclass(frozen=True, slots=True)
class UnitProgress:
    unit_id: str
    status: Status
    lessons_complete: int
    lessons_total: int
    quiz: QuizProgress | None
    completed_by_trainer: bool
    completed_at: datetime | None
    done_items: int
    total_items: int

    @property
    def percent(self) -> int:
        return percent_of(self.done_items / self.total_items) if self.total_items else 0


@dataclass(frozen=True, slots=True)
class Target:
    """Where "continue" takes the learner: a lesson, or a unit's quiz when lesson_id is None."""

    unit_id: str
    lesson_id: str | None


@dataclass(frozen=True, slots=True)
class CourseProgress:
    status: Status
    units: tuple[UnitProgress, ...]
    continue_at: Target | None
    last_activity: datetime | None
    completed_at: datetime | None

    @property
    def done_items(self) -> int:
        return sum(u.done_items for u in self.units)

    @property
    def total_items(self) -> int:
        return sum(u.total_items for u in self.units)

    @property
    def percent(self) -> int:
        return percent_of(self.done_items / self.total_items) if self.total_items else 0

    @property
    def units_complete(self) -> int:
        return sum(1 for u in self.units if u.status == Status.COMPLETE)

    def unit(self, unit_id: str) -> UnitProgress:
        for unit in self.units:
            if unit.unit_id == unit_id:
                return unit
        raise KeyError(unit_id)


def percent_of(fraction: float) -> int:
    """A share as a whole percent, rounded down so 99.6% never shows as 100%."""
    return int(fraction * 100 + 1e-9)


def lesson_status(record: LessonRecord | None) -> Status:
    if record is None or record.opened_at is None and record.completed_at is None:
        return Status.NOT_STARTED
    return Status.COMPLETE if record.completed_at else Status.IN_PROGRESS


def unit_progress(unit: Unit, catalogue: Catalogue, records: LearnerRecords) -> UnitProgress:
    lessons = [records.lessons.get((unit.id, lesson.id)) for lesson in unit.lessons]
    read = sum(1 for r in lessons if r is not None and r.completed_at is not None)
    touched = any(r is not None for r in lessons)
    quiz = catalogue.quiz_for_unit(unit.id)
    quiz_progress = None
    if quiz is not None:
        qr = records.quizzes.get(quiz.id, QuizRecord())
        touched = touched or qr.attempts > 0 or qr.open_attempt
        allowed = quiz.attempts + records.extra_attempts.get(quiz.id, 0) if quiz.attempts else 0
        quiz_progress = QuizProgress(quiz.id, qr.attempts, allowed, qr.best_score, qr.passed, quiz.pass_mark)
    marked_at = records.trainer_completed.get(unit.id)
    passed = quiz_progress is None or quiz_progress.passed
    total = len(unit.lessons) + (1 if quiz is not None else 0)
    if marked_at is not None:
        status, done = Status.COMPLETE, total
    else:
        done = read + (1 if quiz_progress is not None and quiz_progress.passed else 0)
        if read == len(unit.lessons) and passed:
            status = Status.COMPLETE
        else:
            status = Status.IN_PROGRESS if touched else Status.NOT_STARTED
    completed_at = marked_at if marked_at is not None else _completed_at(unit, records, status)
    return UnitProgress(
        unit.id, status, read, len(unit.lessons), quiz_progress, marked_at is not None, completed_at, done, total
    )


def _completed_at(unit: Unit, records: LearnerRecords, status: Status) -> datetime | None:
    if status != Status.COMPLETE:
        return None
    moments = [records.lessons[(unit.id, le.id)].completed_at for le in unit.lessons]
    quiz_id = unit.quiz_id
    if quiz_id is not None:
        moments.append(records.quizzes[quiz_id].last_submitted_at)
    known = [m for m in moments if m is not None]
    return max(known) if known else None


def course_progress(catalogue: Catalogue, records: LearnerRecords) -> CourseProgress:
    units = tuple(unit_progress(unit, catalogue, records) for unit in catalogue.units)
    if units and all(u.status == Status.COMPLETE for u in units):
        status = Status.COMPLETE
    elif any(u.status != Status.NOT_STARTED for u in units):
        status = Status.IN_PROGRESS
    else:
        status = Status.NOT_STARTED
    completed_at = None
    if status == Status.COMPLETE:
        moments = [u.completed_at for u in units if u.completed_at is not None]
        completed_at = max(moments) if moments else None
    return CourseProgress(
        status, units, continue_target(catalogue, records, units), last_activity(records), completed_at
    )


def last_activity(records: LearnerRecords) -> datetime | None:
    moments: list[datetime] = []
    for record in records.lessons.values():
        moments.extend(m for m in (record.opened_at, record.completed_at) if m is not None)
    moments.extend(q.last_submitted_at for q in records.quizzes.values() if q.last_submitted_at)
    moments.extend(records.trainer_completed.values())
    return max(moments) if moments else None


def continue_target(
    catalogue: Catalogue, records: LearnerRecords, units: tuple[UnitProgress, ...] | None = None
) -> Target | None:
    """Where the learner left off: the last lesson they opened if it is unread, otherwise the
    next thing to do after it (an unread lesson, or a quiz to pass), wrapping round; the first
    lesson for a newcomer; None when the course is complete."""
    units = units or tuple(unit_progress(u, catalogue, records) for u in catalogue.units)
    progress = {u.unit_id: u for u in units}
    steps: list[Target] = []
    for unit in catalogue.units:
        steps.extend(Target(unit.id, lesson.id) for lesson in unit.lessons)
        if unit.quiz_id is not None:
            steps.append(Target(unit.id, None))

    def done(step: Target) -> bool:
        unit = progress[step.unit_id]
        if unit.status == Status.COMPLETE:
            return True
        if step.lesson_id is None:
            return unit.quiz is not None and unit.quiz.passed
        record = records.lessons.get((step.unit_id, step.lesson_id))
        return record is not None and record.completed_at is not None

    def ready(step: Target) -> bool:
        """A quiz is suggested once its unit's lessons are read."""
        if step.lesson_id is not None:
            return True
        unit = progress[step.unit_id]
        return unit.lessons_complete == unit.lessons_total

    latest: tuple[datetime, int] | None = None
    for index, step in enumerate(steps):
        if step.lesson_id is None:
            continue
        record = records.lessons.get((step.unit_id, step.lesson_id))
        moment = record and (record.opened_at or record.completed_at)
        if moment and (latest is None or moment >= latest[0]):
            latest = (moment, index)
    start = 0 if latest is None else latest[1]
    ordered = steps[start:] + steps[:start]
    for step in ordered:
        if not done(step) and ready(step):
            return step
    for step in ordered:
        if not done(step):
            return step
    return None
