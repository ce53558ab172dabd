"""Whole populations of learners for the reports: the learner accounts in scope and filters
joined to their ``learner_summary`` row, worked out by the progress rules of
:mod:`training.queries.facts` when their records changed."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.sql import ColumnElement, Select

from ..content.model import Catalogue
from ..models import LearnerSummary, Role, User
from ..progress import Status
from ..queries.facts import COMPLETE, NOT_COMPLETE, CourseShape
from .scope import Filters, Scope, _apply


@dataclass(frozen=True, slots=True)
class Learners:
    """Learner accounts (in scope and filters) outer-joined to their ``learner_summary`` row:
    add the columns a report needs to :attr:`query`. A learner without a row has started
    nothing; the columns below say so for them."""

    query: Select
    status: ColumnElement
    completed_at: ColumnElement
    last_activity: ColumnElement
    units_complete: ColumnElement
    done: ColumnElement
    complete_units: ColumnElement
    started_units: ColumnElement
    shape: CourseShape


def _nothing(shape: CourseShape) -> tuple[str, str]:
    """(status, units) of a learner with no records: only units with nothing to do complete."""
    units = "".join(COMPLETE if not u.lessons and not u.quiz_id else NOT_COMPLETE for u in shape.units)
    if shape.units and shape.vacuous == len(shape.units):
        return Status.COMPLETE.value, units
    return (Status.IN_PROGRESS.value if shape.vacuous else Status.NOT_STARTED.value), units


def learners_select(catalogue: Catalogue, scope: Scope, filters: Filters) -> Learners:
    shape = CourseShape.of(catalogue)
    s = LearnerSummary
    status, units = _nothing(shape)
    query = (
        sa.select()
        .select_from(User)
        .outerjoin(LearnerSummary, LearnerSummary.user_id == User.id)
        .where(User.role == Role.LEARNER)
    )
    return Learners(
        _apply(query, scope, filters),
        sa.func.coalesce(s.status, status),
        s.completed_at.expression,
        s.activity.expression,
        sa.func.coalesce(s.units_complete, shape.vacuous),
        sa.func.coalesce(s.done, 0),
        sa.func.coalesce(s.complete_units, units),
        sa.func.coalesce(s.started_units, units),
        shape,
    )
