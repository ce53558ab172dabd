"""The mail outbox: messages are written in the transaction of the action that causes them
(so an action and its email commit together or not at all), then sent outside any request.

:func:`queue` renders a message in the recipient's language and adds it to the open write
transaction. :func:`send_pending` claims due messages with a conditional update (on
PostgreSQL after ``SELECT … FOR UPDATE SKIP LOCKED``), so several workers, servers and cron
runs never send the same message twice at once; it hands them to the mail server
(:mod:`training.mailer`) and records each result. A failure is logged on one line and tried
again later with growing delays; after ``MAIL_MAX_ATTEMPTS`` (or a permanent refusal) the
message is marked failed and logged as an error. Nothing is dropped silently.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from .. import mailer
from ..database import changed_rows, transactional
from ..extensions import db
from ..i18n import force_locale, gettext, offered_language
from ..models import MailMessage, utcnow
from ..translatable import N_

log = logging.getLogger("training.mail")

QUEUED = "training.mail_queued"
"""Set in the session's ``info`` when a message was queued: the web layer then starts a
short background send after the response (:mod:`training.web.mail`)."""
CLAIM_LEASE = timedelta(minutes=15)
"""How long a sender owns the messages it claimed; if it dies, others retry after this."""
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=1)
BATCH = 50
DEFAULT_BASE_URL = "http://localhost:5000"
KEEP_SENT = timedelta(days=30)

SUBJECTS = {
    "password_reset": N_("Reset your password"),
    "invitation": N_("Your account for the course %(course)s"),
    "verify_email": N_("Confirm your email address"),
    "already_registered": N_("You already have an account"),
    "email_change": N_("Confirm your new email address"),
    "email_changed": N_("The email address of your account was changed"),
    "reminder_nudge": N_("Your course %(course)s is waiting for you"),
    "reminder_ending": N_("Your group %(group)s ends soon"),
    "reminder_digest": N_("Your groups this week"),
}
"""Every message the platform sends: its subject, and its two templates
``templates/mail/<kind>.txt`` and ``.html``."""


def link(endpoint: str, **values: Any) -> str:
    """An absolute link for an email, from ``BASE_URL``, never from the request's Host header
    (which a client chooses: a reset link must not point at someone else's site)."""
    base = urlsplit(current_app.config.get("BASE_URL") or DEFAULT_BASE_URL)
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


def message_language(language: str | None) -> str:
    """The person's language if the platform offers it, else the default."""
    return offered_language(language) or current_app.config["DEFAULT_LANGUAGE"]


def render(kind: str, language: str, **context: Any) -> tuple[str, str, str]:
    """Subject, plain text and HTML of a message in ``language``. Rendered from the app's
    template environment without the page context processors: no request is needed (the
    command line sends invitations too), and nothing about the current visitor leaks in."""
    env = current_app.jinja_env
    course_name = cast(Callable[[str], str], env.globals["course_name"])  # set by the web layer's templating
    context.setdefault("course_title", course_name(language))
    with force_locale(language.replace("-", "_")):
        subject = gettext(SUBJECTS[kind], course=context["course_title"], group=context.get("group", ""))
        text = env.get_template(f"mail/{kind}.txt").render(language=language, **context)
        html = env.get_template(f"mail/{kind}.html").render(language=language, subject=subject, **context)
    return subject, text, html


def queue(
    kind: str,
    to: str,
    language: str | None,
    user_id: int | None = None,
    unsubscribe_url: str | None = None,
    **context: Any,
) -> MailMessage:
    """Add a message to the write transaction already open (call from a service function).
    ``unsubscribe_url``, for a message a person may turn off, is also given to the templates
    as ``unsubscribe_link`` and sent in the ``List-Unsubscribe`` headers."""
    language = message_language(language)
    if unsubscribe_url is not None:
        context["unsubscribe_link"] = unsubscribe_url
    subject, text, html = render(kind, language, **context)
    message = MailMessage(
        kind=kind,
        to_address=to,
        user_id=user_id,
        language=language,
        subject=subject,
        text_body=text,
        html_body=html,
        unsubscribe_url=unsubscribe_url,
        next_attempt_at=utcnow(),
    )
    db.session.add(message)
    db.session.info[QUEUED] = True
    return message


def queued_here() -> bool:
    """Whether this app context queued a message (and forget it): the web layer's cue. A
    request that never opened a database session queued nothing (and opens none here)."""
    if not db.session.registry.has():
        return False
    return bool(db.session.info.pop(QUEUED, False))


# --- sending ------------------------------------------------------------------------------


def _due(now: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        MailMessage.sent_at.is_(None),
        MailMessage.failed_at.is_(None),
        MailMessage.next_attempt_at <= now,
        sa.or_(MailMessage.claimed_until.is_(None), MailMessage.claimed_until < now),
    )


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    attempts: int
    outgoing: mailer.Outgoing


@transactional
def claim(limit: int = BATCH, now: datetime | None = None) -> list[Claimed]:
    """Take up to ``limit`` due messages for this sender: one conditional UPDATE marks them
    claimed (and counts the attempt), so a message is claimed by one sender at a time
    whatever runs at once; PostgreSQL skips rows another sender has locked."""
    now = now or utcnow()
    candidates = sa.select(MailMessage.id).where(_due(now)).order_by(MailMessage.next_attempt_at, MailMessage.id)
    if db.session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(candidates.limit(limit)))
    if not ids:
        return []
    rows = db.session.execute(
        sa.update(MailMessage)
        .where(MailMessage.id.in_(ids), _due(now))
        .values(claimed_until=now + CLAIM_LEASE, attempts=MailMessage.attempts + 1)
        .returning(
            MailMessage.id,
            MailMessage.attempts,
            MailMessage.to_address,
            MailMessage.subject,
            MailMessage.text_body,
            MailMessage.html_body,
            MailMessage.language,
            MailMessage.kind,
            MailMessage.unsubscribe_url,
        )
        .execution_options(synchronize_session=False)
    ).all()
    return sorted(
        (
            Claimed(
                r.id,
                r.attempts,
                mailer.Outgoing(
                    r.to_address, r.subject, r.text_body, r.html_body, r.language, r.kind, r.unsubscribe_url
                ),
            )
            for r in rows
        ),
        key=lambda c: c.id,
    )


@transactional
def record_sent(message_id: int, now: datetime | None = None) -> None:
    """Sent: the bodies and the unsubscribe link are blanked (their links are secrets), the
    rest kept for the record."""
    db.session.execute(
        sa.update(MailMessage)
        .where(MailMessage.id == message_id)
        .values(
            sent_at=now or utcnow(), claimed_until=None, text_body="", html_body="", unsubscribe_url=None, last_error=""
        )
    )


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 … minutes after each failed attempt, at most an hour."""
    return min(FIRST_RETRY * 2 ** max(0, attempts - 1), LONGEST_RETRY)


@transactional
def record_failure(claimed: Claimed, error: mailer.SendFailed, now: datetime | None = None) -> None:
    """Not sent: try again later, or give up (permanent refusal, or no attempt left)."""
    now = now or utcnow()
    limit = int(current_app.config["MAIL_MAX_ATTEMPTS"])
    what = f"mail #{claimed.id} ({claimed.outgoing.kind}) to {claimed.outgoing.to}"
    if error.permanent or claimed.attempts >= limit:
        values: dict[str, Any] = {"failed_at": now}
        log.error("%s NOT SENT, given up after attempt %d of %d: %s", what, claimed.attempts, limit, error)
    else:
        values = {"next_attempt_at": now + retry_delay(claimed.attempts)}
        log.warning(
            "%s not sent (attempt %d of %d): %s; next try at %s",
            what,
            claimed.attempts,
            limit,
            error,
            values["next_attempt_at"].isoformat(timespec="seconds"),
        )
    db.session.execute(
        sa.update(MailMessage)
        .where(MailMessage.id == claimed.id)
        .values(claimed_until=None, last_error=str(error)[:500], **values)
    )


@dataclass(frozen=True, slots=True)
class SendReport:
    sent: int = 0
    retry: int = 0
    """Not sent this time; tried again later."""
    failed: int = 0
    """Given up on (each logged as an error)."""
    unreachable: bool = False
    """The mail server could not be reached: sending stopped for now."""

    def __add__(self, other: SendReport) -> SendReport:
        return SendReport(
            self.sent + other.sent, self.retry + other.retry, self.failed + other.failed, other.unreachable
        )


def send_batch(batch: Sequence[Claimed]) -> SendReport:
    """Hand claimed messages to the mail server over one connection and record each result.
    When the server cannot be reached at all, every message of the batch is retried later."""
    config = current_app.config
    sent = retry = failed = 0
    unreachable = False
    with mailer.connect(config) as connection:
        for index, claimed in enumerate(batch):
            try:
                connection.send(mailer.build(claimed.outgoing, config["MAIL_SENDER"]))
            except mailer.SendFailed as error:
                rest = batch[index:] if error.connection else [claimed]
                for item in rest:
                    record_failure(item, error)
                    gave_up = error.permanent or item.attempts >= int(config["MAIL_MAX_ATTEMPTS"])
                    failed, retry = failed + gave_up, retry + (not gave_up)
                if error.connection:
                    unreachable = True
                    break
            else:
                record_sent(claimed.id)
                sent += 1
    return SendReport(sent, retry, failed, unreachable)


def send_pending(rounds: int | None = None, limit: int = BATCH) -> SendReport:
    """Send every due message (or at most ``rounds`` batches): what the command and the
    background try after a request both run."""
    report = SendReport()
    done = 0
    while rounds is None or done < rounds:
        batch = claim(limit)
        if not batch:
            break
        report += send_batch(batch)
        done += 1
        if report.unreachable:
            break  # the rest stay due, untouched, for the next run
    return report


@transactional
def forget_sent(older_than: timedelta = KEEP_SENT, now: datetime | None = None) -> int:
    """Remove the record of messages sent more than ``older_than`` ago."""
    result = db.session.execute(
        sa.delete(MailMessage).where(
            MailMessage.sent_at.is_not(None), MailMessage.sent_at < (now or utcnow()) - older_than
        )
    )
    return changed_rows(result)
