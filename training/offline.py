"""Offline reading, as plain rules (no Flask, no database): what a saved unit is made of,
the version that tells a saved copy is out of date, the key that keeps one account's saved
pages apart from another's on a shared device, and the shape of an idempotency key.

The browser side lives in ``static/offline-store.js`` (storage and sync, shared by the page
and the service worker), ``static/offline.js`` (the page) and ``templates/offline/sw.js``;
docs/offline.md explains how the parts fit.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .content import Catalogue, Unit

SAVE_HEADER = "Offline-Save"
"""Sent by a device when it saves a page for offline use: saving a unit is not reading it,
so a lesson fetched this way is not counted as opened."""
SAVE_ENVIRON = "HTTP_" + SAVE_HEADER.upper().replace("-", "_")
"""The same header as the WSGI server hands it over."""


def saving(environ: Mapping[str, Any]) -> bool:
    """Whether a request (its WSGI environ) comes from a device saving the page. Read from
    the environ: a header missing from ``request.headers`` costs an exception, and this one
    is missing from nearly every request."""
    return environ.get(SAVE_ENVIRON) == "1"


IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
"""What a client may send as an idempotency key: 16 to 64 URL-safe characters (a random
token from the server's form, or ``crypto.randomUUID()`` from the device)."""


def valid_idempotency_key(key: str | None) -> bool:
    return bool(key) and IDEMPOTENCY_KEY.match(key) is not None  # type: ignore[arg-type]


@lru_cache(maxsize=4096)  # one HMAC per account and key, not one per page
def account_key(secret: str, user_id: int) -> str:
    """An opaque, stable name for one account's storage on a device.

    Stable across sessions, so a learner whose session ended while offline finds their
    saved units and unsent progress again after signing in; opaque, so the storage names
    reveal nothing; different for every account, so one learner's saved pages are never
    served to the next person who signs in on the same phone.
    """
    digest = hmac.new(secret.encode(), f"offline-account:{user_id}".encode(), hashlib.sha256)
    return digest.hexdigest()[:20]


def unit_version(unit: Unit) -> str:
    """Changes whenever the unit or any of its lessons changes (and only then), so a saved
    copy is refreshed when, and only when, what it holds is out of date."""
    parts = [unit.version, *(f"{lesson.id}:{lesson.version}" for lesson in unit.lessons), unit.quiz_id or ""]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:16]


def short_name(title: str) -> str:
    """A name short enough for a phone's home screen (about 12 characters)."""
    return title if len(title) <= 12 else title.split()[-1]


@dataclass(frozen=True, slots=True)
class QueuedRead:
    """One "mark as read" a device queued while offline, checked against the course."""

    key: str
    unit_id: str
    lesson_id: str
    version: str
    """The lesson's content version now (the version the learner read offline may be older;
    the record notes the version it is counted against, as an online "mark as read" does)."""


def read_queued(actions: list, catalogue: Catalogue) -> tuple[list[QueuedRead], dict[int, str]]:
    """Split what a device sent into the reads to apply and, by position, why the others
    cannot be ("invalid": not a well-formed request; "unknown_lesson": no longer in the course)."""
    reads: list[QueuedRead] = []
    rejected: dict[int, str] = {}
    for index, action in enumerate(actions):
        fields = [action.get(name) if isinstance(action, dict) else None for name in ("key", "unit", "lesson")]
        key, unit_id, lesson_id = fields
        if not isinstance(key, str) or not valid_idempotency_key(key):
            rejected[index] = "invalid"
            continue
        if not isinstance(unit_id, str) or not isinstance(lesson_id, str):
            rejected[index] = "invalid"
            continue
        try:
            lesson = catalogue.lesson(unit_id, lesson_id)
        except KeyError:
            rejected[index] = "unknown_lesson"
            continue
        reads.append(QueuedRead(key, unit_id, lesson_id, lesson.version))
    return reads, rejected
