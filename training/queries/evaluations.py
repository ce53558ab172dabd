"""Reads of one learner's course evaluation: whether they answered on an occasion."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import EvaluationResponse, Membership
from ..permissions import GroupRole


def has_answered(user_id: int, evaluation_id: str, occasion: str) -> bool:
    return (
        db.session.scalar(
            sa.select(EvaluationResponse.id).where(
                EvaluationResponse.user_id == user_id,
                EvaluationResponse.evaluation_id == evaluation_id,
                EvaluationResponse.occasion == occasion,
            )
        )
        is not None
    )


def learner_in_group(user_id: int, group_id: int) -> bool:
    """Whether the learner is a member of the group (a workshop's evaluation is for them)."""
    return (
        db.session.scalar(
            sa.select(Membership.id).where(
                Membership.user_id == user_id, Membership.group_id == group_id, Membership.role == GroupRole.LEARNER
            )
        )
        is not None
    )
