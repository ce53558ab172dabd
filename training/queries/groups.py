"""Groups, their members and their workshop sessions, and the object-level access rule for
them: an administrator reaches every group and learner; a trainer only the groups they run
and the learners in those groups. Anything else is :class:`~training.permissions.NotFound`,
the same answer as for an id that does not exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.sql import Select

from ..extensions import db
from ..models import Attendance, Group, Membership, User
from ..permissions import Actor, GroupRole, NotFound, Role


def trainer_group_ids(trainer_id: int | None) -> Select[int]:
    """The groups a trainer runs: the one query for it, used by pages, reports and writes."""
    return sa.select(Membership.group_id).where(Membership.user_id == trainer_id, Membership.role == GroupRole.TRAINER)


def trainers_of_learner(user_id: int) -> list[tuple[str, str]]:
    """(name, email) of the active trainers of every group the learner is in, by name: who a
    learner can ask for another attempt."""
    learner_groups = sa.select(Membership.group_id).where(
        Membership.user_id == user_id, Membership.role == GroupRole.LEARNER
    )
    rows = db.session.execute(
        sa.select(User.name, User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.role == GroupRole.TRAINER, Membership.group_id.in_(learner_groups), User.active.is_(True))
        .distinct()
        .order_by(User.name)
    )
    return [(name, email) for name, email in rows]


def group_learner_ids(group_id: int) -> Select[int]:
    """A group's learners (learner accounts that are learners in it)."""
    return (
        sa.select(Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(Membership.group_id == group_id, Membership.role == GroupRole.LEARNER, User.role == Role.LEARNER)
    )


@dataclass(frozen=True, slots=True)
class GroupSummary:
    group: Group
    learners: int
    trainers: tuple[str, ...]


def list_groups(viewer: Actor) -> list[GroupSummary]:
    """Every group for an administrator; a trainer's own groups for a trainer."""
    query = sa.select(Group).order_by(sa.func.lower(Group.name))
    if not viewer.is_admin:
        query = query.where(Group.id.in_(trainer_group_ids(viewer.user_id)))
    groups = list(db.session.scalars(query))
    ids = [g.id for g in groups]
    learners: dict[int, int] = {
        group_id: count
        for group_id, count in db.session.execute(
            sa.select(Membership.group_id, sa.func.count())
            .where(Membership.group_id.in_(ids), Membership.role == GroupRole.LEARNER)
            .group_by(Membership.group_id)
        )
    }
    trainers: dict[int, list[str]] = {}
    for group_id, name in db.session.execute(
        sa.select(Membership.group_id, User.name)
        .join(User, User.id == Membership.user_id)
        .where(Membership.group_id.in_(ids), Membership.role == GroupRole.TRAINER)
        .order_by(User.name)
    ):
        trainers.setdefault(group_id, []).append(name)
    return [GroupSummary(g, learners.get(g.id, 0), tuple(trainers.get(g.id, ()))) for g in groups]


def group_for(viewer: Actor, group_id: int) -> Group:
    """A group the viewer may open: any for an administrator, only their own for a trainer.
    Someone else's group and a group that does not exist look the same (NotFound)."""
    group = db.session.get(Group, group_id)
    if group is None:
        raise NotFound(group_id)
    if (
        not viewer.is_admin
        and db.session.scalar(trainer_group_ids(viewer.user_id).where(Membership.group_id == group_id)) is None
    ):
        raise NotFound(group_id)
    return group


def learner_for(viewer: Actor, user_id: int) -> User:
    """A learner the viewer may follow: anyone for an administrator, for a trainer only a
    learner in one of their groups. Otherwise NotFound, as for an id that does not exist."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(user_id)
    if viewer.is_admin:
        return user
    shared = db.session.scalar(
        sa.select(Membership.id)
        .where(
            Membership.user_id == user_id,
            Membership.role == GroupRole.LEARNER,
            Membership.group_id.in_(trainer_group_ids(viewer.user_id)),
        )
        .limit(1)
    )
    if shared is None or user.role != Role.LEARNER:
        raise NotFound(user_id)
    return user


def group_id_named(name: str) -> int | None:
    """The id of the group with exactly this name (the command line names groups)."""
    return db.session.scalar(sa.select(Group.id).where(Group.name == name))


def groups_by_name() -> dict[str, Group]:
    """Every group under its casefolded name (CSV imports name groups)."""
    return {g.name.casefold(): g for g in db.session.scalars(sa.select(Group))}


def group_name_taken(name: str, but: int | None = None) -> bool:
    """Whether another group already has this name, compared without case in every script.
    SQLite's ``lower`` folds ASCII only, so the comparison happens here (groups are few); the
    unique constraint on the exact name has the last word under concurrency."""
    wanted = name.casefold()
    return any(
        row.name.casefold() == wanted and row.id != but for row in db.session.execute(sa.select(Group.id, Group.name))
    )


@dataclass(frozen=True, slots=True)
class Member:
    user: User
    role: GroupRole

    @property
    def is_learner(self) -> bool:
        """A learner of the group (and a learner account): who attends and gets marked."""
        return self.role == GroupRole.LEARNER and self.user.role == Role.LEARNER


def group_members(group_id: int) -> list[Member]:
    """A group's trainers, then its learners, by name."""
    rows = db.session.execute(
        sa.select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group_id)
        .order_by(Membership.role.desc(), sa.func.lower(User.name))
    )
    return [Member(user, role) for user, role in rows]


def groups_of(user_id: int) -> list[tuple[Group, GroupRole]]:
    """The groups one person is in and their role in each, by group name."""
    return [
        (group, role)
        for group, role in db.session.execute(
            sa.select(Group, Membership.role)
            .join(Membership, Membership.group_id == Group.id)
            .where(Membership.user_id == user_id)
            .order_by(Group.name)
        )
    ]


def group_roles(group_id: int) -> dict[int, GroupRole]:
    """Who is in a group, and as what."""
    return {
        user_id: role
        for user_id, role in db.session.execute(
            sa.select(Membership.user_id, Membership.role).where(Membership.group_id == group_id)
        )
    }


@dataclass(frozen=True, slots=True)
class AttendanceRow:
    session_date: date
    unit_id: str
    present: int


def attendance_sessions(group_id: int) -> list[AttendanceRow]:
    """A group's recorded sessions: date, unit, how many were present."""
    rows = db.session.execute(
        sa.select(Attendance.session_date, Attendance.unit_id, sa.func.count())
        .where(Attendance.group_id == group_id)
        .group_by(Attendance.session_date, Attendance.unit_id)
        .order_by(Attendance.session_date.desc(), Attendance.unit_id)
    )
    return [AttendanceRow(d, u, int(n)) for d, u, n in rows]
