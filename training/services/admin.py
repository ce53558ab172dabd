"""Administration: accounts, groups and memberships, trainers' workshop records, and the audit
trail of all of it (CSV imports are in :mod:`training.services.imports`).

Every write here is one transaction (:func:`training.database.transactional`) that also
appends its :class:`~training.models.AuditEvent`, so an action and its record of who did it
commit together or not at all. Functions take an :class:`Actor` (who, in which role, from
which address) rather than the request, so the CLI and the web call the same code.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum

import pycountry
import sqlalchemy as sa
from argon2 import PasswordHasher

from ..content.model import Catalogue
from ..database import insert, transactional, unique_or
from ..extensions import db
from ..i18n import NO_LANGUAGE, gettext
from ..models import (
    Attendance,
    AuditEvent,
    Group,
    GroupRole,
    Membership,
    Role,
    UnitCompletion,
    User,
    utcnow,
)
from .accounts import email_problem, normalise_email

log = logging.getLogger(__name__)

MAX_NAME = 120
MAX_ORGANISATION = 160
MAX_GROUP_NAME = 120
GROUP_LIST_SEPARATOR = ";"

TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
"""No 0/o, 1/l/i: a temporary password is read aloud or copied from paper."""
TEMPORARY_GROUPS, TEMPORARY_GROUP_LENGTH = 4, 4
"""16 characters from 31: about 79 bits of randomness."""


class AdminError(ValueError):
    """A rule about administration was broken; the message is safe to show."""


class NotFound(LookupError):
    """No such account, group or import (or not one this person may see)."""


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
    def of(cls, user: User, ip: str) -> Actor:
        return cls(user.id, user.role, ip)


# --- audit ---------------------------------------------------------------------------------


class AuditAction(StrEnum):
    ACCOUNT_CREATE = "account.create"
    ACCOUNT_UPDATE = "account.update"
    ACCOUNT_ROLE = "account.role"
    ACCOUNT_DEACTIVATE = "account.deactivate"
    ACCOUNT_REACTIVATE = "account.reactivate"
    ACCOUNT_PASSWORD_RESET = "account.password_reset"  # noqa: S105 - an event name
    IMPORT_USERS = "import.users"
    IMPORT_MEMBERS = "import.members"
    GROUP_CREATE = "group.create"
    GROUP_UPDATE = "group.update"
    GROUP_MEMBER_ADD = "group.member_add"
    GROUP_MEMBER_REMOVE = "group.member_remove"
    ATTENDANCE = "trainer.attendance"
    UNIT_COMPLETE = "trainer.unit_complete"
    UNIT_COMPLETE_UNDO = "trainer.unit_complete_undo"
    EXPORT = "report.export"


def printable(text: str, limit: int = 300) -> str:
    """Control characters (CR, LF, NUL, ...) shown as escapes, so a crafted name cannot forge
    lines in a log or the audit view (SECURITY.md LOG-3)."""
    out = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
    return out[:limit]


def audit(actor: Actor, action: AuditAction, target: str = "", **detail: object) -> None:
    db.session.add(
        AuditEvent(
            actor_id=actor.user_id,
            action=action.value,
            target=printable(target),
            detail=detail,
            ip=printable(actor.ip, 64),
        )
    )
    log.info("audit %s actor=%s target=%r ip=%r", action.value, actor.user_id, printable(target), actor.ip)


@transactional
def record_export(actor: Actor, report: str, filters: dict[str, str]) -> None:
    """Note a CSV or JSON export: personal data leaving the platform is always on record."""
    audit(actor, AuditAction.EXPORT, report, filters=filters)


def account_label(user: User) -> str:
    return f"{user.email} (#{user.id})"


# --- reading --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _like(text: str) -> str:
    escaped = text.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_accounts(
    *,
    search: str = "",
    role: str = "",
    organisation: str = "",
    country: str = "",
    language: str = "",
    status: str = "",
    page: int = 1,
    per_page: int = 50,
) -> Page:
    """Accounts matching the filters, by name, a page at a time."""
    query = sa.select(User)
    if search.strip():
        pattern = _like(search.strip())
        query = query.where(
            sa.or_(
                sa.func.lower(User.name).like(pattern, escape="\\"),
                User.email.like(pattern, escape="\\"),
                sa.func.lower(User.organisation).like(pattern, escape="\\"),
            )
        )
    if role in {r.value for r in Role}:
        query = query.where(User.role == Role(role))
    if organisation:
        query = query.where(User.organisation == organisation)
    if country:
        query = query.where(User.country == country)
    if language == NO_LANGUAGE:
        query = query.where(User.language.is_(None))
    elif language:
        query = query.where(User.language == language)
    if status in ("active", "inactive"):
        query = query.where(User.active.is_(status == "active"))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    page = max(1, min(page, max(1, -(-total // per_page))))
    items = db.session.scalars(
        query.order_by(sa.func.lower(User.name), User.id).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return Page(list(items), total, page, per_page)


def organisations(learner_ids: sa.Select | None = None) -> list[str]:
    """The organisations people belong to, for filter menus."""
    query = sa.select(User.organisation).where(User.organisation != "").distinct().order_by(User.organisation)
    if learner_ids is not None:
        query = query.where(User.id.in_(learner_ids))
    return list(db.session.scalars(query))


def languages(learner_ids: sa.Select | None = None) -> list[str]:
    """The interface languages people chose (codes), for a filter."""
    query = sa.select(User.language).where(User.language.is_not(None)).distinct().order_by(User.language)
    if learner_ids is not None:
        query = query.where(User.id.in_(learner_ids))
    return [code for code in db.session.scalars(query) if code]


def countries(learner_ids: sa.Select | None = None) -> list[str]:
    query = sa.select(User.country).where(User.country != "").distinct().order_by(User.country)
    if learner_ids is not None:
        query = query.where(User.id.in_(learner_ids))
    return list(db.session.scalars(query))


def get_account(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(user_id)
    return user


@dataclass(frozen=True, slots=True)
class GroupSummary:
    group: Group
    learners: int
    trainers: tuple[str, ...]


def list_groups(viewer: Actor) -> list[GroupSummary]:
    """Every group for an administrator; a trainer's own groups for a trainer."""
    query = sa.select(Group).order_by(sa.func.lower(Group.name))
    if viewer.role != Role.ADMIN:
        query = query.where(Group.id.in_(_trainer_groups(viewer.user_id)))
    groups = list(db.session.scalars(query))
    ids = [g.id for g in groups]
    learners = dict(
        db.session.execute(
            sa.select(Membership.group_id, sa.func.count())
            .where(Membership.group_id.in_(ids), Membership.role == GroupRole.LEARNER)
            .group_by(Membership.group_id)
        ).all()
    )
    trainers: dict[int, list[str]] = {}
    for group_id, name in db.session.execute(
        sa.select(Membership.group_id, User.name)
        .join(User, User.id == Membership.user_id)
        .where(Membership.group_id.in_(ids), Membership.role == GroupRole.TRAINER)
        .order_by(User.name)
    ):
        trainers.setdefault(group_id, []).append(name)
    return [GroupSummary(g, learners.get(g.id, 0), tuple(trainers.get(g.id, ()))) for g in groups]


def _trainer_groups(trainer_id: int | None) -> sa.Select:
    return sa.select(Membership.group_id).where(Membership.user_id == trainer_id, Membership.role == GroupRole.TRAINER)


def group_for(viewer: Actor, group_id: int) -> Group:
    """A group the viewer may open: any for an administrator, only their own for a trainer.
    Someone else's group and a group that does not exist look the same (NotFound)."""
    group = db.session.get(Group, group_id)
    if group is None:
        raise NotFound(group_id)
    if (
        viewer.role != Role.ADMIN
        and db.session.scalar(_trainer_groups(viewer.user_id).where(Membership.group_id == group_id)) is None
    ):
        raise NotFound(group_id)
    return group


def learner_for(viewer: Actor, user_id: int) -> User:
    """A learner the viewer may follow: anyone for an administrator, for a trainer only a
    learner in one of their groups. Otherwise NotFound, as for an id that does not exist."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(user_id)
    if viewer.role == Role.ADMIN:
        return user
    shared = db.session.scalar(
        sa.select(Membership.id)
        .where(
            Membership.user_id == user_id,
            Membership.role == GroupRole.LEARNER,
            Membership.group_id.in_(_trainer_groups(viewer.user_id)),
        )
        .limit(1)
    )
    if shared is None or user.role != Role.LEARNER:
        raise NotFound(user_id)
    return user


@dataclass(frozen=True, slots=True)
class Member:
    user: User
    role: GroupRole


def group_members(group_id: int) -> list[Member]:
    rows = db.session.execute(
        sa.select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.group_id == group_id)
        .order_by(Membership.role.desc(), sa.func.lower(User.name))
    )
    return [Member(user, role) for user, role in rows]


def groups_of(user_id: int) -> list[tuple[Group, GroupRole]]:
    return list(
        db.session.execute(
            sa.select(Group, Membership.role)
            .join(Membership, Membership.group_id == Group.id)
            .where(Membership.user_id == user_id)
            .order_by(Group.name)
        ).all()
    )


def list_audit(*, action: str = "", page: int = 1, per_page: int = 50) -> Page:
    """The audit trail, newest first."""
    query = sa.select(AuditEvent, User.email).outerjoin(User, User.id == AuditEvent.actor_id)
    if action:
        query = query.where(AuditEvent.action == action)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    page = max(1, min(page, max(1, -(-total // per_page))))
    rows = db.session.execute(
        query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return Page([tuple(r) for r in rows], total, page, per_page)


# --- field rules ----------------------------------------------------------------------------


def clean_text(text: str | None) -> str:
    return " ".join((text or "").split())


def text_problem(value: str, limit: int, required: bool = False) -> str | None:
    """What is wrong with a text field: "required", "long" or "control"; None when nothing is.
    :func:`field_problem` and :func:`column_problem` say it in the reader's language."""
    if required and not value:
        return "required"
    if len(value) > limit:
        return "long"
    if any(not ch.isprintable() for ch in value):
        return "control"
    return None


def field_problem(problem: str, field: str, limit: int) -> str:
    """A form field's problem as a sentence: "The name is required." (``field`` translated)."""
    messages = {
        "required": gettext("%(field)s is required.", field=field),
        "long": gettext("%(field)s has more than %(limit)s characters.", field=field, limit=limit),
        "control": gettext("%(field)s contains control characters.", field=field),
    }
    return messages[problem]


def column_problem(problem: str, column: str, limit: int) -> str:
    """A CSV cell's problem after its column's name: "name: is required."."""
    messages = {
        "required": gettext("%(column)s: is required.", column=column),
        "long": gettext("%(column)s: has more than %(limit)s characters.", column=column, limit=limit),
        "control": gettext("%(column)s: contains control characters.", column=column),
    }
    return messages[problem]


def country_code(raw: str) -> str | None:
    """An ISO 3166-1 alpha-2 code from a code or an English name; "" for blank; None when
    unknown."""
    raw = raw.strip()
    if not raw:
        return ""
    try:
        return pycountry.countries.lookup(raw).alpha_2
    except LookupError:
        return None


ASSIGNABLE_ROLES: dict[Role, frozenset[Role]] = {
    Role.ADMIN: frozenset({Role.LEARNER, Role.TRAINER, Role.ADMIN}),
    Role.TRAINER: frozenset(),
    Role.LEARNER: frozenset(),
}
"""Roles an actor may give through the account forms."""

# --- passwords ------------------------------------------------------------------------------


def new_temporary_password() -> str:
    """A random, readable one-time password, e.g. ``k7mq-2xdp-tn4a-h9ce``."""
    chars = [secrets.choice(TEMPORARY_ALPHABET) for _ in range(TEMPORARY_GROUPS * TEMPORARY_GROUP_LENGTH)]
    return "-".join(
        "".join(chars[i : i + TEMPORARY_GROUP_LENGTH]) for i in range(0, len(chars), TEMPORARY_GROUP_LENGTH)
    )


_TEMPORARY_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def hash_temporary(password: str) -> str:
    """Hash a temporary password. Its strength is its ~79 random bits, not the hash's cost, so
    light argon2id parameters are safe here and let an import of thousands of accounts finish
    in seconds; the person must choose their own password at first sign-in, and that one is
    hashed with the full parameters."""
    return _TEMPORARY_HASHER.hash(password)


# --- accounts -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NewAccount:
    user: User
    temporary_password: str


def _check_fields(name: str, organisation: str) -> None:
    for label, value, limit, required in (
        (gettext("The name"), name, MAX_NAME, True),
        (gettext("The organisation"), organisation, MAX_ORGANISATION, False),
    ):
        problem = text_problem(value, limit, required)
        if problem:
            raise AdminError(field_problem(problem, label, limit))


def _check_country(country: str) -> str:
    code = country_code(country)
    if code is None:
        raise AdminError(gettext("Choose a country from the list."))
    return code


def _check_assignable(actor: Actor, role: Role) -> None:
    if role not in ASSIGNABLE_ROLES.get(actor.role, frozenset()):
        raise AdminError(gettext("You may not give this role."))


@transactional
def create_account(
    actor: Actor,
    email: str,
    name: str,
    role: Role | str = Role.LEARNER,
    organisation: str = "",
    country: str = "",
    language: str | None = None,
) -> NewAccount:
    """Create an account with a temporary password the person must change at first sign-in."""
    role = Role(role)
    _check_assignable(actor, role)
    problem = email_problem(email)
    if problem:
        raise AdminError(problem)
    name, organisation = clean_text(name), clean_text(organisation)
    _check_fields(name, organisation)
    code = _check_country(country)
    normalised = normalise_email(email)
    if db.session.scalar(sa.select(User.id).where(User.email == normalised)) is not None:
        raise AdminError(gettext("An account with this email address already exists."))
    password = new_temporary_password()
    user = User(
        email=normalised,
        name=name,
        organisation=organisation,
        country=code,
        language=language or None,
        role=role,
        password_hash=hash_temporary(password),
        must_change_password=True,
    )
    with unique_or(AdminError(gettext("An account with this email address already exists."))):
        db.session.add(user)
    audit(actor, AuditAction.ACCOUNT_CREATE, account_label(user), role=role.value)
    return NewAccount(user, password)


@transactional
def update_account(
    actor: Actor, user_id: int, name: str, organisation: str, country: str, language: str | None = None
) -> User:
    """Change a person's name, organisation, country and interface language (the fields they
    could give themselves); ``language=None`` leaves the language as it is, "" clears it."""
    user = get_account(user_id)
    name, organisation = clean_text(name), clean_text(organisation)
    _check_fields(name, organisation)
    code = _check_country(country)
    new_language = user.language if language is None else (language or None)
    fields = (
        ("name", user.name, name),
        ("organisation", user.organisation, organisation),
        ("country", user.country, code),
        ("language", user.language, new_language),
    )
    changed = [label for label, old, new in fields if old != new]
    user.name, user.organisation, user.country, user.language = name, organisation, code, new_language
    if changed:
        audit(actor, AuditAction.ACCOUNT_UPDATE, account_label(user), fields=changed)
    return user


def _active_admins_besides(user_id: int) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.active.is_(True), User.id != user_id)
        )
        or 0
    )


def _end_sessions(user: User) -> None:
    """The same revocation as :func:`training.services.accounts.end_sessions`, inside this
    transaction: every session issued before now stops working."""
    db.session.execute(
        sa.update(User)
        .where(User.id == user.id)
        .values(session_version=User.session_version + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.expire(user, ["session_version"])


@transactional
def change_role(actor: Actor, user_id: int, role: Role | str) -> User:
    """Give an account another role. Nobody changes their own role, and the last active
    administrator stays one, so the platform always has someone who can manage it."""
    role = Role(role)
    _check_assignable(actor, role)
    user = get_account(user_id)
    if user.id == actor.user_id:
        raise AdminError(gettext("You cannot change your own role; ask another administrator."))
    if user.role == role:
        return user
    if user.role == Role.ADMIN and _active_admins_besides(user.id) == 0:
        raise AdminError(gettext("This is the last active administrator; make someone else an administrator first."))
    old = user.role
    user.role = role
    if role == Role.LEARNER:
        db.session.execute(
            sa.update(Membership)
            .where(Membership.user_id == user.id, Membership.role == GroupRole.TRAINER)
            .values(role=GroupRole.LEARNER)
            .execution_options(synchronize_session=False)
        )
    _end_sessions(user)
    audit(actor, AuditAction.ACCOUNT_ROLE, account_label(user), before=old.value, after=role.value)
    return user


@transactional
def deactivate_account(actor: Actor, user_id: int) -> User:
    """Stop an account from signing in and end its sessions at once. Records stay."""
    user = get_account(user_id)
    if user.id == actor.user_id:
        raise AdminError(gettext("You cannot deactivate your own account."))
    if not user.active:
        return user
    if user.role == Role.ADMIN and _active_admins_besides(user.id) == 0:
        raise AdminError(gettext("This is the last active administrator."))
    user.active = False
    _end_sessions(user)
    audit(actor, AuditAction.ACCOUNT_DEACTIVATE, account_label(user))
    return user


@transactional
def reactivate_account(actor: Actor, user_id: int) -> User:
    user = get_account(user_id)
    if user.active:
        return user
    user.active = True
    audit(actor, AuditAction.ACCOUNT_REACTIVATE, account_label(user))
    return user


@transactional
def reset_password(actor: Actor, user_id: int) -> str:
    """Replace a person's password with a temporary one (returned once, to hand over), end
    their sessions, and make them choose a new password at their next sign-in."""
    user = get_account(user_id)
    if user.id == actor.user_id:
        raise AdminError(gettext("Change your own password from your account page."))
    password = new_temporary_password()
    user.password_hash = hash_temporary(password)
    user.must_change_password = True
    _end_sessions(user)
    audit(actor, AuditAction.ACCOUNT_PASSWORD_RESET, account_label(user))
    return password


# --- groups ---------------------------------------------------------------------------------


def _group_fields(name: str, description: str) -> tuple[str, str]:
    name = clean_text(name)
    problem = text_problem(name, MAX_GROUP_NAME, required=True)
    if problem:
        raise AdminError(field_problem(problem, gettext("The name"), MAX_GROUP_NAME))
    if GROUP_LIST_SEPARATOR in name:
        raise AdminError(gettext("A group name cannot contain “%(separator)s”.", separator=GROUP_LIST_SEPARATOR))
    description = (description or "").strip()
    if len(description) > 2000:
        raise AdminError(field_problem("long", gettext("The description"), 2000))
    return name, description


def _group_name_taken(name: str, but: int | None = None) -> bool:
    """Names compare without case in every script. SQLite's ``lower`` folds ASCII only, so
    the comparison happens here (groups are few); the unique constraint on the exact name
    has the last word under concurrency (see _save_group)."""
    wanted = name.casefold()
    rows = db.session.execute(sa.select(Group.id, Group.name)).all()
    return any(row.name.casefold() == wanted and row.id != but for row in rows)


def _save_group(group: Group) -> None:
    with unique_or(AdminError(gettext("A group with this name already exists."))):
        db.session.add(group)


@transactional
def create_group(actor: Actor, name: str, description: str = "", starts_on: date | None = None) -> Group:
    name, description = _group_fields(name, description)
    if _group_name_taken(name):
        raise AdminError(gettext("A group with this name already exists."))
    group = Group(name=name, description=description, starts_on=starts_on)
    _save_group(group)
    audit(actor, AuditAction.GROUP_CREATE, f"{group.name} (#{group.id})")
    return group


@transactional
def update_group(actor: Actor, group_id: int, name: str, description: str = "", starts_on: date | None = None) -> Group:
    group = group_for(actor, group_id)
    name, description = _group_fields(name, description)
    if _group_name_taken(name, but=group.id):
        raise AdminError(gettext("A group with this name already exists."))
    group.name, group.description, group.starts_on = name, description, starts_on
    _save_group(group)
    audit(actor, AuditAction.GROUP_UPDATE, f"{group.name} (#{group.id})")
    return group


def membership_problem(account_role: Role, role: GroupRole) -> str | None:
    """Why an account cannot take this role in a group, as a sentence; None when it can."""
    if role == GroupRole.TRAINER and account_role not in (Role.TRAINER, Role.ADMIN):
        return gettext("Only trainer or administrator accounts can be a group's trainer.")
    if role == GroupRole.LEARNER and account_role != Role.LEARNER:
        return gettext("Only learner accounts can be a group's learners.")
    return None


def upsert_memberships(group_id: int, members: Iterable[tuple[int, GroupRole]]) -> int:
    """Add people to a group (or change their role in it); returns how many rows changed."""
    changed = 0
    existing = dict(
        db.session.execute(sa.select(Membership.user_id, Membership.role).where(Membership.group_id == group_id)).all()
    )
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
    group = group_for(actor, group_id)
    role = GroupRole(role)
    user = db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise AdminError(gettext("There is no account with this email address. Create or import it first."))
    problem = membership_problem(user.role, role)
    if problem:
        raise AdminError(problem)
    if upsert_memberships(group.id, [(user.id, role)]):
        audit(
            actor,
            AuditAction.GROUP_MEMBER_ADD,
            f"{group.name} (#{group.id})",
            member=account_label(user),
            role=role.value,
        )
    return user


@transactional
def remove_member(actor: Actor, group_id: int, user_id: int) -> None:
    """Take someone out of a group. Their records stay; trainer marks keep their history."""
    group = group_for(actor, group_id)
    user = get_account(user_id)
    removed = db.session.execute(
        sa.delete(Membership).where(Membership.group_id == group.id, Membership.user_id == user.id)
    ).rowcount
    if removed:
        audit(actor, AuditAction.GROUP_MEMBER_REMOVE, f"{group.name} (#{group.id})", member=account_label(user))


# --- trainers' workshop records --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AttendanceResult:
    present: int
    marked_complete: int


def _group_learner_ids(group_id: int) -> set[int]:
    return set(
        db.session.scalars(
            sa.select(Membership.user_id)
            .join(User, User.id == Membership.user_id)
            .where(Membership.group_id == group_id, Membership.role == GroupRole.LEARNER, User.role == Role.LEARNER)
        )
    )


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
        raise AdminError(gettext("Choose a unit.")) from None
    if session_date > now.date():
        raise AdminError(gettext("The session date is in the future."))
    learners = _group_learner_ids(group.id)
    chosen = sorted(set(present))
    if not chosen:
        raise AdminError(gettext("Tick at least one learner who was present."))
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
        f"{group.name} (#{group.id})",
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
        audit(
            actor,
            AuditAction.UNIT_COMPLETE,
            f"{group.name} (#{group.id})",
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
    if user_id not in _group_learner_ids(group.id):
        raise NotFound(user_id)
    removed = db.session.execute(
        sa.delete(UnitCompletion).where(
            UnitCompletion.user_id == user_id, UnitCompletion.unit_id == unit_id, UnitCompletion.group_id == group.id
        )
    ).rowcount
    if removed:
        audit(actor, AuditAction.UNIT_COMPLETE_UNDO, f"{group.name} (#{group.id})", unit=unit_id, learner=user_id)
    return bool(removed)


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
