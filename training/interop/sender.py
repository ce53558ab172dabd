"""Delivering the outbox: ``training outbox send`` runs this, never a learner's request.

Each round claims a batch of due messages (a short transaction), sends them over HTTP with a
timeout (no transaction open), then records the outcome (another short transaction). A
record store that is down, slow or refuses the credentials leaves the messages pending, to
be tried again later; a statement the store calls invalid is set aside as rejected (and the
rest of its batch still goes through), so one bad message never blocks the others.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import requests
from flask import current_app

from ..services import outbox
from . import xapi

log = logging.getLogger(__name__)
INVALID = {400, 422}
"""Answers meaning "this statement is not valid" (422: record stores built on FastAPI)."""


@dataclass
class Round:
    sent: int = 0
    failed: int = 0
    rejected: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.failed + self.rejected


def send_due(limit: int | None = None, now: datetime | None = None) -> Round:
    """Send every due message once (in batches); returns what happened. ``now`` is for tests
    that need a retry to be due without waiting."""
    total = Round()
    if not outbox.enabled():
        return total
    batch = limit or current_app.config["OUTBOX_BATCH"]
    while True:
        claimed = outbox.claim(outbox.XAPI, batch, now)
        if not claimed:
            return total
        outcome = _send_xapi(claimed)
        total.sent += outcome.sent
        total.failed += outcome.failed
        total.rejected += outcome.rejected
        if outcome.failed:
            return total  # the store is not answering: wait for the next round


def _session() -> requests.Session:
    config = current_app.config
    session = requests.Session()
    session.headers["X-Experience-API-Version"] = xapi.VERSION
    if config.get("XAPI_USERNAME"):
        session.auth = (config["XAPI_USERNAME"], config.get("XAPI_PASSWORD") or "")
    return session


def _statements_url() -> str:
    return str(current_app.config["XAPI_ENDPOINT"]).rstrip("/") + "/statements"


def _post(session: requests.Session, statements: list[dict[str, Any]]) -> requests.Response:
    return session.post(_statements_url(), json=statements, timeout=current_app.config["OUTBOX_TIMEOUT"])


def _send_xapi(claimed: list[outbox.Claimed]) -> Round:
    result = Round()
    ids = [c.id for c in claimed]
    with _session() as session:
        try:
            response = _post(session, [c.payload for c in claimed])
        except requests.RequestException as exc:
            outbox.mark_failed(ids, f"record store unreachable: {exc}")
            result.failed = len(ids)
            return result
        if response.ok:
            outbox.mark_sent(ids)
            result.sent = len(ids)
            return result
        if response.status_code not in INVALID and response.status_code != 409:
            outbox.mark_failed(ids, f"record store answered {response.status_code}: {response.text[:500]}")
            result.failed = len(ids)
            return result
        # Something in the batch was refused: send one by one to find it.
        for message in claimed:
            try:
                single = _post(session, [message.payload])
            except requests.RequestException as exc:
                outbox.mark_failed([message.id], f"record store unreachable: {exc}")
                result.failed += 1
                continue
            if single.ok:
                outbox.mark_sent([message.id])
                result.sent += 1
            elif single.status_code == 409:
                # The store already holds a statement with this id: a once-only event (a lesson
                # read, a unit complete) recorded before, e.g. by a database restored from backup.
                outbox.mark_sent([message.id], note=f"already in the record store: {single.text[:300]}")
                result.sent += 1
            elif single.status_code in INVALID:
                log.warning("xAPI statement %s refused: %s", message.payload.get("id"), single.text[:500])
                outbox.mark_failed([message.id], f"refused ({single.status_code}): {single.text}", permanent=True)
                result.rejected += 1
            else:
                outbox.mark_failed([message.id], f"record store answered {single.status_code}")
                result.failed += 1
    return result
