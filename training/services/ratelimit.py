"""Rate limits for requests that send mail or create accounts, counted in the database so
that every worker and every server shares one count (an in-process limiter would allow n
times the limit with n workers).

A fixed window per key: the first request starts it, each request adds one, and the window
starts again once it is over. One upsert counts and reads in a single statement, so two
requests at the same moment can neither lose a count nor collide on the key.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from ..database import insert, transactional
from ..extensions import db
from ..models import RateLimit, utcnow


class RateLimited(Exception):
    """Too many requests from this client: the view answers 429."""


def client_key(scope: str, ip: str) -> str:
    return f"{scope}:client:{ip[:64]}"


def account_key(scope: str, user_id: int | None) -> str:
    return f"{scope}:account:{user_id}"


def address_key(scope: str, email: str) -> str:
    return f"{scope}:address:{email[:254]}"


@transactional
def hit(key: str, limit: int, window: timedelta, now: datetime | None = None) -> bool:
    """Count one request against ``key`` in a transaction of its own; True while the count
    stays within ``limit``."""
    return count(key, limit, window, now)


def count(key: str, limit: int, window: timedelta, now: datetime | None = None) -> bool:
    """:func:`hit` inside a write already open, so the count commits with the action."""
    now = now or utcnow()
    expired = RateLimit.window_started_at <= now - window
    started = sa.bindparam("started", now, type_=RateLimit.window_started_at.type)
    statement = (
        insert(RateLimit)
        .values(key=key, window_started_at=now, hits=1)
        .on_conflict_do_update(
            index_elements=[RateLimit.key],
            set_={
                "hits": sa.case((expired, 1), else_=RateLimit.hits + 1),
                "window_started_at": sa.case((expired, started), else_=RateLimit.window_started_at),
            },
        )
        .returning(RateLimit.hits)
    )
    return int(db.session.execute(statement).scalar_one()) <= limit
