"""What happened in a learner's course, as plain values: the one input of every bridge.

The write path records these alongside the progress rows (see ``services.outbox``); the
xAPI bridge turns them into statements and the LTI bridge into gradebook scores. A unit and
the course are complete by the rules of :mod:`training.progress`; :func:`completions` says
which of those a learner has reached, so the outbox can note each one once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..content.model import Catalogue
from ..progress import CourseProgress, Status


@dataclass(frozen=True, slots=True)
class LessonOpened:
    user_id: int
    unit_id: str
    lesson_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class LessonRead:
    user_id: int
    unit_id: str
    lesson_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class AttemptStarted:
    user_id: int
    unit_id: str
    quiz_id: str
    attempt_no: int
    at: datetime


@dataclass(frozen=True, slots=True)
class AttemptSubmitted:
    user_id: int
    unit_id: str
    quiz_id: str
    attempt_no: int
    score: float
    """0..1"""
    passed: bool
    started_at: datetime
    at: datetime


@dataclass(frozen=True, slots=True)
class UnitCompleted:
    user_id: int
    unit_id: str
    at: datetime


@dataclass(frozen=True, slots=True)
class CourseCompleted:
    user_id: int
    at: datetime


Event = LessonOpened | LessonRead | AttemptStarted | AttemptSubmitted | UnitCompleted | CourseCompleted


def completions(
    catalogue: Catalogue, progress: CourseProgress, user_id: int, unit_id: str, at: datetime
) -> list[UnitCompleted | CourseCompleted]:
    """The completions a learner holds after a change to ``unit_id``: that unit's, and the
    course's. The outbox keeps one of each per learner, so repeating them is harmless."""
    found: list[UnitCompleted | CourseCompleted] = []
    if unit_id in {u.id for u in catalogue.units} and progress.unit(unit_id).status == Status.COMPLETE:
        found.append(UnitCompleted(user_id, unit_id, at))
    if progress.status == Status.COMPLETE:
        found.append(CourseCompleted(user_id, at))
    return found
