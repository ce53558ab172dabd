"""The guide worker's queue: PDFs asked for and not stored yet, one job per document across
every app server, typeset by ``training guide work`` instead of inside a request.

Off by default (``GUIDE_WORKER``): one machine typesets within the request, under the shared
limits of :mod:`training.services.guide_pdfs`, and needs no extra process. With it on, a
request for a missing PDF records a job (an insert that the primary key lets only one caller
make, on both databases) and shows a page that refreshes until the PDF is stored.

A worker claims the oldest waiting job with one conditional UPDATE, so two workers never take
the same job; on PostgreSQL the candidate is first read ``FOR UPDATE SKIP LOCKED`` so that
workers do not queue behind each other's row lock (SQLite has one writer at a time anyway). A
job left ``building`` by a worker that died is taken again after ``GUIDE_BUILD_TIMEOUT``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..database import changed_rows, insert, transactional
from ..extensions import db
from ..guide import Busy, Document
from ..models import GuideJob, utcnow

RETRY_FAILED_AFTER = timedelta(minutes=10)
"""A document that failed is tried again when someone asks for it after this long."""


@dataclass(frozen=True)
class Claimed:
    """A job a worker took: the document's key, language and describing parts."""

    key: str
    language: str
    parts: dict[str, Any]
    tries: int


@transactional
def ask(document: Document, user: str | None) -> str:
    """Queue ``document`` unless it is queued already; the job's status: ``waiting``,
    ``building`` or ``failed``. Raises :class:`Busy` when ``user`` has too many waiting."""
    now = utcnow()
    status = db.session.scalar(sa.select(GuideJob.status).where(GuideJob.key == document.key.digest))
    if status is None:
        if user is not None and _unfinished(user) >= current_app.config["GUIDE_JOBS_PER_USER"]:
            raise Busy("user", retry_after=5)
        db.session.execute(
            insert(GuideJob)
            .values(
                key=document.key.digest,
                language=document.key.language,
                parts=json.dumps(document.parts, sort_keys=True),
                status="waiting",
                tries=0,
                requested_by=user,
                created_at=now,
            )
            .on_conflict_do_nothing()
        )
        return "waiting"
    # done but no longer stored (the least recently used leave a full store), or failed a while ago
    again = (GuideJob.status == "done") | (
        (GuideJob.status == "failed") & (GuideJob.finished_at < now - RETRY_FAILED_AFTER)
    )
    requeued = db.session.execute(
        sa.update(GuideJob)
        .where(GuideJob.key == document.key.digest, again)
        .values(status="waiting", tries=0, error=None, created_at=now)
    )
    return "waiting" if changed_rows(requeued) else status


def _unfinished(user: str) -> int:
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(GuideJob)
            .where(GuideJob.requested_by == user, GuideJob.status.in_(("waiting", "building")))
        )
        or 0
    )


@transactional
def claim() -> Claimed | None:
    """Take the oldest waiting job (or one whose worker died): ``None`` when there is none."""
    now = utcnow()
    stale = now - timedelta(seconds=current_app.config["GUIDE_BUILD_TIMEOUT"])
    takeable = (GuideJob.status == "waiting") | ((GuideJob.status == "building") & (GuideJob.started_at < stale))
    job = db.session.execute(
        sa.select(GuideJob.key, GuideJob.language, GuideJob.parts, GuideJob.tries, GuideJob.status)
        .where(takeable)
        .order_by(GuideJob.created_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).one_or_none()
    if job is None:
        return None
    taken = db.session.execute(
        sa.update(GuideJob)
        .where(GuideJob.key == job.key, GuideJob.status == job.status, GuideJob.tries == job.tries)
        .values(status="building", tries=job.tries + 1, started_at=now)
    )
    if not changed_rows(taken):  # another worker was first
        return None
    return Claimed(job.key, job.language, json.loads(job.parts), job.tries + 1)


@transactional
def finish(job: Claimed, error: str | None = None) -> None:
    """Mark a claimed job done, or after a failure waiting again (``failed`` after the last try)."""
    if error is None:
        values: dict[str, Any] = {"status": "done", "error": None}
    elif job.tries >= current_app.config["GUIDE_JOB_TRIES"]:
        values = {"status": "failed", "error": error[:2000]}
    else:
        values = {"status": "waiting", "error": error[:2000]}
    db.session.execute(
        sa.update(GuideJob)
        .where(GuideJob.key == job.key, GuideJob.status == "building")
        .values(finished_at=utcnow(), **values)
    )


def waiting() -> int:
    """How many jobs are waiting for a worker (the queue's depth)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(GuideJob).where(GuideJob.status == "waiting")) or 0
