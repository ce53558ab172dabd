"""Typeset PDFs kept in the database, and the places that limit builds in flight.

Why the database and not a folder: every app server already shares it, on SQLite (one
machine) as on PostgreSQL (many), so a PDF typeset by one server is served by all the others
with nothing more to deploy (no shared file system, whose locks are unreliable over NFS),
and the same transactions that store a PDF also count the builds in flight. PDFs are small
(about 4.5 MB for the whole guide, 50 to 200 KB for a handout or a paper quiz) and the table
keeps at most ``GUIDE_CACHE_MB`` of them, the least recently used going first.

The limits (``GUIDE_BUILDS_IN_FLIGHT`` for the whole cluster, ``GUIDE_BUILDS_PER_USER`` per
person, one build per document) are rows of ``guide_build`` with a fixed number of slots per
scope: taking a place is an insert that the primary key lets only one caller win, on both
databases, without any lock held while the PDF is typeset. A place expires after
``GUIDE_BUILD_TIMEOUT`` seconds, so a server killed mid-build does not hold it for ever.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from .. import metrics
from ..database import insert, transactional
from ..extensions import db
from ..guide import Busy, PdfKey
from ..models import GuideBuild, GuidePdf, utcnow

TOUCH_AFTER = timedelta(minutes=10)
"""A served PDF's ``used_at`` is written again only after this long: reading stays cheap."""


class DatabaseStore:
    """:class:`training.guide.PdfStore` over the ``guide_pdf`` and ``guide_build`` tables."""

    started = 0.0  # when this store's build began (for the build-time metric)

    def get(self, key: PdfKey) -> bytes | None:
        row = db.session.execute(
            sa.select(GuidePdf.data, GuidePdf.used_at).where(GuidePdf.key == key.digest)
        ).one_or_none()
        if row is None:
            return None
        if utcnow() - row.used_at > TOUCH_AFTER:
            _touch(key.digest)
        return row.data

    def put(self, key: PdfKey, data: bytes) -> None:
        """Keep a PDF just typeset (called once per build: the metrics count builds here)."""
        _store(key, data, current_app.config["GUIDE_CACHE_MB"] * 1024 * 1024)
        metrics.GUIDE_BUILDS.labels(key.kind).inc()
        metrics.GUIDE_BUILD_SECONDS.labels(key.kind).observe(time.perf_counter() - self.started)

    @contextmanager
    def building(self, key: PdfKey, user: str | None) -> Iterator[bool]:
        config = current_app.config
        token = _take_places(
            key.digest,
            user,
            config["GUIDE_BUILDS_IN_FLIGHT"],
            config["GUIDE_BUILDS_PER_USER"],
            config["GUIDE_BUILD_TIMEOUT"],
        )
        if token is None:
            yield False
            return
        self.started = time.perf_counter()
        try:
            with metrics.GUIDE_BUILDS_IN_FLIGHT.track_inprogress():
                yield True
        finally:
            _give_back(token)


@transactional
def _touch(digest: str) -> None:
    db.session.execute(sa.update(GuidePdf).where(GuidePdf.key == digest).values(used_at=utcnow()))


@transactional
def _store(key: PdfKey, data: bytes, keep_bytes: int) -> None:
    now = utcnow()
    db.session.execute(
        insert(GuidePdf)
        .values(
            key=key.digest,
            kind=key.kind,
            content_version=key.content_version,
            language=key.language,
            size=len(data),
            data=data,
            created_at=now,
            used_at=now,
        )
        .on_conflict_do_nothing()
    )
    total, old = 0, []
    for digest, size in db.session.execute(sa.select(GuidePdf.key, GuidePdf.size).order_by(GuidePdf.used_at.desc())):
        total += size
        if total > keep_bytes:
            old.append(digest)
    if old:
        db.session.execute(sa.delete(GuidePdf).where(GuidePdf.key.in_(old)))


def _take(scope: str, slots: int, token: str, expires: object) -> bool:
    for slot in range(slots):
        # With RETURNING, a row comes back only if this caller won the slot. (The row count
        # is no guide: on PostgreSQL it was non-zero when the slot was already taken.)
        won = db.session.execute(
            insert(GuideBuild)
            .values(scope=scope, slot=slot, token=token, expires_at=expires)
            .on_conflict_do_nothing()
            .returning(GuideBuild.slot)
        ).first()
        if won is not None:
            return True
    return False


class _SameDocument(Exception):
    """Another caller is typesetting this document (rolls the other places back)."""


def _take_places(digest: str, user: str | None, cluster: int, per_user: int, timeout: int) -> str | None:
    """A token holding a place for this document, this person and the cluster; ``None``
    when the document is being typeset by someone else. Raises Busy at a limit."""
    try:
        return _take_places_once(digest, user, cluster, per_user, timeout)
    except _SameDocument:
        return None


@transactional
def _take_places_once(digest: str, user: str | None, cluster: int, per_user: int, timeout: int) -> str:
    now = utcnow()
    db.session.execute(sa.delete(GuideBuild).where(GuideBuild.expires_at < now))
    token = secrets.token_hex(16)
    expires = now + timedelta(seconds=timeout)
    if not _take(f"pdf:{digest}", 1, token, expires):
        raise _SameDocument
    if user is not None and not _take(f"user:{user}", per_user, token, expires):
        raise Busy("user", retry_after=max(1, timeout // 10))
    if not _take("all", cluster, token, expires):
        raise Busy("all", retry_after=max(1, timeout // 10))
    return token


@transactional
def _give_back(token: str) -> None:
    db.session.execute(sa.delete(GuideBuild).where(GuideBuild.token == token))


def builds_in_flight() -> int:
    """How many PDFs are being typeset now in the whole cluster."""
    return (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(GuideBuild)
            .where(GuideBuild.scope == "all", GuideBuild.expires_at >= utcnow())
        )
        or 0
    )
