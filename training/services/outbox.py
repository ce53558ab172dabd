"""The outbox: messages for other systems, queued in the transaction that records the change.

:func:`record` is called from inside the write functions of ``learning`` and ``attempts``
(and a trainer's completion marks), so a statement exists exactly when the progress it
reports was committed. A sender (``training outbox send``) later claims due messages with
:func:`claim`, delivers them outside any transaction, and reports back with
:func:`mark_sent` or :func:`mark_failed`; failures wait longer each time (30 s doubling, at
most 6 h). Claims are conditional updates, so several senders never send one message twice.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..content.model import Catalogue
from ..course import get_catalogue
from ..database import insert, transactional
from ..extensions import db
from ..interop import events, lti, xapi
from ..models import (
    GroupRole,
    LtiAccount,
    LtiContext,
    LtiResourceLink,
    Membership,
    OutboxMessage,
    OutboxState,
    User,
    utcnow,
)
from ..progress import CourseProgress, Status, course_progress

XAPI = "xapi"
LTI_SCORE = "lti-score"
LTI_ROSTER = "lti-roster"
CLAIM_FOR = timedelta(minutes=5)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=6)
MAX_ERROR = 2000


def xapi_settings() -> xapi.Settings | None:
    """The record store's settings, or None when no store is configured."""
    config = current_app.config
    if not config.get("XAPI_ENDPOINT"):
        return None
    return xapi.Settings(
        base=str(config["XAPI_ACTIVITY_BASE"]).rstrip("/"),
        identify_by=config["XAPI_IDENTIFY_BY"],
        language=get_catalogue().source_language,
    )


def dedupe_key(event: events.Event) -> str | None:
    """One message per learner for events that happen once; None for repeatable ones."""
    match event:
        case events.LessonRead():
            return f"lesson-read:{event.user_id}:{event.unit_id}:{event.lesson_id}"
        case events.AttemptStarted():
            return f"attempt-started:{event.user_id}:{event.quiz_id}:{event.attempt_no}"
        case events.AttemptSubmitted():
            return f"attempt-submitted:{event.user_id}:{event.quiz_id}:{event.attempt_no}"
        case events.UnitCompleted():
            return f"unit-completed:{event.user_id}:{event.unit_id}"
        case events.CourseCompleted():
            return f"course-completed:{event.user_id}"
    return None


def enabled() -> bool:
    return xapi_settings() is not None


def record(user_id: int, found: Sequence[events.Event], unit_id: str | None = None) -> None:
    """Queue the messages for ``found`` (and, when ``unit_id`` changed, the unit and course
    completions the learner now holds): xAPI statements when a record store is configured,
    gradebook scores when the learner came from an LMS link with a grade service. Call
    inside the write transaction; with neither, the learner's request pays one small query."""
    settings = xapi_settings()
    links = _grade_links(user_id) if unit_id is not None else []
    found = list(found)
    if not found or (settings is None and not links):
        return
    catalogue = get_catalogue()
    progress = None
    if unit_id is not None:
        from .learning import load_records  # the records as this transaction sees them

        progress = course_progress(catalogue, load_records(user_id))
        found += events.completions(catalogue, progress, user_id, unit_id, found[-1].at)
    rows = []
    if settings is not None:
        user = db.session.get(User, user_id)
        if user is not None:
            learner = xapi.Learner(user.id, user.email, user.name)
            for event in found:
                key = dedupe_key(event)
                body = {"id": xapi.statement_id(settings, key), **xapi.statement(settings, catalogue, learner, event)}
                rows.append(_row(XAPI, key, user_id, body, event.at))
    graded = any(isinstance(e, events.AttemptSubmitted | events.UnitCompleted | events.CourseCompleted) for e in found)
    if links and graded and progress is not None and unit_id is not None:
        rows += _score_rows(catalogue, progress, user_id, unit_id, links, found[-1].at)
    if rows:
        new = insert(OutboxMessage).values(rows).on_conflict_do_nothing(index_elements=["channel", "dedupe_key"])
        db.session.execute(new)


@dataclass(frozen=True, slots=True)
class GradeLink:
    link_id: int
    unit_id: str
    lineitems_url: str
    lineitem_url: str
    can_create_items: bool
    sub: str


def _grade_links(user_id: int) -> list[GradeLink]:
    """The LMS links whose gradebook this learner's results go to: links in LMS courses
    whose group has the learner, on platforms that know the learner."""
    rows = db.session.execute(
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
                Membership.user_id == user_id,
                Membership.role == GroupRole.LEARNER,
            ),
        )
        .join(
            LtiAccount,
            sa.and_(LtiAccount.platform_id == LtiResourceLink.platform_id, LtiAccount.user_id == user_id),
        )
    )
    return [
        GradeLink(row.id, row.unit_id, row.lineitems_url, row.lineitem_url, lti.SCOPE_LINEITEM in row.scopes, row.sub)
        for row in rows
        if lti.SCOPE_SCORE in row.scopes
    ]


def _score_rows(
    catalogue: Catalogue, progress: CourseProgress, user_id: int, unit_id: str, links: list[GradeLink], at: datetime
) -> list[dict]:
    """Scores for the unit that changed and for the course, to each link's gradebook column:
    a unit link gets its unit; a course link gets every unit and the course when it may
    create columns, or the course alone in the column the LMS gave it."""
    unit = progress.unit(unit_id)
    best = unit.quiz.best_percent if unit.quiz is not None else None
    unit_given = best if best is not None else (100 if unit.status == Status.COMPLETE else None)
    unit_score = (unit_given, unit.status == Status.COMPLETE, unit_given is not None)
    course_given = 100 * progress.units_complete / len(progress.units) if progress.units else 0
    course_score = (course_given, progress.status == Status.COMPLETE, True)
    stamp = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    rows = []
    for link in links:
        targets: list[tuple[str, str, str, tuple]] = []
        if link.unit_id:
            if link.unit_id == unit_id and link.lineitem_url:
                targets.append((unit_id, catalogue.unit(unit_id).title, link.lineitem_url, unit_score))
        elif link.can_create_items and link.lineitems_url:
            targets.append((unit_id, catalogue.unit(unit_id).title, "", unit_score))
            targets.append(("course", catalogue.guide.title, link.lineitem_url, course_score))
        elif link.lineitem_url:
            targets.append(("course", catalogue.guide.title, link.lineitem_url, course_score))
        for resource_id, label, lineitem, (given, completed, graded) in targets:
            body = lti.score(link.sub, given, completed, graded, stamp)
            payload = {
                "link": link.link_id,
                "resource_id": resource_id,
                "label": label,
                "lineitem": lineitem,
                "score": body,
            }
            rows.append(_row(LTI_SCORE, None, user_id, payload, at))
    return rows


def _row(channel: str, key: str | None, user_id: int | None, payload: dict[str, Any], at: datetime) -> dict:
    return {
        "channel": channel,
        "dedupe_key": key,
        "user_id": user_id,
        "payload": payload,
        "state": OutboxState.PENDING,
        "attempts": 0,
        "next_attempt_at": at,
        "claimed_by": "",
        "created_at": at,
        "last_error": "",
    }


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    payload: dict[str, Any]
    attempts: int


@transactional
def claim(channel: str, limit: int, now: datetime | None = None) -> list[Claimed]:
    """Take up to ``limit`` due messages, oldest first, for this sender alone."""
    now = now or utcnow()
    token = secrets.token_hex(8)
    due = (
        sa.select(OutboxMessage.id)
        .where(
            OutboxMessage.channel == channel,
            OutboxMessage.state == OutboxState.PENDING,
            OutboxMessage.next_attempt_at <= now,
            sa.or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    ids = list(db.session.scalars(due))
    if not ids:
        return []
    db.session.execute(
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            OutboxMessage.state == OutboxState.PENDING,
            sa.or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .values(claimed_by=token, claimed_until=now + CLAIM_FOR)
        .execution_options(synchronize_session=False)
    )
    rows = db.session.execute(
        sa.select(OutboxMessage.id, OutboxMessage.payload, OutboxMessage.attempts)
        .where(OutboxMessage.claimed_by == token)
        .order_by(OutboxMessage.id)
    )
    return [Claimed(row.id, row.payload, row.attempts) for row in rows]


@transactional
def mark_sent(ids: Sequence[int], note: str = "", now: datetime | None = None) -> None:
    if ids:
        db.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id.in_(list(ids)))
            .values(state=OutboxState.SENT, sent_at=now or utcnow(), claimed_until=None, last_error=note[:MAX_ERROR])
            .execution_options(synchronize_session=False)
        )


def retry_delay(attempts: int) -> timedelta:
    """30 s after the first failure, doubling, at most 6 h."""
    return min(FIRST_RETRY * 2 ** max(0, attempts - 1), LONGEST_WAIT)


@transactional
def mark_failed(ids: Sequence[int], error: str, permanent: bool = False, now: datetime | None = None) -> None:
    """A delivery failed: try again later, or never (``permanent``: the other system refused
    the message itself)."""
    now = now or utcnow()
    for message_id in ids:
        message = db.session.get(OutboxMessage, message_id)
        if message is None:
            continue
        message.attempts += 1
        message.last_error = error[:MAX_ERROR]
        message.claimed_until = None
        if permanent:
            message.state = OutboxState.REJECTED
        else:
            message.next_attempt_at = now + retry_delay(message.attempts)


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
