"""The outbox: messages for other systems, queued in the transaction that records the change.

:func:`record` is called from inside the write functions of ``learning`` and ``attempts``
(and a trainer's completion marks) with what happened, as plain events, so a message exists
exactly when the progress it reports was committed; the sender builds statements and scores
from them. A sender (``training outbox send``) later claims due messages with
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

from ..database import insert, transactional
from ..extensions import db
from ..interop import events, xapi
from ..models import OutboxMessage, OutboxState, utcnow
from ..queries.outbox import grade_links

XAPI = "xapi"
LTI_SCORE = "lti-score"
LTI_ROSTER = "lti-roster"
CLAIM_FOR = timedelta(minutes=5)
FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=6)
MAX_ERROR = 2000


def xapi_settings(language: str = "en") -> xapi.Settings | None:
    """The record store's settings, or None when no store is configured."""
    config = current_app.config
    if not config.get("XAPI_ENDPOINT"):
        return None
    return xapi.Settings(
        base=str(config["XAPI_ACTIVITY_BASE"]).rstrip("/"), identify_by=config["XAPI_IDENTIFY_BY"], language=language
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


def record(user_id: int, found: Sequence[events.Event], grades: bool = True) -> None:
    """Queue what other systems must hear about ``found``: the events themselves for the
    record store (when one is configured), and a gradebook update when the learner came from
    an LMS link with a grade service and their progress changed. Call inside the write
    transaction: the messages exist exactly when the progress does. The statements and
    scores are built by the sender, from these events and the progress as it then stands;
    the learner's request pays one small query, and one insert when something is configured
    (docs/security.md XAPI-1)."""
    settings = xapi_settings()
    rows = []
    if settings is not None:
        for event in found:
            key = dedupe_key(event)
            payload = {"id": xapi.statement_id(settings, key), "event": events.to_payload(event)}
            rows.append(_row(XAPI, key, user_id, payload, event.at))
    changed = [e for e in found if events.unit_of(e) is not None]
    if grades and changed and grade_links(user_id):
        rows += [_row(LTI_SCORE, None, user_id, {"event": events.to_payload(e)}, e.at) for e in changed]
    if rows:
        new = insert(OutboxMessage).values(rows).on_conflict_do_nothing(index_elements=["channel", "dedupe_key"])
        db.session.execute(new)


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


@transactional
def record_completions(user_id: int, found: Sequence[events.Event]) -> None:
    """Queue unit and course completions the sender found (each once per learner); the
    gradebook was updated with the change that led to them."""
    record(user_id, found, grades=False)
