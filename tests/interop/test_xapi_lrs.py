"""xAPI statements reach a real learning record store (Ralph, on loopback).

A learner's path through the platform queues statements in the same transactions as the
progress they report; nothing is sent during the learner's requests. ``training outbox send``
delivers them: each arrives once, passes the store's validation, and carries the right actor
(an account, never the email address), verb, object and result. With the store down, they
wait and arrive later.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from training.course import get_catalogue
from training.extensions import db
from training.interop import xapi
from training.interop.sender import send_due
from training.models import GroupRole, OutboxMessage, OutboxState, utcnow
from training.permissions import Actor
from training.services.groups import create_group, upsert_memberships
from training.services.workshops import record_attendance

from ..factories import make_user
from ..helpers import correct_form, mark_read, start_quiz, submit_quiz, wrong_form
from .lrs import PASSWORD, USERNAME, record_store

pytestmark = pytest.mark.server  # a real record store in a subprocess

BASE = "https://training.example.org"
"""Each test adds its own path to the base, so the tests share one store without meeting."""
V = xapi.VERBS


@pytest.fixture(scope="module")
def lrs(tmp_path_factory):
    with record_store(tmp_path_factory.mktemp("lrs")) as store:
        yield store


@pytest.fixture
def base(request) -> str:
    return f"{BASE}/{request.node.name}"


@pytest.fixture
def app_overrides(lrs, base):
    return {
        "XAPI_ENDPOINT": lrs.endpoint,
        "XAPI_USERNAME": USERNAME,
        "XAPI_PASSWORD": PASSWORD,
        "XAPI_ACTIVITY_BASE": base,
    }


def learner_path(client) -> None:
    """Open and read both lessons of unit alpha, fail its quiz once, then pass it."""
    for lesson in ("first-steps", "second-steps"):
        assert client.get(f"/units/alpha/{lesson}").status_code == 200
        assert mark_read(client, "alpha", lesson).status_code == 303
    page = start_quiz(client)
    assert submit_quiz(client, page, wrong_form(page)).status_code == 303
    page = start_quiz(client)
    assert submit_quiz(client, page, correct_form(page)).status_code == 303
    mark_read(client, "alpha", "first-steps")  # reading a lesson again is no new completion


def mine(lrs, user, base: str) -> list[dict]:
    agent = json.dumps({"account": {"homePage": base, "name": str(user.id)}})
    return sorted(lrs.statements(agent=agent), key=lambda s: (s["timestamp"], s["id"]))


def test_a_learners_path_arrives_once_with_actor_verb_object_and_result(app, client, login_as, lrs, base):
    user = login_as("learner", email="amina@ministry.example.org", name="Amina Diallo")
    learner_path(client)
    queued = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert mine(lrs, user, base) == [], "nothing is sent inside the learner's requests"
    assert {m.state for m in queued} == {OutboxState.PENDING}

    result = send_due()
    db.session.expire_all()  # the sender updated the rows with plain UPDATE statements
    sent = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert len(sent) == len(queued) + 1, "the unit's completion is found and queued by the sender"
    assert (result.sent, result.failed, result.rejected) == (len(sent), 0, 0)
    assert {m.state for m in sent} == {OutboxState.SENT}
    order = [m.payload["id"] for m in sent]
    got = sorted(mine(lrs, user, base), key=lambda s: order.index(s["id"]))  # same time: queued order
    assert sorted(s["id"] for s in got) == sorted(order), "each statement arrives once"
    assert all(s["actor"] == {"objectType": "Agent", "account": {"homePage": base, "name": str(user.id)}} for s in got)
    text = json.dumps(got)
    assert "amina@" not in text and "Amina" not in text, "learners are identified by an account, not their email"

    unit = f"{base}/xapi/activities/units/alpha"
    steps = [(s["verb"]["id"], s["object"]["id"]) for s in got]
    assert steps == [
        (V["experienced"], f"{unit}/lessons/first-steps"),
        (V["completed"], f"{unit}/lessons/first-steps"),
        (V["experienced"], f"{unit}/lessons/second-steps"),
        (V["completed"], f"{unit}/lessons/second-steps"),
        (V["attempted"], f"{base}/xapi/activities/quizzes/alpha-quiz"),
        (V["failed"], f"{base}/xapi/activities/quizzes/alpha-quiz"),
        (V["attempted"], f"{base}/xapi/activities/quizzes/alpha-quiz"),
        (V["passed"], f"{base}/xapi/activities/quizzes/alpha-quiz"),
        (V["completed"], unit),
    ]
    failed, passed = got[5], got[7]
    assert failed["result"]["success"] is False and failed["result"]["score"]["scaled"] < 0.7
    assert passed["result"]["success"] is True and passed["result"]["score"] == {
        "scaled": 1.0,
        "raw": 100.0,
        "min": 0,
        "max": 100,
    }
    assert passed["result"]["duration"].startswith("PT")
    assert passed["object"]["definition"]["type"] == xapi.ACTIVITY_TYPES["quiz"]
    assert passed["context"]["contextActivities"]["parent"][0]["id"] == unit
    assert passed["context"]["contextActivities"]["grouping"][0]["id"] == f"{base}/xapi/activities/course"
    assert all("stored" in s for s in got), "the store accepted and stored every statement"

    assert send_due().handled == 0, "nothing is sent twice"
    assert len(mine(lrs, user, base)) == len(got)


def test_with_the_store_down_statements_wait_and_arrive_later(app, client, login_as, lrs, base):
    user = login_as("learner")
    lrs.stop()
    try:
        learner_path(client)
        outcome = send_due()
        assert outcome.sent == 0 and outcome.failed > 0
        waiting = db.session.scalars(sa.select(OutboxMessage)).all()
        assert {m.state for m in waiting} == {OutboxState.PENDING}
        tried = [m for m in waiting if m.attempts]
        assert tried and all(m.attempts == 1 and "unreachable" in m.last_error for m in tried)
        assert send_due().handled == 0, "a failed message waits before it is tried again"
    finally:
        lrs.start()
    outcome = send_due(now=utcnow() + timedelta(minutes=5))
    db.session.expire_all()
    everything = db.session.scalars(sa.select(OutboxMessage)).all()  # with the unit's completion
    assert outcome.failed == 0 and outcome.sent == len(everything) == len(waiting) + 1
    got = mine(lrs, user, base)
    assert sorted(s["id"] for s in got) == sorted(m.payload["id"] for m in everything)


def test_a_statement_the_store_refuses_is_set_aside_and_the_rest_go_through(app, client, login_as, lrs, base):
    user = login_as("learner")
    mark_read(client, "alpha", "first-steps")  # opened, then read
    client.get("/units/alpha/second-steps")
    refused, gone = db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()[:2]
    refused.payload = {**refused.payload, "id": "not-a-uuid"}  # xAPI statement ids are UUIDs
    gone.payload = {**gone.payload, "event": {**gone.payload["event"], "unit_id": "removed-unit"}}
    db.session.commit()
    outcome = send_due()
    assert (outcome.rejected, outcome.failed) == (2, 0) and outcome.sent >= 1
    db.session.expire_all()
    assert refused.state == OutboxState.REJECTED and "refused" in refused.last_error, "the store said why"
    assert gone.state == OutboxState.REJECTED and "no longer exists" in gone.last_error
    assert "not-a-uuid" not in {s["id"] for s in mine(lrs, user, base)}


def test_identifying_learners_by_email_is_a_choice(app, lrs):
    settings = xapi.Settings(BASE, identify_by="email")
    learner = xapi.Learner(7, "amina@ministry.example.org", "Amina Diallo")
    assert xapi.actor(settings, learner) == {
        "objectType": "Agent",
        "name": "Amina Diallo",
        "mbox": "mailto:amina@ministry.example.org",
    }


def test_units_a_trainer_marks_complete_and_the_course_reach_the_store(app, client, login_as, lrs, base):
    learner = make_user()
    trainer = login_as("trainer")
    actor = Actor(trainer.id, trainer.role)
    group = create_group(Actor.command_line(), "Workshop Dakar")
    upsert_memberships(group.id, [(learner.id, GroupRole.LEARNER), (trainer.id, GroupRole.TRAINER)])
    db.session.commit()
    today = utcnow().date()
    for unit in ("beta", "alpha"):
        record_attendance(actor, get_catalogue(), group.id, unit, today, [learner.id], mark_complete=True)
    assert send_due().sent == 3
    got = {(s["verb"]["id"], s["object"]["id"]) for s in mine(lrs, learner, base)}
    assert got == {
        (V["completed"], f"{base}/xapi/activities/units/beta"),
        (V["completed"], f"{base}/xapi/activities/units/alpha"),
        (V["completed"], f"{base}/xapi/activities/course"),
    }, "two units marked complete, then the course is complete"
