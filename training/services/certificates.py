"""Certificates: issued when a course is completed, revoked and re-issued by administrators,
their PDFs kept once typeset, and the rate limit on public look-ups.

:func:`note_progress` runs inside the write transaction of every change that can complete
the course (a lesson read, a quiz passed, a unit marked complete by a trainer); when the
course has just become complete it calls :func:`course_completed`, the one place where "the
course was completed" happens: anything that should follow a completion (a certificate
today; a message to a learning record store or an LMS gradebook) hooks in there, inside the
same transaction, so it happens exactly when the completion is committed.

A certificate is issued once: a learner with any certificate (valid or revoked) gets no new
one automatically. The partial unique index on valid certificates makes two completions at
the same moment, on any number of servers, issue one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from ..certificates import Facts, Mode, facts, new_code, new_status_index
from ..content.model import Catalogue
from ..database import insert, transactional
from ..extensions import db
from ..fields import MAX_NAME, clean_text, field_problem, text_problem
from ..guide import PdfKey
from ..models import Certificate, CertificatePdf, LoginThrottle, User, utcnow
from ..permissions import Actor, NotFound
from ..progress import CourseProgress, Status, course_progress
from ..queries.certificates import has_certificate, stored_pdf
from ..queries.learning import load_records
from ..translatable import gettext
from .audit import AuditAction, audit
from .guide_pdfs import DatabaseStore

MAX_REASON = 500
ISSUE_TRIES = 20


class CertificateError(ValueError):
    """A message for the administrator (an empty reason, a name too long...)."""


def note_progress(catalogue: Catalogue, user_id: int, now: datetime | None = None) -> Certificate | None:
    """After progress that may have completed the course (call inside the write
    transaction): if the course is now complete and the learner holds no certificate yet,
    the course was completed."""
    if has_certificate(user_id):
        return None
    progress = course_progress(catalogue, load_records(user_id))
    if progress.status != Status.COMPLETE:
        return None
    return course_completed(catalogue, user_id, progress, now or utcnow())


@transactional
def issue_if_complete(catalogue: Catalogue, user_id: int, now: datetime | None = None) -> Certificate | None:
    """The certificate of a learner whose course became complete before certificates were
    issued (or whose last step was recorded without the catalogue): issued on their visit to
    the completion page, the same way as on completion."""
    return note_progress(catalogue, user_id, now)


def course_completed(catalogue: Catalogue, user_id: int, progress: CourseProgress, now: datetime) -> Certificate | None:
    """The course was completed, in the caller's transaction: issue the certificate.
    None when another request issued it at the same moment."""
    user = db.session.get(User, user_id)
    if user is None:
        return None
    language = user.language if user.language in catalogue.languages else catalogue.source_language
    return _issue(user.id, facts(catalogue.in_language(language), progress, user.name, now), now)


def _issue(user_id: int, f: Facts, now: datetime, replaces_id: int | None = None) -> Certificate | None:
    for _ in range(ISSUE_TRIES):
        certificate = Certificate(
            code=new_code(),
            status_index=new_status_index(),
            user_id=user_id,
            name=f.name,
            course_id=f.course_id,
            course_title=f.course_title,
            language=f.language,
            study_minutes=f.study_minutes,
            mode=f.mode.value,
            units=list(f.units),
            issuer=dict(f.issuer),
            content_version=f.content_version,
            completed_at=f.completed_at,
            issued_at=now,
            revoked_reason="",
            replaces_id=replaces_id,
        )
        try:
            with db.session.begin_nested():
                db.session.add(certificate)
        except IntegrityError:
            if _valid_certificate_id(user_id) is not None:
                return None  # issued by a simultaneous completion
            continue  # a code or a list position already taken: draw again
        return certificate
    raise RuntimeError("no free position left in the revocation list")


def _valid_certificate_id(user_id: int) -> int | None:
    return db.session.scalar(
        sa.select(Certificate.id).where(Certificate.user_id == user_id, Certificate.revoked_at.is_(None))
    )


def _certificate_for_admin(actor: Actor, certificate_id: int) -> Certificate:
    certificate = db.session.get(Certificate, certificate_id, with_for_update=True)
    if certificate is None or not actor.is_admin:
        raise NotFound("certificate")
    return certificate


def _reason(text: str) -> str:
    reason = clean_text(text)
    problem = text_problem(reason, MAX_REASON, required=True)
    if problem:
        raise CertificateError(field_problem(problem, gettext("The reason"), MAX_REASON))
    return reason


@transactional
def revoke(actor: Actor, certificate_id: int, reason: str, now: datetime | None = None) -> Certificate:
    """Revoke a certificate: its verification page and its badge's status say so from now on."""
    certificate = _certificate_for_admin(actor, certificate_id)
    reason = _reason(reason)
    if certificate.revoked_at is not None:
        raise CertificateError(gettext("This certificate is already revoked."))
    certificate.revoked_at = now or utcnow()
    certificate.revoked_reason = reason
    certificate.revoked_by_id = actor.user_id
    audit(actor, AuditAction.CERTIFICATE_REVOKE, certificate.code, user=certificate.user_id, reason=reason)
    return certificate


@transactional
def reissue(actor: Actor, certificate_id: int, name: str, now: datetime | None = None) -> Certificate:
    """Issue a certificate again with a corrected name (the account's name is corrected
    too); the old one is revoked, and the new one says the same about the course."""
    now = now or utcnow()
    old = _certificate_for_admin(actor, certificate_id)
    name = clean_text(name)
    problem = text_problem(name, MAX_NAME, required=True)
    if problem:
        raise CertificateError(field_problem(problem, gettext("The name"), MAX_NAME))
    valid = _valid_certificate_id(old.user_id)
    if valid is not None and valid != old.id:
        raise CertificateError(gettext("This learner holds a newer valid certificate; re-issue that one."))
    if old.revoked_at is None:
        old.revoked_at = now
        old.revoked_reason = "Re-issued after a name correction"
        old.revoked_by_id = actor.user_id
        db.session.flush()
    user = db.session.get(User, old.user_id)
    if user is not None and user.name != name:
        audit(actor, AuditAction.ACCOUNT_UPDATE, user.email, fields=["name"])
        user.name = name
    f = Facts(
        name=name,
        course_id=old.course_id,
        course_title=old.course_title,
        language=old.language,
        study_minutes=old.study_minutes,
        mode=Mode(old.mode),
        units=tuple(old.units),
        issuer=dict(old.issuer),
        content_version=old.content_version,
        completed_at=old.completed_at,
    )
    new = _issue(old.user_id, f, now, replaces_id=old.id)
    if new is None:
        raise CertificateError(gettext("This learner holds a newer valid certificate; re-issue that one."))
    audit(actor, AuditAction.CERTIFICATE_REISSUE, new.code, user=old.user_id, replaces=old.code)
    return new


# --- typeset PDFs --------------------------------------------------------------------------


@transactional
def keep_pdf(certificate_id: int, paper: str, data: bytes) -> None:
    """Keep a certificate's PDF: the first one typeset is the one served ever after."""
    db.session.execute(
        insert(CertificatePdf)
        .values(certificate_id=certificate_id, paper=paper, data=data, created_at=utcnow())
        .on_conflict_do_nothing()
    )


class CertificateStore:
    """:class:`training.guide.PdfStore` for certificates: kept for ever in ``certificate_pdf``,
    typeset within the same limits on builds in flight as the guide's PDFs."""

    def __init__(self, certificate_id: int, paper: str):
        self.certificate_id, self.paper = certificate_id, paper

    def get(self, key: PdfKey) -> bytes | None:
        return stored_pdf(self.certificate_id, self.paper)

    def put(self, key: PdfKey, data: bytes) -> None:
        keep_pdf(self.certificate_id, self.paper, data)

    @contextmanager
    def building(self, key: PdfKey, user: str | None) -> Iterator[bool]:
        with DatabaseStore().building(key, user) as mine:
            yield mine


# --- public look-ups ------------------------------------------------------------------------


@transactional
def note_lookup(ip: str, now: datetime | None = None) -> datetime | None:
    """Count a look-up of a certificate from this address; when the address is past its limit
    (``VERIFY_MAX_LOOKUPS`` per ``VERIFY_WINDOW``), when it may look again. The counters live
    in the database, so every server counts together."""
    now = now or utcnow()
    config = current_app.config
    window: timedelta = config["VERIFY_WINDOW"]
    key = f"verify:{ip[:64]}"
    row = db.session.get(LoginThrottle, key, with_for_update=True)
    if row is None:
        row = LoginThrottle(key=key, failures=0, window_started_at=now)
        db.session.add(row)
    if row.locked_until is not None and row.locked_until > now:
        return row.locked_until
    if row.window_started_at + window < now:
        row.failures, row.window_started_at, row.locked_until = 0, now, None
    row.failures += 1
    if row.failures > config["VERIFY_MAX_LOOKUPS"]:
        row.locked_until = row.window_started_at + window
        return row.locked_until
    return None
