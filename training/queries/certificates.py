"""Reads of single certificates: a learner's own, one by its code (the public verification
page), one for an administrator or a trainer, the stored PDFs and the revoked positions.
Lists and counts over many learners are in :mod:`training.reports.certificates`."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import Certificate, CertificatePdf, Membership
from ..permissions import Actor, GroupRole, NotFound, Role
from .groups import trainer_group_ids

_ISSUED = sa.select(Certificate.id).where(Certificate.user_id == sa.bindparam("user_id")).limit(1)


def has_certificate(user_id: int) -> bool:
    """Whether the learner was ever issued a certificate (valid or revoked). Asked inside
    every passing submission's write transaction: a statement built once, run on the
    session's connection after the flush ``Session.execute`` would make."""
    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection().execute(_ISSUED, {"user_id": user_id}).first() is not None


def own_certificate(user_id: int) -> Certificate | None:
    """The learner's certificate: the valid one, else the latest revoked one."""
    return db.session.scalars(
        sa.select(Certificate)
        .where(Certificate.user_id == user_id)
        .order_by(Certificate.revoked_at.is_not(None), Certificate.issued_at.desc(), Certificate.id.desc())
        .limit(1)
    ).first()


def certificate_by_code(code: str) -> Certificate | None:
    return db.session.scalars(sa.select(Certificate).where(Certificate.code == code)).first()


def certificate_for(viewer: Actor, certificate_id: int) -> Certificate:
    """A certificate an administrator, or the trainer of one of the holder's groups, may see;
    :class:`NotFound` otherwise, the same as for a certificate that does not exist."""
    certificate = db.session.get(Certificate, certificate_id)
    if certificate is None:
        raise NotFound("certificate")
    if viewer.role == Role.ADMIN:
        return certificate
    if viewer.role == Role.TRAINER:
        in_group = db.session.scalar(
            sa.select(Membership.id).where(
                Membership.user_id == certificate.user_id,
                Membership.role == GroupRole.LEARNER,
                Membership.group_id.in_(trainer_group_ids(viewer.user_id)),
            )
        )
        if in_group is not None:
            return certificate
    raise NotFound("certificate")


def certificate_history(user_id: int) -> list[Certificate]:
    """Every certificate of a learner, newest first (re-issues and revocations)."""
    return list(
        db.session.scalars(
            sa.select(Certificate).where(Certificate.user_id == user_id).order_by(Certificate.issued_at.desc())
        )
    )


def stored_pdf(certificate_id: int, paper: str) -> bytes | None:
    return db.session.scalar(
        sa.select(CertificatePdf.data).where(
            CertificatePdf.certificate_id == certificate_id, CertificatePdf.paper == paper
        )
    )


def revoked_positions() -> list[int]:
    """The revocation list's set bits: the positions of revoked certificates."""
    return list(db.session.scalars(sa.select(Certificate.status_index).where(Certificate.revoked_at.is_not(None))))
