"""The audit trail, newest first (written by :mod:`training.services.audit`)."""

from __future__ import annotations

import sqlalchemy as sa

from ..models import AuditEvent, User
from .paging import Page, paginate


def list_audit(*, action: str = "", page: int = 1, per_page: int = 50) -> Page[tuple[AuditEvent, str | None]]:
    """Events with the email of whoever acted (None for the command line), a page at a time."""
    query = sa.select(AuditEvent, User.email).outerjoin(User, User.id == AuditEvent.actor_id)
    if action:
        query = query.where(AuditEvent.action == action)
    return paginate(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()), page, per_page, rows=True)
