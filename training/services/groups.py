"""Groups (workshops and cohorts) and who is in them. Administrators create and edit groups
and add or remove people; each change is audited in its own transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa

from ..database import changed_rows, transactional, unique_or
from ..extensions import db
from ..fields import MAX_GROUP_DESCRIPTION, clean_text, date_problem, field_problem, group_name_problem, text_problem
from ..models import Group, Membership, User
from ..permissions import Actor, GroupRole, membership_problem
from ..queries.accounts import find_user, get_account
from ..queries.groups import group_for, group_name_taken, group_roles
from ..translatable import gettext
from .audit import AuditAction, account_label, audit, group_label


class GroupError(ValueError):
    """A rule about groups or their sessions was broken; the message is safe to show."""


def _group_fields(
    name: str, description: str | None, starts_on: date | None, ends_on: date | None = None
) -> tuple[str, str]:
    problem = group_name_problem(name)
    if problem:
        raise GroupError(problem)
    description = (description or "").strip()
    problem = text_problem(description, MAX_GROUP_DESCRIPTION, multiline=True)
    if problem:
        raise GroupError(field_problem(problem, gettext("The description"), MAX_GROUP_DESCRIPTION))
    for day in (starts_on, ends_on):
        problem = date_problem(day) if day else None
        if problem:
            raise GroupError(problem)
    if starts_on and ends_on and ends_on < starts_on:
        raise GroupError(gettext("The end date is before the start date."))
    return clean_text(name), description


def _name_taken() -> GroupError:
    return GroupError(gettext("A group with this name already exists."))


def _save_group(group: Group) -> None:
    with unique_or(_name_taken()):
        db.session.add(group)


@transactional
def create_group(
    actor: Actor, name: str, description: str = "", starts_on: date | None = None, ends_on: date | None = None
) -> Group:
    name, description = _group_fields(name, description, starts_on, ends_on)
    if group_name_taken(name):
        raise _name_taken()
    group = Group(name=name, description=description, starts_on=starts_on, ends_on=ends_on)
    _save_group(group)
    audit(actor, AuditAction.GROUP_CREATE, group_label(group))
    return group


@transactional
def update_group(
    actor: Actor,
    group_id: int,
    name: str,
    description: str = "",
    starts_on: date | None = None,
    ends_on: date | None = None,
) -> Group:
    group = group_for(actor, group_id)
    name, description = _group_fields(name, description, starts_on, ends_on)
    if group_name_taken(name, but=group.id):
        raise _name_taken()
    group.name, group.description, group.starts_on, group.ends_on = name, description, starts_on, ends_on
    _save_group(group)
    audit(actor, AuditAction.GROUP_UPDATE, group_label(group))
    return group


def upsert_memberships(group_id: int, members: Iterable[tuple[int, GroupRole]]) -> int:
    """Add people to a group (or change their role in it), inside a write already open;
    returns how many rows changed."""
    changed = 0
    existing = group_roles(group_id)
    for user_id, role in members:
        if existing.get(user_id) == role:
            continue
        if user_id in existing:
            db.session.execute(
                sa.update(Membership)
                .where(Membership.group_id == group_id, Membership.user_id == user_id)
                .values(role=role)
                .execution_options(synchronize_session=False)
            )
        else:
            db.session.add(Membership(group_id=group_id, user_id=user_id, role=role))
        existing[user_id] = role
        changed += 1
    return changed


@transactional
def add_member(actor: Actor, group_id: int, email: str, role: GroupRole | str = GroupRole.LEARNER) -> User:
    """Put an existing account in a group, as a learner or as one of its trainers."""
    group = group_for(actor, group_id)
    role = GroupRole(role)
    user = find_user(email)
    if user is None:
        raise GroupError(gettext("There is no account with this email address. Create or import it first."))
    problem = membership_problem(user.role, role)
    if problem:
        raise GroupError(problem)
    if upsert_memberships(group.id, [(user.id, role)]):
        audit(actor, AuditAction.GROUP_MEMBER_ADD, group_label(group), member=account_label(user), role=role.value)
    return user


@transactional
def remove_member(actor: Actor, group_id: int, user_id: int) -> None:
    """Take someone out of a group. Their records stay; trainer marks keep their history."""
    group = group_for(actor, group_id)
    user = get_account(user_id)
    removed = db.session.execute(
        sa.delete(Membership).where(Membership.group_id == group.id, Membership.user_id == user.id)
    )
    if changed_rows(removed):
        audit(actor, AuditAction.GROUP_MEMBER_REMOVE, group_label(group), member=account_label(user))
