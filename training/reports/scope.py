"""Who a report covers: learner accounts, limited to a trainer's own groups (:class:`Scope`)
and to what the person asked for (:class:`Filters`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from sqlalchemy.sql import Select

from ..extensions import db
from ..models import Membership, User
from ..permissions import GroupRole, Role
from ..queries.groups import trainer_group_ids
from ..translatable import NO_LANGUAGE


@dataclass(frozen=True, slots=True)
class Scope:
    """Whose learners a report may include: everyone (an administrator) or only the learners
    of the groups a trainer runs."""

    trainer_id: int | None = None

    @classmethod
    def for_user(cls, user: User) -> Scope:
        return cls(None) if user.role == Role.ADMIN else cls(user.id)


@dataclass(frozen=True, slots=True)
class Filters:
    group_id: int | None = None
    organisation: str | None = None
    country: str | None = None
    registered_from: date | None = None
    registered_to: date | None = None
    """Inclusive: a learner registered at any time on this day is included."""
    language: str | None = None
    """The interface language the learner chose (``fr``), or :data:`NO_LANGUAGE` for none."""

    def query_args(self) -> dict[str, str]:
        """The filters as URL query arguments (for links and CSV downloads)."""
        args = {
            "group": str(self.group_id) if self.group_id else "",
            "organisation": self.organisation or "",
            "country": self.country or "",
            "registered_from": self.registered_from.isoformat() if self.registered_from else "",
            "registered_to": self.registered_to.isoformat() if self.registered_to else "",
            "language": self.language or "",
        }
        return {k: v for k, v in args.items() if v}

    @property
    def active(self) -> bool:
        return bool(self.query_args())


NO_FILTERS = Filters()


def scoped_learner_ids(scope: Scope, filters: Filters | None = None) -> Select:
    """The ids of the learner accounts a report covers."""
    query = sa.select(User.id).where(User.role == Role.LEARNER)
    return _apply(query, scope, filters or NO_FILTERS)


def _apply(query: Select, scope: Scope, filters: Filters) -> Select:
    if scope.trainer_id is not None:
        query = query.where(
            User.id.in_(
                sa.select(Membership.user_id).where(
                    Membership.role == GroupRole.LEARNER, Membership.group_id.in_(trainer_group_ids(scope.trainer_id))
                )
            )
        )
    if filters.group_id is not None:
        query = query.where(
            User.id.in_(
                sa.select(Membership.user_id).where(
                    Membership.group_id == filters.group_id, Membership.role == GroupRole.LEARNER
                )
            )
        )
    if filters.organisation:
        query = query.where(User.organisation == filters.organisation)
    if filters.country:
        query = query.where(User.country == filters.country)
    if filters.language == NO_LANGUAGE:
        query = query.where(User.language.is_(None))
    elif filters.language:
        query = query.where(User.language == filters.language)
    if filters.registered_from:
        query = query.where(User.created_at >= _day_start(filters.registered_from))
    if filters.registered_to:
        query = query.where(User.created_at < _day_start(filters.registered_to + timedelta(days=1)))
    return query


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def prepare_session() -> None:
    """Settings for the report query about to run, for this transaction only (PostgreSQL):
    JIT compilation costs more than it saves on these queries, the hash aggregates over
    500,000 progress rows get room to stay in memory, and a streamed (server-side) cursor is
    planned for reading all its rows rather than the first few. SQLite needs nothing."""
    if db.session.get_bind().dialect.name == "postgresql":
        for setting in ("jit = off", "work_mem = '64MB'", "cursor_tuple_fraction = 1.0"):
            db.session.execute(sa.text(f"SET LOCAL {setting}"))
