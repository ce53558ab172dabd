"""CSV imports in two steps, for accounts and for a group's members.

:func:`preview_import` parses and checks every row (each problem with its row number, header =
row 1) and keeps a valid file as a :class:`~training.models.PendingImport` under a random
token; :func:`confirm_import` checks it again inside one transaction and applies every row or
none. Rows are matched on the normalised email, so importing the same file twice changes
nothing. An import never changes a password or the role of an existing account, and gives
new accounts only the roles its importer may give (never administrator).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

import sqlalchemy as sa
from flask import current_app

from ..csvio import CsvInvalid, CsvProblem, CsvTable, decode_upload, read_csv
from ..database import transactional
from ..extensions import db
from ..fields import GROUP_LIST_SEPARATOR, check_profile, clean_text, column_problem, email_problem, normalise_email
from ..i18n import import_language
from ..models import Group, Membership, PendingImport, User, utcnow
from ..permissions import Actor, GroupRole, NotFound, Role, group_role_for, may_import, membership_problem
from ..queries.groups import group_for, group_roles, groups_by_name
from ..translatable import N_, gettext, ngettext
from . import links
from .accounts import NewAccount, hash_temporary, new_temporary_password
from .audit import AuditAction, audit, group_label, printable
from .groups import upsert_memberships

PENDING_IMPORT_LIFETIME = timedelta(hours=24)


class ImportKind(StrEnum):
    USERS = "users"
    MEMBERS = "members"


USER_COLUMNS_REQUIRED = ("email", "name")
USER_COLUMNS_OPTIONAL = ("organisation", "country", "language", "role", "groups")
MEMBER_COLUMNS_REQUIRED = ("email",)
MEMBER_COLUMNS_OPTIONAL = ("role",)


class RowAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    ADD = "add"

    @property
    def label(self) -> str:
        """In English; shown translated (``_(action.label)``)."""
        labels = {"create": N_("create"), "update": N_("update"), "unchanged": N_("unchanged"), "add": N_("add")}
        return labels[self.value]


@dataclass(frozen=True, slots=True)
class PlannedRow:
    """One row of an import: what it says, what confirming would do, and what is wrong."""

    number: int
    email: str
    name: str = ""
    organisation: str = ""
    country: str = ""
    role: str = ""
    groups: tuple[str, ...] = ()
    action: RowAction = RowAction.UNCHANGED
    notes: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    user_id: int | None = None
    language: str = ""
    """The interface language the file gives the person (``fr``), or "" for none."""


@dataclass(frozen=True, slots=True)
class ImportPlan:
    kind: ImportKind
    filename: str
    rows: tuple[PlannedRow, ...]
    problems: tuple[CsvProblem, ...] = ()
    """File-level problems (no rows could be read)."""
    group_id: int | None = None
    token: str | None = None

    @property
    def errors(self) -> list[CsvProblem]:
        return [*self.problems, *(CsvProblem(r.number, e) for r in self.rows for e in r.errors)]

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self, action: RowAction) -> int:
        return sum(1 for r in self.rows if r.action == action and not r.errors)


@dataclass(frozen=True, slots=True)
class ImportResult:
    kind: ImportKind
    created: tuple[NewAccount, ...] = ()
    updated: int = 0
    unchanged: int = 0
    memberships: int = 0
    rows: int = 0


class ImportRejected(ValueError):
    """The file has problems; nothing was imported. ``plan`` lists them row by row."""

    def __init__(self, plan: ImportPlan) -> None:
        super().__init__(
            ngettext(
                "%(num)d problem in the file; nothing was imported.",
                "%(num)d problems in the file; nothing was imported.",
                len(plan.errors),
            )
        )
        self.plan = plan


def _read_table(kind: ImportKind, text: str) -> CsvTable:
    required, optional = (
        (USER_COLUMNS_REQUIRED, USER_COLUMNS_OPTIONAL)
        if kind == ImportKind.USERS
        else (MEMBER_COLUMNS_REQUIRED, MEMBER_COLUMNS_OPTIONAL)
    )
    return read_csv(text, required=required, optional=optional, max_rows=int(current_app.config["IMPORT_MAX_ROWS"]))


def _chunks(items: Sequence, size: int = 500) -> Iterable[Sequence]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _users_by_email(emails: Sequence[str]) -> dict[str, User]:
    found: dict[str, User] = {}
    for chunk in _chunks(sorted(set(emails))):
        found.update((u.email, u) for u in db.session.scalars(sa.select(User).where(User.email.in_(chunk))))
    return found


def _group_names_of(user_ids: Sequence[int]) -> dict[int, set[str]]:
    """Each person's groups (names, casefolded), in a few queries however many people."""
    names: dict[int, set[str]] = {}
    for chunk in _chunks(sorted(user_ids)):
        for user_id, name in db.session.execute(
            sa.select(Membership.user_id, Group.name)
            .join(Group, Group.id == Membership.group_id)
            .where(Membership.user_id.in_(chunk))
        ):
            names.setdefault(user_id, set()).add(name.casefold())
    return names


def plan_import(
    actor: Actor, kind: ImportKind, text: str, filename: str = "", group_id: int | None = None
) -> ImportPlan:
    """Read and check every row without changing anything: what would be created or updated,
    and every problem with its row number."""
    try:
        table = _read_table(kind, text)
    except CsvInvalid as exc:
        return ImportPlan(kind, filename, (), exc.problems, group_id)
    if kind == ImportKind.USERS:
        rows = _plan_users(actor, table)
    else:
        rows = _plan_members(table, group_id)
    return ImportPlan(kind, filename, tuple(rows), (), group_id)


def _plan_users(actor: Actor, table: CsvTable) -> list[PlannedRow]:
    emails = [normalise_email(r.values.get("email", "")) for r in table.rows]
    existing = _users_by_email([e for e in emails if e])
    groups = groups_by_name()
    memberships = _group_names_of([u.id for u in existing.values()])
    seen: dict[str, int] = {}
    planned = []
    for row, email in zip(table.rows, emails, strict=True):
        v = row.values
        errors: list[str] = []
        notes: list[str] = []
        problem = email_problem(v.get("email", ""))
        if problem:
            errors.append(gettext("email: %(problem)s", problem=problem))
        elif email in seen:
            errors.append(gettext("email: the same address as row %(row)s.", row=seen[email]))
        else:
            seen[email] = row.number
        profile = check_profile(v.get("name"), v.get("organisation"), v.get("country"))
        name, organisation, code = profile.name, profile.organisation, profile.country
        for found in profile.problems:
            if found.field == "country":
                errors.append(
                    gettext(
                        "country: %(value)r is not an ISO 3166 country code or name.",
                        value=printable(v.get("country", ""), 60),
                    )
                )
            else:
                errors.append(column_problem(found.problem, found.field, found.limit))
        language = import_language(v.get("language", ""))
        if language is None:
            errors.append(
                gettext(
                    "language: %(value)r is not one of %(languages)s.",
                    value=printable(v.get("language", ""), 30),
                    languages=", ".join(current_app.config["LANGUAGES"]),
                )
            )
            language = ""
        role_text = v.get("role", "").strip().casefold() or Role.LEARNER.value
        role = Role(role_text) if role_text in {r.value for r in Role} else None
        if role is None:
            errors.append(gettext("role: %(value)r is not one of learner, trainer.", value=printable(role_text, 30)))
        group_names = tuple(clean_text(g) for g in v.get("groups", "").split(GROUP_LIST_SEPARATOR) if clean_text(g))
        for gname in group_names:
            if gname.casefold() not in groups:
                errors.append(
                    gettext("groups: there is no group named %(name)r; create it first.", name=printable(gname, 60))
                )
        user = existing.get(email)
        if user is None:
            action = RowAction.CREATE
            if role is not None and not may_import(actor, role):
                errors.append(gettext("role: an import cannot create %(role)s accounts.", role=role.value))
        else:
            fields = (
                ("name", user.name, name),
                ("organisation", user.organisation, organisation),
                ("country", user.country, code),
                ("language", user.language or "", language),
            )
            changes = [label for label, old, new in fields if new and old != new]
            current = memberships.get(user.id, set())
            new_groups = [g for g in group_names if g.casefold() not in current]
            action = RowAction.UPDATE if changes or new_groups else RowAction.UNCHANGED
            if changes:
                notes.append(gettext("changes %(columns)s", columns=", ".join(changes)))
            if new_groups:
                notes.append(gettext("joins %(groups)s", groups=", ".join(new_groups)))
            if role is not None and role != user.role:
                notes.append(
                    gettext("role stays %(role)s (roles are changed on the account page)", role=user.role.value)
                )
            if not user.active:
                notes.append(gettext("the account is deactivated and stays so"))
        if role is not None and group_names:
            effective = user.role if user is not None else role
            problem = membership_problem(effective, group_role_for(effective))
            if problem:
                errors.append(gettext("groups: %(problem)s", problem=problem))
        planned.append(
            PlannedRow(
                row.number,
                email or v.get("email", ""),
                name,
                organisation,
                code,
                role.value if role else role_text,
                group_names,
                action,
                tuple(notes),
                tuple(errors),
                user.id if user else None,
                language,
            )
        )
    return planned


def _plan_members(table: CsvTable, group_id: int | None) -> list[PlannedRow]:
    emails = [normalise_email(r.values.get("email", "")) for r in table.rows]
    existing = _users_by_email([e for e in emails if e])
    current = group_roles(group_id) if group_id is not None else {}
    seen: dict[str, int] = {}
    planned = []
    for row, email in zip(table.rows, emails, strict=True):
        errors: list[str] = []
        problem = email_problem(row.values.get("email", ""))
        if problem:
            errors.append(gettext("email: %(problem)s", problem=problem))
        elif email in seen:
            errors.append(gettext("email: the same address as row %(row)s.", row=seen[email]))
        else:
            seen[email] = row.number
        role_text = row.values.get("role", "").strip().casefold() or GroupRole.LEARNER.value
        role = GroupRole(role_text) if role_text in {r.value for r in GroupRole} else None
        if role is None:
            errors.append(gettext("role: %(value)r is not one of learner, trainer.", value=printable(role_text, 30)))
        user = existing.get(email)
        if user is None and not problem:
            errors.append(gettext("email: there is no account with this address; import the accounts first."))
        elif user is not None and role is not None:
            problem = membership_problem(user.role, role)
            if problem:
                errors.append(gettext("role: %(problem)s", problem=problem))
        action = RowAction.ADD
        if user is not None and current.get(user.id) == role:
            action = RowAction.UNCHANGED
        planned.append(
            PlannedRow(
                row.number,
                email,
                user.name if user else "",
                user.organisation if user else "",
                user.country if user else "",
                role_text,
                (),
                action,
                (),
                tuple(errors),
                user.id if user else None,
            )
        )
    return planned


@transactional
def preview_import(
    actor: Actor, kind: ImportKind | str, data: bytes, filename: str = "", group_id: int | None = None
) -> ImportPlan:
    """Check an uploaded file. When every row is valid the file is kept, under a random token,
    for :func:`confirm_import`; otherwise nothing is kept and the plan lists the problems."""
    kind = ImportKind(kind)
    if kind == ImportKind.MEMBERS:
        group_for(actor, group_id or 0)
    filename = printable(filename.rsplit("/", 1)[-1].rsplit("\\", 1)[-1], 200)
    try:
        text = decode_upload(data, int(current_app.config["MAX_CONTENT_LENGTH"]))
    except CsvInvalid as exc:
        return ImportPlan(kind, filename, (), exc.problems, group_id)
    plan = plan_import(actor, kind, text, filename, group_id)
    db.session.execute(sa.delete(PendingImport).where(PendingImport.created_at < utcnow() - PENDING_IMPORT_LIFETIME))
    if not plan.ok or actor.user_id is None:
        return plan
    token = secrets.token_urlsafe(32)
    db.session.add(
        PendingImport(
            token=token,
            created_by_id=actor.user_id,
            kind=kind.value,
            group_id=group_id,
            filename=filename,
            content=text,
        )
    )
    return ImportPlan(plan.kind, plan.filename, plan.rows, plan.problems, group_id, token)


def _pending(actor: Actor, token: str) -> PendingImport:
    pending = db.session.scalar(sa.select(PendingImport).where(PendingImport.token == token))
    if (
        pending is None
        or pending.created_by_id != actor.user_id
        or pending.created_at < utcnow() - PENDING_IMPORT_LIFETIME
    ):
        raise NotFound(token)
    return pending


def pending_plan(actor: Actor, token: str) -> ImportPlan:
    """The preview of a kept import, checked again against the database as it is now."""
    pending = _pending(actor, token)
    plan = plan_import(actor, ImportKind(pending.kind), pending.content, pending.filename, pending.group_id)
    return ImportPlan(plan.kind, plan.filename, plan.rows, plan.problems, pending.group_id, token)


@transactional
def confirm_import(actor: Actor, token: str, invite: bool = True) -> ImportResult:
    """Apply a previewed import: every row, in this one transaction, or (on any problem)
    none. The kept file is removed either way once applied. New accounts are invited by
    email (``invite``) or given temporary passwords, returned once to hand over."""
    pending = _pending(actor, token)
    kind = ImportKind(pending.kind)
    if kind == ImportKind.MEMBERS:
        group_for(actor, pending.group_id or 0)
    plan = plan_import(actor, kind, pending.content, pending.filename, pending.group_id)
    if not plan.ok:
        raise ImportRejected(plan)
    result = _apply_users(actor, plan, invite) if kind == ImportKind.USERS else _apply_members(actor, plan)
    db.session.delete(pending)
    return result


def import_file(
    actor: Actor,
    kind: ImportKind | str,
    data: bytes,
    filename: str = "",
    group_id: int | None = None,
    invite: bool = True,
) -> ImportResult:
    """Check and apply a file in one go (the command line): all rows or, with any problem,
    none (raises :class:`ImportRejected`)."""
    kind = ImportKind(kind)
    try:
        text = decode_upload(data, int(current_app.config["MAX_CONTENT_LENGTH"]))
    except CsvInvalid as exc:
        raise ImportRejected(ImportPlan(kind, filename, (), exc.problems, group_id)) from None
    return _import_text(actor, kind, text, filename, group_id, invite)


@transactional
def _import_text(
    actor: Actor, kind: ImportKind, text: str, filename: str, group_id: int | None, invite: bool
) -> ImportResult:
    plan = plan_import(actor, kind, text, filename, group_id)
    if not plan.ok:
        raise ImportRejected(plan)
    return _apply_users(actor, plan, invite) if kind == ImportKind.USERS else _apply_members(actor, plan)


def _apply_users(actor: Actor, plan: ImportPlan, invite: bool) -> ImportResult:
    groups = groups_by_name()
    existing = _users_by_email([r.email for r in plan.rows])
    created: list[NewAccount] = []
    updated = unchanged = memberships = 0
    for row in plan.rows:
        user = existing.get(row.email)
        if user is None:
            password = None if invite else new_temporary_password()
            user = User(
                email=row.email,
                name=row.name,
                organisation=row.organisation,
                country=row.country,
                language=row.language or None,
                role=Role(row.role),
                password_hash=hash_temporary(password) if password else "",
                must_change_password=password is not None,
                email_verified_at=None if invite else utcnow(),
            )
            db.session.add(user)
            db.session.flush()
            if invite:
                links.send_invitation(user)
            created.append(NewAccount(user, password))
        elif row.action == RowAction.UPDATE:
            user.name = row.name or user.name
            user.organisation = row.organisation or user.organisation
            user.country = row.country or user.country
            user.language = row.language or user.language
            updated += 1
        else:
            unchanged += 1
        if row.groups:
            member_role = group_role_for(user.role)
            for name in row.groups:
                memberships += upsert_memberships(groups[name.casefold()].id, [(user.id, member_role)])
    audit(
        actor,
        AuditAction.IMPORT_USERS,
        plan.filename or "(file)",
        rows=len(plan.rows),
        created=len(created),
        updated=updated,
        unchanged=unchanged,
        memberships=memberships,
        invited=invite,
    )
    return ImportResult(ImportKind.USERS, tuple(created), updated, unchanged, memberships, len(plan.rows))


def _apply_members(actor: Actor, plan: ImportPlan) -> ImportResult:
    group = group_for(actor, plan.group_id or 0)
    changed = upsert_memberships(group.id, [(r.user_id, GroupRole(r.role)) for r in plan.rows if r.user_id is not None])
    audit(
        actor,
        AuditAction.IMPORT_MEMBERS,
        group_label(group),
        file=plan.filename or "(file)",
        rows=len(plan.rows),
        memberships=changed,
    )
    return ImportResult(ImportKind.MEMBERS, (), 0, len(plan.rows) - changed, changed, len(plan.rows))
