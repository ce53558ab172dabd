"""Trainers' records of in-person workshop sessions: who attended a group's session on a unit,
and units marked complete for those who attended (dated the session day, marked by the
trainer). Recording the same session twice changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import sqlalchemy as sa

from ..content.model import Catalogue
from ..database import changed_rows, insert, transactional
from ..extensions import db
from ..fields import date_problem
from ..interop import events
from ..models import Attendance, UnitCompletion, utcnow
from ..permissions import Actor, NotFound
from ..queries.groups import group_for, group_learner_ids
from ..translatable import gettext
from . import certificates, outbox
from .audit import AuditAction, audit, group_label
from .groups import GroupError
from .summaries import learner_changed


@dataclass(frozen=True, slots=True)
class AttendanceResult:
    present: int
    marked_complete: int


def _moment_of(day: date, now: datetime) -> datetime:
    """When a workshop day's completion is dated: midday UTC that day, never in the future."""
    return min(datetime.combine(day, time(12), tzinfo=UTC), now)


@transactional
def record_attendance(
    actor: Actor,
    catalogue: Catalogue,
    group_id: int,
    unit_id: str,
    session_date: date,
    present: Sequence[int],
    mark_complete: bool = False,
    now: datetime | None = None,
) -> AttendanceResult:
    """Record who attended a group's in-person session on a unit and, if asked, mark the unit
    complete for them (marked by this trainer, dated the session day). Marks already there
    stay as they were, so recording twice changes nothing."""
    now = now or utcnow()
    group = group_for(actor, group_id)
    try:
        unit = catalogue.unit(unit_id)
    except KeyError:
        raise GroupError(gettext("Choose a unit.")) from None
    if session_date > now.date():
        raise GroupError(gettext("The session date is in the future."))
    problem = date_problem(session_date)
    if problem:
        raise GroupError(problem)
    learners = set(db.session.scalars(group_learner_ids(group.id)))
    chosen = sorted(set(present))
    if not chosen:
        raise GroupError(gettext("Tick at least one learner who was present."))
    if not set(chosen) <= learners:
        raise NotFound("learner")
    for user_id in chosen:
        db.session.execute(
            insert(Attendance)
            .values(
                group_id=group.id,
                user_id=user_id,
                unit_id=unit.id,
                session_date=session_date,
                marked_by_id=actor.user_id,
                recorded_at=now,
            )
            .on_conflict_do_nothing(index_elements=["group_id", "user_id", "unit_id", "session_date"])
        )
    audit(
        actor,
        AuditAction.ATTENDANCE,
        group_label(group),
        unit=unit.id,
        date=session_date.isoformat(),
        present=len(chosen),
    )
    marked = 0
    if mark_complete:
        for user_id in chosen:
            added = db.session.execute(
                insert(UnitCompletion)
                .values(
                    user_id=user_id,
                    unit_id=unit.id,
                    group_id=group.id,
                    marked_by_id=actor.user_id,
                    completed_at=_moment_of(session_date, now),
                )
                .on_conflict_do_nothing(index_elements=["user_id", "unit_id"])
                .returning(UnitCompletion.id)
            ).first()
            marked += added is not None
            if added is not None:
                moment = _moment_of(session_date, now)
                outbox.record(user_id, [events.UnitCompleted(user_id, unit.id, moment)])
                certificates.note_progress(catalogue, user_id, now)
        learner_changed(*chosen)
        audit(
            actor,
            AuditAction.UNIT_COMPLETE,
            group_label(group),
            unit=unit.id,
            date=session_date.isoformat(),
            learners=len(chosen),
            newly_marked=marked,
        )
    return AttendanceResult(len(chosen), marked)


@transactional
def undo_unit_completion(actor: Actor, group_id: int, unit_id: str, user_id: int) -> bool:
    """Remove a trainer's mark made for this group (a mistake); the learner's own progress
    is untouched."""
    group = group_for(actor, group_id)
    if user_id not in set(db.session.scalars(group_learner_ids(group.id))):
        raise NotFound(user_id)
    removed = changed_rows(
        db.session.execute(
            sa.delete(UnitCompletion).where(
                UnitCompletion.user_id == user_id,
                UnitCompletion.unit_id == unit_id,
                UnitCompletion.group_id == group.id,
            )
        )
    )
    if removed:
        learner_changed(user_id)
        audit(actor, AuditAction.UNIT_COMPLETE_UNDO, group_label(group), unit=unit_id, learner=user_id)
    return bool(removed)
