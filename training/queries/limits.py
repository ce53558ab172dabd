"""Rate-limit counts, read without counting (the counting is :mod:`training.services.ratelimit`)."""

from __future__ import annotations

from datetime import datetime, timedelta

from ..extensions import db
from ..models import RateLimit, utcnow


def exceeded(key: str, limit: int, window: timedelta, now: datetime | None = None) -> bool:
    """Whether ``key`` already used up its ``limit`` in the current window."""
    now = now or utcnow()
    row = db.session.get(RateLimit, key)
    return row is not None and row.window_started_at > now - window and row.hits >= limit
