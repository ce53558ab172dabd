"""What happened in a learner's course, as plain values: the one input of every bridge.

The write path records these in the outbox alongside the progress rows (see
``services.outbox``), as plain data (:func:`to_payload`); the sender later turns them into xAPI
statements and gradebook scores. A unit and the course are complete by the rules of
:mod:`training.progress`; :func:`completions` says which of those a learner has reached, so
the sender can queue each one once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

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


KINDS: dict[str, type] = {
    cls.__name__: cls
    for cls in (LessonOpened, LessonRead, AttemptStarted, AttemptSubmitted, UnitCompleted, CourseCompleted)
}
MOMENTS = ("at", "started_at")


def to_payload(event: Event) -> dict[str, Any]:
    """The event as JSON-ready data, for the outbox."""
    data: dict[str, Any] = {"kind": type(event).__name__}
    for name in event.__slots__:
        value = getattr(event, name)
        data[name] = value.isoformat() if isinstance(value, datetime) else value
    return data


def from_payload(data: Mapping[str, Any]) -> Event:
    """The event back from :func:`to_payload`; raises ``KeyError``/``ValueError`` on anything else."""
    fields = {k: (datetime.fromisoformat(v) if k in MOMENTS else v) for k, v in data.items() if k != "kind"}
    return KINDS[data["kind"]](**fields)


def unit_of(event: Event) -> str | None:
    """The unit an event changes the progress of (None for a lesson merely opened)."""
    if isinstance(event, LessonRead | AttemptSubmitted | UnitCompleted):
        return event.unit_id
    return None
