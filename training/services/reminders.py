"""Reminders sent by ``training notify`` and the unsubscribe links in them.

:func:`record_and_queue` writes the reminder's row (unique ``key``) and its message in one
transaction; a key already there means the reminder went out before (an earlier run, or
another run at the same moment), and nothing is queued. The unsubscribe link carries a
token signed with the secret key (itsdangerous) naming the person and the kind of reminder:
it works without signing in, changes nothing until its page's button is pressed, and using
it again changes nothing more.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ..database import insert, transactional
from ..extensions import db
from ..models import Reminder, Unsubscribe, User, utcnow
from ..queries.mail import is_unsubscribed
from . import mail

KINDS = ("reminder", "digest")
_SALT = "training.unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def unsubscribe_token(user_id: int, kind: str) -> str:
    return str(_serializer().dumps([user_id, kind]))


def read_unsubscribe_token(token: str) -> tuple[User, str] | None:
    """The account and kind a token names; None when it is forged, damaged or the account is
    gone."""
    try:
        user_id, kind = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if kind not in KINDS or not isinstance(user_id, int):
        return None
    user = db.session.get(User, user_id)
    return (user, kind) if user is not None else None


@transactional
def unsubscribe(user_id: int, kind: str) -> None:
    set_subscribed(user_id, kind, False)


def set_subscribed(user_id: int, kind: str, wanted: bool) -> None:
    """Inside a write: whether the person receives this kind of reminder (the profile page's
    checkbox turns it back on)."""
    if wanted:
        db.session.execute(sa.delete(Unsubscribe).where(Unsubscribe.user_id == user_id, Unsubscribe.kind == kind))
    else:
        db.session.execute(
            insert(Unsubscribe).values(user_id=user_id, kind=kind, created_at=utcnow()).on_conflict_do_nothing()
        )


ONE_CLICK = {"List-Unsubscribe": "One-Click"}
"""The body a mail program posts to the unsubscribe link (RFC 8058)."""


def is_one_click(form: Mapping[str, str]) -> bool:
    """Whether a posted form is exactly RFC 8058's one-click body, which mail programs send
    without a CSRF token: the signed token in the link is its authentication."""
    return dict(form) == ONE_CLICK


@transactional
def record_and_queue(
    key: str, message: str, unsubscribe_kind: str, user_id: int, email: str, language: str | None, **context: Any
) -> bool:
    """Queue one reminder unless its key was recorded already (then False)."""
    inserted = db.session.scalar(
        insert(Reminder)
        .values(key=key, user_id=user_id, kind=message, created_at=utcnow())
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(Reminder.id)
    )
    if inserted is None:  # recorded before: sent already (rowcount is not reliable here on PostgreSQL)
        return False
    if is_unsubscribed(user_id, unsubscribe_kind):
        return False  # unsubscribed since the list was read: recorded, not sent
    unsubscribe_link = mail.link("account.unsubscribe", token=unsubscribe_token(user_id, unsubscribe_kind))
    course_link = mail.link("learn.course_map") if message != "reminder_digest" else mail.link("admin.groups")
    mail.queue(message, email, language, user_id, unsubscribe_url=unsubscribe_link, course_link=course_link, **context)
    return True
