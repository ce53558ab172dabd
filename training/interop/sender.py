"""Delivering the outbox: ``training outbox send`` runs this, never a learner's request.

Each round claims a batch of due messages (a short transaction), sends them over HTTP with a
timeout (no transaction open), then records the outcome (another short transaction). A
record store that is down, slow or refuses the credentials leaves the messages pending, to
be tried again later; a statement the store calls invalid is set aside as rejected (and the
rest of its batch still goes through), so one bad message never blocks the others.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import requests
from flask import current_app

from ..content.model import Catalogue
from ..course import get_catalogue
from ..models import utcnow
from ..progress import CourseProgress, course_progress
from ..queries import lti as lti_reads
from ..queries import outbox as outbox_reads
from ..queries.learning import load_records
from ..services import lti as lti_service
from ..services import outbox
from . import events, grades, lti, xapi

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
    """Send every due message once (in batches), channel by channel; returns what happened.
    ``now`` is for tests that need a retry to be due without waiting."""
    total = Round()
    batch = limit or current_app.config["OUTBOX_BATCH"]
    channels = [(outbox.LTI_ROSTER, _send_rosters), (outbox.LTI_SCORE, _send_scores)]
    if outbox.enabled():
        channels.insert(0, (outbox.XAPI, _send_xapi))
    for channel, send in channels:
        while True:
            claimed = outbox.claim(channel, batch, now)
            if not claimed:
                break
            outcome = send(claimed)
            total.sent += outcome.sent
            total.failed += outcome.failed
            total.rejected += outcome.rejected
            if outcome.failed:
                break  # the other side is not answering: wait for the next round
    return total


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


def _statements(claimed: list[outbox.Claimed], catalogue: Catalogue) -> tuple[list[tuple[int, dict]], list[int]]:
    """Each message's statement, built now from its event; the ids of messages that cannot be
    built any more (a learner or a lesson removed since) come back apart."""
    settings = outbox.xapi_settings(catalogue.source_language)
    assert settings is not None
    learners: dict[int, xapi.Learner | None] = {}
    built, broken = [], []
    for message in claimed:
        try:
            event = events.from_payload(message.payload["event"])
            if event.user_id not in learners:
                learners[event.user_id] = outbox_reads.learner(event.user_id)
            who = learners[event.user_id]
            if who is None:
                raise KeyError("learner")
            statement = {"id": message.payload["id"], **xapi.statement(settings, catalogue, who, event)}
        except (KeyError, ValueError, TypeError):
            broken.append(message.id)
            continue
        built.append((message.id, statement))
    return built, broken


def _queue_completions(claimed: list[outbox.Claimed], catalogue: Catalogue) -> None:
    """The unit and course completions the learners of these messages now hold, queued once
    each (dated when they happened); the next round of :func:`send_due` sends them."""
    touched: dict[int, set[str]] = {}
    for message in claimed:
        event = events.from_payload(message.payload["event"])
        unit_id = events.unit_of(event)
        if unit_id is not None and unit_id in {u.id for u in catalogue.units}:
            touched.setdefault(event.user_id, set()).add(unit_id)
    for user_id, units in touched.items():
        progress = course_progress(catalogue, load_records(user_id))
        found: list[events.Event] = []
        for unit_id in sorted(units):
            found += events.completions(catalogue, progress, user_id, unit_id, utcnow())
        dated = [_dated(event, progress) for event in found]
        if dated:
            outbox.record_completions(user_id, dated)


def _dated(event: events.Event, progress: CourseProgress) -> events.Event:
    if isinstance(event, events.UnitCompleted):
        moment = progress.unit(event.unit_id).completed_at
    else:
        moment = progress.completed_at
    return replace(event, at=moment) if moment is not None else event


def _send_xapi(claimed: list[outbox.Claimed]) -> Round:
    result = Round()
    catalogue = get_catalogue()
    built, broken = _statements(claimed, catalogue)
    if broken:
        outbox.mark_failed(broken, "the learner or the content of this event no longer exists", permanent=True)
        result.rejected += len(broken)
    if not built:
        return result
    ids = [message_id for message_id, _ in built]
    with _session() as session:
        try:
            response = _post(session, [statement for _, statement in built])
        except requests.RequestException as exc:
            outbox.mark_failed(ids, f"record store unreachable: {exc}")
            result.failed += len(ids)
            return result
        if response.ok:
            outbox.mark_sent(ids)
            result.sent += len(ids)
        elif response.status_code not in INVALID and response.status_code != 409:
            outbox.mark_failed(ids, f"record store answered {response.status_code}: {response.text[:500]}")
            result.failed += len(ids)
            return result
        else:
            _one_by_one(session, built, result)
    _queue_completions(claimed, catalogue)
    return result


def _one_by_one(session: requests.Session, built: list[tuple[int, dict]], result: Round) -> None:
    """Something in the batch was refused: send one by one to find it."""
    for message_id, statement in built:
        try:
            single = _post(session, [statement])
        except requests.RequestException as exc:
            outbox.mark_failed([message_id], f"record store unreachable: {exc}")
            result.failed += 1
            continue
        if single.ok:
            outbox.mark_sent([message_id])
            result.sent += 1
        elif single.status_code == 409:
            # The store already holds a statement with this id: a once-only event (a lesson
            # read, a unit complete) recorded before, e.g. by a database restored from backup.
            outbox.mark_sent([message_id], note=f"already in the record store: {single.text[:300]}")
            result.sent += 1
        elif single.status_code in INVALID:
            log.warning("xAPI statement %s refused: %s", statement.get("id"), single.text[:500])
            outbox.mark_failed([message_id], f"refused ({single.status_code}): {single.text}", permanent=True)
            result.rejected += 1
        else:
            outbox.mark_failed([message_id], f"record store answered {single.status_code}")
            result.failed += 1


# --- LTI Advantage: grades and rosters ----------------------------------------------------------

SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"
LINEITEM_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
MEMBERSHIPS_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
MAX_ROSTER_PAGES = 50
_tokens: dict[tuple[str, str, str], tuple[str, float]] = {}
"""Access tokens by (token URL, client id, scopes), in this process only: a token is cheap
to get again, and never written anywhere."""


def _call(method: str, url: str, **kwargs: Any) -> requests.Response:
    """Every request to a platform, with the configured timeout."""
    return requests.request(method, url, timeout=current_app.config["OUTBOX_TIMEOUT"], **kwargs)


class PlatformRefused(Exception):
    """The platform answered, but not as hoped; ``permanent`` when retrying cannot help."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


def _access_token(platform: Any, scopes: tuple[str, ...]) -> str:
    """An OAuth 2 access token from the platform (client credentials, with a JWT assertion
    signed by the tool), kept until shortly before it expires."""
    cache_key = (platform.auth_token_url, platform.client_id, " ".join(scopes))
    cached = _tokens.get(cache_key)
    if cached and cached[1] > time.time() + 30:
        return cached[0]
    now = int(time.time())
    assertion = lti.sign(
        lti.client_assertion(platform.client_id, platform.auth_token_url, platform.token_audience or None, now),
        lti_service.signing_key(),
    )
    response = _call(
        "POST",
        platform.auth_token_url,
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
            "scope": " ".join(scopes),
        },
    )
    if not response.ok:
        raise PlatformRefused(f"token endpoint answered {response.status_code}: {response.text[:300]}")
    body = response.json()
    token = str(body["access_token"])
    _tokens[cache_key] = (token, now + float(body.get("expires_in", 3600)))
    return token


def _with_path(url: str, suffix: str) -> str:
    """``https://lms/lineitems/7?type=x`` + ``/scores`` -> ``https://lms/lineitems/7/scores?type=x``."""
    base, mark, query = url.partition("?")
    return f"{base.rstrip('/')}{suffix}{mark}{query}"


def _line_item(link: Any, resource_id: str, label: str, token: str) -> str:
    """The gradebook column for a unit (or the course) on a course link: found by its
    resource id, or created."""
    known = lti_reads.line_item_url(link.id, resource_id)
    if known:
        return known
    headers = {"Authorization": f"Bearer {token}"}
    found = _call(
        "GET",
        link.lineitems_url,
        params={"resource_id": resource_id, "resource_link_id": link.resource_link_id},
        headers={**headers, "Accept": LINEITEMS_TYPE},
    )
    if found.ok and isinstance(found.json(), list) and found.json():
        url = str(found.json()[0]["id"])
    else:
        created = _call(
            "POST",
            link.lineitems_url,
            json={
                "scoreMaximum": 100,
                "label": label,
                "resourceId": resource_id,
                "resourceLinkId": link.resource_link_id,
            },
            headers={**headers, "Content-Type": LINEITEM_TYPE, "Accept": LINEITEM_TYPE},
        )
        if not created.ok:
            raise PlatformRefused(f"creating a line item: {created.status_code} {created.text[:300]}")
        url = str(created.json()["id"])
    lti_service.remember_line_item(link.id, resource_id, url)
    return url


def _send_scores(claimed: list[outbox.Claimed]) -> Round:
    """For each change, the learner's scores as they stand now, to every gradebook column
    concerned (an LMS keeps the newest, by timestamp)."""
    result = Round()
    catalogue = get_catalogue()
    for message in claimed:
        try:
            event = events.from_payload(message.payload["event"])
            unit_id = catalogue.unit(events.unit_of(event) or "").id
        except (KeyError, ValueError, TypeError):
            outbox.mark_failed([message.id], "the unit of this change no longer exists", permanent=True)
            result.rejected += 1
            continue
        progress = course_progress(catalogue, load_records(event.user_id))
        stamp = utcnow().isoformat(timespec="milliseconds").replace("+00:00", "Z")
        targets = [
            target
            for link in outbox_reads.grade_links(event.user_id)
            for target in grades.score_targets(catalogue, progress, unit_id, link, stamp)
        ]
        try:
            for target in targets:
                _send_score(target)
        except PlatformRefused as exc:
            outbox.mark_failed([message.id], str(exc), permanent=exc.permanent)
            result.rejected += exc.permanent
            result.failed += not exc.permanent
            continue
        except (requests.RequestException, ValueError, KeyError) as exc:
            outbox.mark_failed([message.id], f"platform unreachable or unclear: {exc}")
            result.failed += 1
            continue
        outbox.mark_sent([message.id])
        result.sent += 1
    return result


def _send_score(target: grades.ScoreTarget) -> None:
    link = lti_reads.get_link(target.link_id)
    platform = lti_reads.get_platform(link.platform_id) if link else None
    if link is None or platform is None or not platform.active:
        raise PlatformRefused("the link or its platform is gone", permanent=True)
    scopes = lti.SCORE_SCOPES if target.lineitem else lti.SCORE_SCOPES + (lti.SCOPE_LINEITEM,)
    token = _access_token(platform, scopes)
    lineitem = target.lineitem or _line_item(link, target.resource_id, target.label, token)
    response = _call(
        "POST",
        _with_path(lineitem, "/scores"),
        data=json.dumps(target.score),
        headers={"Authorization": f"Bearer {token}", "Content-Type": SCORE_TYPE},
    )
    if response.status_code == 401:
        _tokens.clear()  # the platform forgot the token: get a new one next time
    if response.status_code in INVALID or response.status_code in (404, 415):
        raise PlatformRefused(f"score refused: {response.status_code} {response.text[:300]}", permanent=True)
    if not response.ok:
        raise PlatformRefused(f"score not taken: {response.status_code} {response.text[:300]}")


def _send_rosters(claimed: list[outbox.Claimed]) -> Round:
    """Names and Role Provisioning: read the course's roster (page by page) and fill its group."""
    result = Round()
    for message in claimed:
        context = lti_reads.get_context(message.payload["context"])
        platform = lti_reads.get_platform(context.platform_id) if context else None
        if context is None or platform is None or not context.memberships_url:
            outbox.mark_failed([message.id], "the course or its roster service is gone", permanent=True)
            result.rejected += 1
            continue
        if not platform.active:
            outbox.mark_failed([message.id], "the platform is turned off here", permanent=True)
            result.rejected += 1
            continue
        try:
            token = _access_token(platform, (lti.SCOPE_NRPS,))
            members: list[lti_service.Member] = []
            url: str | None = context.memberships_url
            for _page in range(MAX_ROSTER_PAGES):
                if url is None:
                    break
                response = _call("GET", url, headers={"Authorization": f"Bearer {token}", "Accept": MEMBERSHIPS_TYPE})
                if response.status_code == 401:
                    _tokens.clear()
                if not response.ok:
                    raise PlatformRefused(f"roster: {response.status_code} {response.text[:300]}")
                for member in response.json().get("members", []):
                    members.append(
                        lti_service.Member(
                            sub=str(member.get("user_id", "")),
                            name=str(member.get("name") or ""),
                            roles=tuple(member.get("roles") or ()),
                            active=member.get("status", "Active") == "Active",
                        )
                    )
                url = response.links.get("next", {}).get("url")
        except (PlatformRefused, requests.RequestException, ValueError) as exc:
            outbox.mark_failed([message.id], f"roster not read: {exc}")
            result.failed += 1
            continue
        lti_service.apply_roster(context.id, members)
        outbox.mark_sent([message.id])
        result.sent += 1
    return result
