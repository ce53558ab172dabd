"""Accounts as the administration pages list them, and single accounts by id or address."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..database import DriverRead
from ..extensions import db
from ..fields import normalise_email
from ..models import ERASED_DOMAIN, LessonProgress, User
from ..permissions import NotFound, Role
from ..progress import LessonRecord
from ..translatable import NO_LANGUAGE
from .paging import Page, paginate, text_search

_USER_BY_ID = sa.select(User).where(User.id == sa.bindparam("user_id"))


def user_by_id(user_id: int) -> User | None:
    """An account by id, or None. Runs on every request (the signed-in person), so the query
    is built once."""
    return db.session.execute(_USER_BY_ID, {"user_id": user_id}).scalar_one_or_none()


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The signed-in person as every request sees them (``current_user``): the account's
    columns a page or a rule reads, read-only, without the password hash or the TOTP secret.
    Changes go through :mod:`training.services` by ``id``; the next request reads them."""

    id: int
    email: str
    name: str
    organisation: str
    country: str
    language: str | None
    time_zone: str | None
    role: Role
    active: bool
    must_change_password: bool
    session_version: int
    email_verified_at: datetime | None
    mfa_enabled: bool
    lesson: LessonRead | None = None
    """The progress row of the lesson this request shows, when it was read with the person
    (:func:`signed_in` with ``lesson``)."""

    # Flask-Login's protocol, as on User.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return f"{self.id}.{self.session_version}"

    @property
    def erased(self) -> bool:
        return self.email.endswith("@" + ERASED_DOMAIN)


_SIGNED_IN = sa.select(
    User.id,
    User.email,
    User.name,
    User.organisation,
    User.country,
    User.language,
    User.time_zone,
    User.role,
    User.active,
    User.must_change_password,
    User.session_version,
    User.email_verified_at,
    User.totp_secret.is_not(None).label("mfa_enabled"),
).where(User.id == sa.bindparam("user_id"))
"""Built once: it runs on every request."""


@dataclass(frozen=True, slots=True)
class LessonRead:
    """One lesson's progress row for the signed-in person, read in the same statement."""

    unit_id: str
    lesson_id: str
    record: LessonRecord | None


_SIGNED_IN_READING = (
    sa.select(*_SIGNED_IN.selected_columns, LessonProgress.last_opened_at, LessonProgress.completed_at)
    .select_from(User)
    .outerjoin(
        LessonProgress,
        sa.and_(
            LessonProgress.user_id == User.id,
            LessonProgress.unit_id == sa.bindparam("unit_id"),
            LessonProgress.lesson_id == sa.bindparam("lesson_id"),
        ),
    )
    .where(User.id == sa.bindparam("user_id"))
)
_READ_SIGNED_IN = DriverRead(_SIGNED_IN)
READ_SIGNED_IN_READING = DriverRead(_SIGNED_IN_READING)
"""The person and the lesson page's progress row (at most one: unique per learner and
lesson) in one statement, so one snapshot and one round trip; both statements compiled once
and run on the driver's cursor without a transaction (:class:`training.database.DriverRead`)."""


def signed_in(user_id: int, lesson: tuple[str, str] | None = None) -> SignedIn | None:
    """The person a session names, as :class:`SignedIn`, or None. One row, no ORM object: the
    most requested pages only read it (see docs/performance.md). With ``lesson`` (unit and
    lesson id), the person's progress row for it comes with them, as ``SignedIn.lesson``."""
    if lesson is None:
        row = _READ_SIGNED_IN.first({"user_id": user_id})
        return SignedIn(*row) if row is not None else None
    unit_id, lesson_id = lesson
    row = READ_SIGNED_IN_READING.first({"user_id": user_id, "unit_id": unit_id, "lesson_id": lesson_id})
    if row is None:
        return None
    opened_at, completed_at = row[-2:]  # None without a row: a read lesson was opened
    record = LessonRecord(opened_at, completed_at) if opened_at is not None else None
    return SignedIn(*(*row[:-2], LessonRead(unit_id, lesson_id, record)))


def get_account(user_id: int) -> User:
    """An account by id, for administrators; raises :class:`NotFound`."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(user_id)
    return user


def find_user(email: str) -> User | None:
    """The account with this address, however it was typed (case, spaces, full-width)."""
    return db.session.scalar(sa.select(User).where(User.email == normalise_email(email)))


def email_taken(email: str) -> bool:
    return db.session.scalar(sa.select(User.id).where(User.email == normalise_email(email))) is not None


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
) -> Page[User]:
    """Accounts matching the filters, by name, a page at a time."""
    query = sa.select(User)
    if search.strip():
        query = query.where(text_search(search, User.name, User.email, User.organisation))
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
    elif status == "invited":
        query = query.where(User.invited_at.is_not(None))
    return paginate(query.order_by(sa.func.lower(User.name), User.id), page, per_page)


def organisations(learner_ids: sa.Select | None = None, role: Role | None = None) -> list[str]:
    """The organisations people belong to, for filter menus (only these people's, and only
    people with this role, if given: by role alone, the answer comes from an index)."""
    query = sa.select(User.organisation).where(User.organisation != "").distinct().order_by(User.organisation)
    if role is not None:
        query = query.where(User.role == role)
    if learner_ids is not None:
        query = query.where(User.id.in_(learner_ids))
    return list(db.session.scalars(query))


def languages(learner_ids: sa.Select | None = None) -> list[str]:
    """The interface languages people chose (codes), for a filter."""
    query = sa.select(User.language).where(User.language.is_not(None)).distinct().order_by(User.language)
    if learner_ids is not None:
        query = query.where(User.id.in_(learner_ids))
    return [code for code in db.session.scalars(query) if code]


def countries(learner_ids: sa.Select | None = None, role: Role | None = None) -> list[str]:
    """The countries people come from, for filter menus (as :func:`organisations`)."""
    query = sa.select(User.country).where(User.country != "").distinct().order_by(User.country)
    if role is not None:
        query = query.where(User.role == role)
    if learner_ids is not None:
        query = query.where(User.id.in_(learner_ids))
    return list(db.session.scalars(query))


def active_admins_besides(user_id: int) -> int:
    """How many other active administrators there are (the last one must stay)."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(User)
            .where(User.role == Role.ADMIN, User.active.is_(True), User.id != user_id)
        )
        or 0
    )
