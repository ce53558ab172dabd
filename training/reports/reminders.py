"""Who ``training notify`` reminds, and of what (read only; the command records and queues
each one through :mod:`training.services.reminders`).

* **Nudge** (learners): a learner of a running group (started, not ended) who has not
  finished the course and has done nothing for ``REMINDER_INACTIVE_DAYS`` days (counted
  from their registration if they never started). One nudge per quiet spell: the key holds
  the day of their last activity, so the next nudge needs new activity and a new silence.
* **Before the end** (learners): a learner who has not finished, in a group whose end date
  is at most ``REMINDER_BEFORE_END_DAYS`` days away. Once per group and end date.
* **Weekly digest** (trainers): for each trainer of a running group, once per ISO week, who
  completed and who is behind (not finished and quiet for the same number of days).

Deactivated accounts and people who unsubscribed from that kind get nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from ..content.model import Catalogue
from ..extensions import db
from ..models import Group, GroupRole, Membership, Unsubscribe, User
from ..progress import Status
from .follow import group_matrix

LEARNER_KIND = "reminder"
"""The unsubscribe kind of both learner messages."""
TRAINER_KIND = "digest"


@dataclass(frozen=True, slots=True)
class Due:
    key: str
    """Unique per person and occasion: a reminder with a key already recorded is not sent."""
    message: str
    """The mail kind (its templates and subject)."""
    unsubscribe_kind: str
    user_id: int
    email: str
    language: str | None
    context: dict[str, Any] = field(default_factory=dict)


def _running_groups(today: date) -> list[Group]:
    return list(
        db.session.scalars(
            sa.select(Group)
            .where(
                sa.or_(Group.starts_on.is_(None), Group.starts_on <= today),
                sa.or_(Group.ends_on.is_(None), Group.ends_on >= today),
            )
            .order_by(Group.name, Group.id)
        )
    )


def due_reminders(catalogue: Catalogue, now: datetime, inactive_days: int, before_end_days: int) -> list[Due]:
    today = now.date()
    quiet_since = now - timedelta(days=inactive_days)
    week = "{}-W{:02d}".format(*now.isocalendar()[:2])
    opted_out = {(uid, kind) for uid, kind in db.session.execute(sa.select(Unsubscribe.user_id, Unsubscribe.kind))}
    due: dict[str, Due] = {}
    digests: dict[int, list[dict[str, Any]]] = {}
    for group in _running_groups(today):
        members = db.session.execute(
            sa.select(User, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.group_id == group.id, User.active.is_(True))
        ).all()
        people = {user.id: user for user, _ in members}
        ending = group.ends_on is not None and group.ends_on <= today + timedelta(days=before_end_days)
        behind: list[str] = []
        completed: list[str] = []
        rows = group_matrix(catalogue, group.id)
        for row in rows:
            user = people.get(row.user_id)
            if user is None:
                continue
            if row.status == Status.COMPLETE:
                completed.append(row.name)
                continue
            last = row.last_activity or user.created_at
            quiet = last < quiet_since
            if quiet:
                behind.append(row.name)
            if (user.id, LEARNER_KIND) in opted_out:
                continue
            common = {"name": user.name, "group": group.name, "days": (now - last).days}
            if quiet:
                key = f"nudge:{user.id}:{last.date().isoformat()}"
                due.setdefault(
                    key, Due(key, "reminder_nudge", LEARNER_KIND, user.id, user.email, user.language, common)
                )
            if ending:
                key = f"ending:{group.id}:{user.id}:{group.ends_on}"
                due[key] = Due(
                    key,
                    "reminder_ending",
                    LEARNER_KIND,
                    user.id,
                    user.email,
                    user.language,
                    {**common, "ends_on": group.ends_on, "percent": row.percent},
                )
        summary = {
            "group": group.name,
            "learners": len(rows),
            "completed": completed,
            "behind": behind,
            "ends_on": group.ends_on,
        }
        for user, role in members:
            if role == GroupRole.TRAINER and (user.id, TRAINER_KIND) not in opted_out:
                digests.setdefault(user.id, []).append(summary)
    for trainer_id, groups in digests.items():
        trainer = db.session.get(User, trainer_id)
        assert trainer is not None
        key = f"digest:{trainer_id}:{week}"
        due[key] = Due(
            key,
            "reminder_digest",
            TRAINER_KIND,
            trainer_id,
            trainer.email,
            trainer.language,
            {"name": trainer.name, "groups": groups, "days": inactive_days},
        )
    return list(due.values())
