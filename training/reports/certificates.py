"""Certificates over many learners: the list administrators and trainers filter and export,
and the count of certificates issued per organisation and per country.

The learners covered are the report scope's (:mod:`.scope`: everyone for an administrator,
the learners of their own groups for a trainer), filtered by group, organisation and
country; the period is the day the certificate was issued (inclusive)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from ..certificates import format_code, hours
from ..extensions import db
from ..models import Certificate, User
from ..queries.paging import Page, clamp_page
from .scope import Filters, Scope, _day_start, scoped_learner_ids

CERTIFICATE_COLUMNS = (
    "code",
    "name",
    "email",
    "organisation",
    "country",
    "course",
    "language",
    "hours",
    "completed_by",
    "completed_at",
    "issued_at",
    "status",
    "revoked_at",
    "revoked_reason",
)
SEGMENT_COLUMNS = ("organisation", "country", "valid", "revoked")


@dataclass(frozen=True, slots=True)
class Period:
    issued_from: date | None = None
    issued_to: date | None = None
    status: str = ""
    """``valid``, ``revoked`` or empty for both."""


@dataclass(frozen=True, slots=True)
class CertificateRow:
    id: int
    code: str
    name: str
    email: str
    organisation: str
    country: str
    course_title: str
    language: str
    study_minutes: int
    mode: str
    completed_at: object
    issued_at: object
    revoked_at: object
    revoked_reason: str

    @property
    def display_code(self) -> str:
        return format_code(self.code)


def _query(scope: Scope, filters: Filters, period: Period) -> sa.Select:
    learners = scoped_learner_ids(scope, filters)
    query = (
        sa.select(
            Certificate.id,
            Certificate.code,
            Certificate.name,
            User.email,
            User.organisation,
            User.country,
            Certificate.course_title,
            Certificate.language,
            Certificate.study_minutes,
            Certificate.mode,
            Certificate.completed_at,
            Certificate.issued_at,
            Certificate.revoked_at,
            Certificate.revoked_reason,
        )
        .join(User, User.id == Certificate.user_id)
        .where(Certificate.user_id.in_(learners))
    )
    if period.issued_from:
        query = query.where(Certificate.issued_at >= _day_start(period.issued_from))
    if period.issued_to:
        query = query.where(Certificate.issued_at < _day_start(period.issued_to + timedelta(days=1)))
    if period.status == "valid":
        query = query.where(Certificate.revoked_at.is_(None))
    elif period.status == "revoked":
        query = query.where(Certificate.revoked_at.is_not(None))
    return query


def certificate_page(scope: Scope, filters: Filters, period: Period, page: int, per_page: int) -> Page[CertificateRow]:
    """Certificates in scope, newest first, a page at a time."""
    query = _query(scope, filters, period)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    page = clamp_page(page, total, per_page)
    rows = db.session.execute(
        query.order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return Page([CertificateRow(*r) for r in rows], total, page, per_page)


def certificate_rows(scope: Scope, filters: Filters, period: Period) -> Iterator[CertificateRow]:
    """Every certificate in scope, streamed (for the CSV)."""
    query = _query(scope, filters, period).order_by(Certificate.issued_at, Certificate.id)
    for r in db.session.execute(query.execution_options(yield_per=1000)):
        yield CertificateRow(*r)


def certificate_record(row: CertificateRow) -> tuple[object, ...]:
    return (
        row.display_code,
        row.name,
        row.email,
        row.organisation,
        row.country,
        row.course_title,
        row.language,
        hours(row.study_minutes),
        row.mode,
        row.completed_at,
        row.issued_at,
        "revoked" if row.revoked_at else "valid",
        row.revoked_at,
        row.revoked_reason,
    )


@dataclass(frozen=True, slots=True)
class CertificateSegment:
    organisation: str
    country: str
    valid: int
    revoked: int


def certificates_by_segment(scope: Scope, filters: Filters, period: Period) -> list[CertificateSegment]:
    """Certificates issued per organisation and country (valid and revoked), most first."""
    inner = _query(scope, filters, period).subquery()
    valid = sa.func.count().filter(inner.c.revoked_at.is_(None))
    revoked = sa.func.count().filter(inner.c.revoked_at.is_not(None))
    rows = db.session.execute(
        sa.select(inner.c.organisation, inner.c.country, valid, revoked)
        .group_by(inner.c.organisation, inner.c.country)
        .order_by(valid.desc(), inner.c.organisation, inner.c.country)
    )
    return [CertificateSegment(*r) for r in rows]


def segment_record(row: CertificateSegment) -> tuple[object, ...]:
    return (row.organisation, row.country, row.valid, row.revoked)
