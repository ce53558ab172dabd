"""The outbox is written in the transaction that records the progress, and only when another
system is configured; claims keep two senders from sending one message twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from training import create_app
from training.extensions import db
from training.models import LessonProgress, OutboxMessage, OutboxState, utcnow
from training.queries.outbox import status as outbox_status
from training.services import learning, outbox

from ..factories import make_user
from ..helpers import make_config


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_without_a_record_store_nothing_is_queued(app):
    user = make_user()
    learning.record_lesson_read(user.id, "alpha", "first-steps", "v1")
    assert count(LessonProgress) == 1 and count(OutboxMessage) == 0


class TestWithAStore:
    @pytest.fixture
    def app_overrides(self):
        return {"XAPI_ENDPOINT": "http://127.0.0.1:9/xAPI/", "XAPI_ACTIVITY_BASE": "https://training.example.org"}

    def test_a_statement_exists_exactly_when_its_progress_was_committed(self, app, monkeypatch):
        user = make_user()
        real = outbox.record

        def record_then_fail(*args, **kwargs):
            real(*args, **kwargs)
            raise RuntimeError("the transaction fails after the statement was queued")

        monkeypatch.setattr(learning.outbox, "record", record_then_fail)
        with pytest.raises(RuntimeError):
            learning.record_lesson_read(user.id, "alpha", "first-steps", "v1")
        db.session.rollback()
        assert count(LessonProgress) == 0 and count(OutboxMessage) == 0, "both rolled back together"

        monkeypatch.setattr(learning.outbox, "record", real)
        learning.record_lesson_read(user.id, "alpha", "first-steps", "v1")
        learning.record_lesson_read(user.id, "alpha", "first-steps", "v1")
        assert count(LessonProgress) == 1
        assert count(OutboxMessage) == 1, "reading a lesson twice is one 'completed' statement"

    def test_two_senders_never_claim_the_same_message(self, app):
        user = make_user()
        for lesson in ("first-steps", "second-steps"):
            learning.record_lesson_opened(user.id, "alpha", lesson)
        first = outbox.claim(outbox.XAPI, 1)
        second = outbox.claim(outbox.XAPI, 10)
        assert len(first) == 1 and len(second) == 1 and first[0].id != second[0].id
        assert outbox.claim(outbox.XAPI, 10) == [], "claimed messages wait for their sender"
        later = outbox.claim(outbox.XAPI, 10, now=utcnow() + outbox.CLAIM_FOR + timedelta(seconds=1))
        assert {m.id for m in later} == {first[0].id, second[0].id}, "an abandoned claim lapses"

    def test_failures_wait_longer_each_time_and_rejections_are_kept(self, app):
        assert [outbox.retry_delay(n).total_seconds() for n in (1, 2, 3, 12, 30)] == [30, 60, 120, 21600, 21600]
        user = make_user()
        learning.record_lesson_opened(user.id, "alpha", "first-steps")
        (message,) = outbox.claim(outbox.XAPI, 10)
        outbox.mark_failed([message.id], "refused: bad statement", permanent=True)
        row = db.session.get(OutboxMessage, message.id)
        db.session.refresh(row)
        assert row.state == OutboxState.REJECTED
        assert outbox.claim(outbox.XAPI, 10, now=utcnow() + timedelta(days=1)) == [], "never sent again"
        assert [s.rejected for s in outbox_status()] == [1]


def test_the_store_needs_an_activity_base(tmp_path):
    with pytest.raises(RuntimeError, match="XAPI_ACTIVITY_BASE"):
        create_app(make_config(tmp_path, XAPI_ENDPOINT="https://lrs.example.org/xAPI/"))


def test_the_outbox_commands(app, runner):
    assert "The outbox is empty." in runner.invoke(args=["outbox", "status"]).output
    sent = runner.invoke(args=["outbox", "send"])
    assert sent.exit_code == 0 and "Sent 0, will retry 0, rejected 0." in sent.output
    user = make_user()
    learning.record_lesson_read(user.id, "alpha", "first-steps", "v1")  # no store configured
    assert "The outbox is empty." in runner.invoke(args=["outbox", "status"]).output


class TestCommandsWithAStore:
    @pytest.fixture
    def app_overrides(self):
        return {"XAPI_ENDPOINT": "http://127.0.0.1:9/xAPI/", "XAPI_ACTIVITY_BASE": "https://training.example.org"}

    def test_status_shows_what_waits_and_why(self, app, runner):
        user = make_user()
        learning.record_lesson_opened(user.id, "alpha", "first-steps")
        result = runner.invoke(args=["outbox", "send"])  # nothing listens on port 9
        assert result.exit_code == 0 and "will retry 1" in result.output
        status = runner.invoke(args=["outbox", "status"]).output
        assert "xapi: 1 pending, 0 sent, 0 rejected" in status and "unreachable" in status
