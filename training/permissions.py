"""Who is acting and what they may do: the roles, the acting person (:class:`Actor`), which
roles an actor may give, and :class:`NotFound` for anything out of reach.

Plain values and rules, no Flask and no database: the web, the command line and the tests
build an :class:`Actor` and hand it to reads (:mod:`training.queries`) and writes
(:mod:`training.services`) alike. The page-level rules (which role opens which URL) are in
:mod:`training.web.access`; the object-level ones (a trainer reaches only their own groups)
in :mod:`training.queries.groups`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from .translatable import gettext


class Role(StrEnum):
    """What an account is: stored on the account, checked on every page."""

    LEARNER = "learner"
    TRAINER = "trainer"
    ADMIN = "admin"


class GroupRole(StrEnum):
    """What a person is in one group: one of its learners or one of its trainers."""

    LEARNER = "learner"
    TRAINER = "trainer"


class NotFound(LookupError):
    """No such account, group or import, or not one this person may see: the two look the
    same, so an id cannot be probed."""


class _Person(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def role(self) -> Role: ...


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting, for permissions and the audit trail."""

    user_id: int | None
    role: Role
    ip: str = ""

    @classmethod
    def command_line(cls) -> Actor:
        """The operator at the server's command line: trusted like an administrator."""
        return cls(None, Role.ADMIN, "command line")

    @classmethod
    def of(cls, user: _Person, ip: str) -> Actor:
        return cls(user.id, user.role, ip)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN


ASSIGNABLE_ROLES: dict[Role, frozenset[Role]] = {
    Role.ADMIN: frozenset({Role.LEARNER, Role.TRAINER, Role.ADMIN}),
    Role.TRAINER: frozenset(),
    Role.LEARNER: frozenset(),
}
"""Roles an actor may give through the account forms."""

IMPORTABLE_ROLES: dict[Role, frozenset[Role]] = {
    Role.ADMIN: frozenset({Role.LEARNER, Role.TRAINER}),
    Role.TRAINER: frozenset(),
    Role.LEARNER: frozenset(),
}
"""Roles a CSV import may give to new accounts: administrator accounts are made one at a time,
with a fresh password, never in bulk (docs/security.md ACC-6)."""


def may_assign(actor: Actor, role: Role) -> bool:
    return role in ASSIGNABLE_ROLES.get(actor.role, frozenset())


def may_import(actor: Actor, role: Role) -> bool:
    return role in IMPORTABLE_ROLES.get(actor.role, frozenset())


def membership_problem(account_role: Role, role: GroupRole) -> str | None:
    """Why an account cannot take this role in a group, as a sentence; None when it can."""
    if role == GroupRole.TRAINER and account_role not in (Role.TRAINER, Role.ADMIN):
        return gettext("Only trainer or administrator accounts can be a group's trainer.")
    if role == GroupRole.LEARNER and account_role != Role.LEARNER:
        return gettext("Only learner accounts can be a group's learners.")
    return None


def group_role_for(account_role: Role) -> GroupRole:
    """The role an account takes when it joins a group by name (CSV import): staff run it,
    learners learn in it."""
    return GroupRole.TRAINER if account_role in (Role.TRAINER, Role.ADMIN) else GroupRole.LEARNER
