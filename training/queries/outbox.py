"""The outbox, read: where a learner's grades go, what waits per channel, and who a statement
is about (the outbox is written by :mod:`training.services.outbox`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..interop import lti, xapi
from ..interop.grades import GradeLink
from ..models import (
    GroupRole,
    LtiAccount,
    LtiContext,
    LtiPlatform,
    LtiResourceLink,
    Membership,
    OutboxMessage,
    OutboxState,
    User,
)

_LEARNER: sa.BindParameter[int] = sa.bindparam("user_id")
_GRADE_LINKS = (
    sa.select(
        LtiResourceLink.id,
        LtiResourceLink.unit_id,
        LtiResourceLink.lineitems_url,
        LtiResourceLink.lineitem_url,
        LtiResourceLink.scopes,
        LtiAccount.sub,
    )
    .join(LtiContext, LtiContext.id == LtiResourceLink.context_id)
    .join(
        Membership,
        sa.and_(
            Membership.group_id == LtiContext.group_id,
            Membership.user_id == _LEARNER,
            Membership.role == GroupRole.LEARNER,
        ),
    )
    .join(LtiAccount, sa.and_(LtiAccount.platform_id == LtiResourceLink.platform_id, LtiAccount.user_id == _LEARNER))
    .join(LtiPlatform, sa.and_(LtiPlatform.id == LtiResourceLink.platform_id, LtiPlatform.active.is_(True)))
)
"""Built once: every progress write asks it (see :func:`grade_links`)."""


def grade_links(user_id: int) -> list[GradeLink]:
    """The LMS links whose gradebook this learner's results go to: links in LMS courses
    whose group has the learner, on active platforms that know the learner, with a score
    service."""
    return [
        GradeLink(row.id, row.unit_id, row.lineitems_url, row.lineitem_url, lti.SCOPE_LINEITEM in row.scopes, row.sub)
        for row in db.session.execute(_GRADE_LINKS, {"user_id": user_id})
        if lti.SCOPE_SCORE in row.scopes
    ]


@dataclass(frozen=True, slots=True)
class ChannelStatus:
    channel: str
    pending: int
    sent: int
    rejected: int
    oldest_pending: datetime | None
    last_error: str


def status() -> list[ChannelStatus]:
    """What waits in the outbox, per channel (for ``training outbox status``)."""
    rows = db.session.execute(
        sa.select(
            OutboxMessage.channel,
            sa.func.count().filter(OutboxMessage.state == OutboxState.PENDING),
            sa.func.count().filter(OutboxMessage.state == OutboxState.SENT),
            sa.func.count().filter(OutboxMessage.state == OutboxState.REJECTED),
            sa.func.min(OutboxMessage.created_at).filter(OutboxMessage.state == OutboxState.PENDING),
        ).group_by(OutboxMessage.channel)
    ).all()
    result = []
    for channel, pending, sent, rejected, oldest in rows:
        error = db.session.scalar(
            sa.select(OutboxMessage.last_error)
            .where(OutboxMessage.channel == channel, OutboxMessage.last_error != "")
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
        result.append(ChannelStatus(channel, pending, sent, rejected, oldest, error or ""))
    return result


def learner(user_id: int) -> xapi.Learner | None:
    """Who a statement is about, as the record store will see them."""
    user = db.session.get(User, user_id)
    return xapi.Learner(user.id, user.email, user.name) if user is not None else None
