"""The outbox against a real SMTP server (aiosmtpd): both parts arrive, a server that is down
costs nothing but time, permanent refusals are given up and logged, two senders never send a
message twice, and with no server configured the console shows the message."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from training.database import transactional
from training.extensions import db
from training.models import MailMessage, utcnow
from training.services import mail as outbox

from .factories import make_user
from .helpers import ROOT
from .livesite import wait_for
from .mailserver import html_of, smtp_server, text_of


@transactional
def queue_one(to: str = "ana@example.org", name: str = "Ana <Diallo>", language: str | None = "en") -> int:
    message = outbox.queue(
        "password_reset", to, language, None, name=name, link="http://localhost/password/reset/x", hours=1
    )
    db.session.flush()
    return message.id


def row(message_id: int) -> MailMessage:
    db.session.expire_all()
    return db.session.get(MailMessage, message_id)


def test_a_queued_message_reaches_the_smtp_server_as_text_and_html(app, smtp, runner):
    message_id = queue_one()
    result = runner.invoke(args=["mail", "send-pending"])
    assert result.exit_code == 0, result.output
    assert "Sent 1" in result.output
    [message] = smtp.inbox.to("ana@example.org")
    assert message["Subject"] == "Reset your password"
    assert message["From"].addresses[0].addr_spec == "training@localhost"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message.get_content_type() == "multipart/alternative"
    assert "Hello Ana <Diallo>," in text_of(message)
    html = html_of(message)
    assert "Hello Ana &lt;Diallo&gt;," in html and "<Diallo>" not in html  # names are escaped in HTML
    assert 'lang="en"' in html
    sent = row(message_id)
    assert sent.sent_at is not None and sent.attempts == 1
    assert sent.text_body == sent.html_body == ""  # the link, a secret, is not kept once sent
    assert runner.invoke(args=["mail", "send-pending"]).output.startswith("Sent 0")  # nothing is sent twice
    assert len(smtp.inbox.messages) == 1


def test_without_a_mail_server_messages_go_to_the_console_and_count_as_sent(app, runner):
    assert app.config["MAIL_SERVER"] is None
    message_id = queue_one()
    result = runner.invoke(args=["mail", "send-pending"])  # the runner stands in for the terminal
    assert result.exit_code == 0
    console = result.output
    assert "To: ana@example.org" in console and "Subject: Reset your password" in console
    assert "http://localhost/password/reset/x" in console
    assert row(message_id).sent_at is not None


def test_the_outbox_survives_the_server_being_down_and_sends_when_it_is_back(app, runner, caplog):
    with smtp_server() as server:
        port = server.port
        app.config.update(server.config)
    # The server is stopped: nothing listens on its port any more.
    first, second = queue_one("a@example.org"), queue_one("b@example.org")
    with caplog.at_level(logging.WARNING, logger="training.mail"):
        result = runner.invoke(args=["mail", "send-pending"])
    assert result.exit_code == 1 and "could not be reached" in result.output
    failures = [r.getMessage() for r in caplog.records if r.name == "training.mail"]
    assert len(failures) == 2 and all("not sent (attempt 1 of 10)" in line for line in failures), failures
    assert "cannot reach the mail server 127.0.0.1" in failures[0]
    waiting = row(first)
    assert waiting.sent_at is None and waiting.failed_at is None and waiting.attempts == 1
    assert waiting.next_attempt_at > utcnow() and "cannot reach" in waiting.last_error
    assert runner.invoke(args=["mail", "send-pending"]).output.startswith("Sent 0")  # not due yet

    with smtp_server(port) as server, freeze_time(utcnow() + timedelta(minutes=2)):
        result = runner.invoke(args=["mail", "send-pending"])
        assert result.exit_code == 0 and result.output.startswith("Sent 2")
        assert {str(m["To"]) for m in server.inbox.messages} == {"a@example.org", "b@example.org"}
    assert row(first).attempts == row(second).attempts == 2


def test_a_permanent_refusal_is_given_up_at_once_and_logged_as_an_error(app, smtp, send_mail, caplog):
    smtp.inbox.refuse.add("gone@example.org")
    refused, fine = queue_one("gone@example.org"), queue_one("here@example.org")
    with caplog.at_level(logging.WARNING, logger="training.mail"):
        report = send_mail()
    assert (report.sent, report.failed, report.retry) == (1, 1, 0)
    assert row(refused).failed_at is not None and "550" in row(refused).last_error
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "NOT SENT, given up" in errors[0].getMessage()
    assert "gone@example.org" in errors[0].getMessage()
    assert row(fine).sent_at is not None


def test_after_the_last_attempt_a_message_is_marked_failed(app, runner):
    with smtp_server() as server:
        app.config.update(server.config)
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    message_id = queue_one()
    moment = utcnow()
    for attempt in range(1, 4):
        with freeze_time(moment):
            runner.invoke(args=["mail", "send-pending"])
        message = row(message_id)
        assert message.attempts == attempt
        moment = message.next_attempt_at + timedelta(seconds=1)
    assert row(message_id).failed_at is not None
    result = runner.invoke(args=["mail", "status"])
    assert "given up: 1" in result.output and "cannot reach the mail server" in result.output


def test_retry_delays_double_and_stop_growing_at_an_hour():
    assert [outbox.retry_delay(n) for n in (1, 2, 3, 7, 8, 20)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(hours=1),
        timedelta(hours=1),
        timedelta(hours=1),
    ]


def test_two_senders_at_once_never_claim_the_same_message(app):
    ids = {queue_one(f"p{i}@example.org") for i in range(30)}
    claimed: list[list[int]] = [[], []]
    barrier = threading.Barrier(2)

    def sender(index: int) -> None:
        with app.app_context():
            barrier.wait()
            while batch := outbox.claim(limit=3):
                claimed[index].extend(c.id for c in batch)
            db.session.remove()

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = claimed[0] + claimed[1]
    assert sorted(everything) == sorted(ids)  # each message claimed exactly once
    assert all(row(i).attempts == 1 for i in ids)


def test_a_message_whose_sender_died_is_retried_after_the_lease(app, smtp, send_mail):
    message_id = queue_one()
    assert [c.id for c in outbox.claim()] == [message_id]  # a sender claims it, then dies
    assert send_mail().sent == 0
    with freeze_time(utcnow() + outbox.CLAIM_LEASE + timedelta(seconds=1)):
        assert send_mail().sent == 1
    assert len(smtp.inbox.messages) == 1 and row(message_id).attempts == 2


def test_the_message_is_written_in_the_recipients_language(app, smtp, send_mail):
    queue_one(language="fr")
    queue_one("bob@example.org", language="xx")  # not offered: the default language
    send_mail()
    [french] = smtp.inbox.to("ana@example.org")
    assert french["Content-Language"] == "fr" and 'lang="fr"' in html_of(french)
    assert french["Subject"] == "Réinitialiser votre mot de passe"
    assert "Bonjour Ana <Diallo>," in text_of(french)
    [default] = smtp.inbox.to("bob@example.org")
    assert default["Content-Language"] == "en"


@pytest.mark.parametrize("app_overrides", [{"CONTENT_DIR": str(ROOT)}])
def test_the_message_names_the_course_as_its_translation_does(app, smtp, send_mail):
    """An invitation in French or Spanish calls the course by its French or Spanish name, in
    the subject and in the text, as the course's pages in that language do."""
    for to, language in [("fr@example.org", "fr"), ("es@example.org", "es"), ("en@example.org", "en")]:
        outbox.queue("invitation", to, language, None, name="Ana", email=to, link="http://localhost/x", days=7)
    db.session.flush()
    send_mail()
    names = {
        "fr": "Aperçu des migrations internationales",
        "es": "Panorama de la migración internacional",
        "en": "Overview of International Migration",
    }
    for language, name in names.items():
        [message] = smtp.inbox.to(f"{language}@example.org")
        assert name in message["Subject"] and name in text_of(message) and name in html_of(message)
        others = [other for other in names.values() if other != name]
        assert not any(other in message["Subject"] + text_of(message) for other in others)


@pytest.mark.parametrize("app_overrides", [{"MAIL_SEND_AFTER_REQUEST": True}])
def test_mail_queued_by_a_request_is_sent_right_after_the_response_without_delaying_it(app, smtp, client):
    make_user(email="slow@example.org")
    release = threading.Event()
    original = smtp.inbox.handle_DATA

    async def slow_data(server, session, envelope):
        release.wait(10)  # the server takes its time; the page must not wait for it
        return await original(server, session, envelope)

    smtp.inbox.handle_DATA = slow_data
    token = client.get("/password/forgot").get_data(as_text=True)
    from .helpers import csrf_from

    started = time.perf_counter()
    response = client.post("/password/forgot", data={"email": "slow@example.org", "csrf_token": csrf_from(token)})
    elapsed = time.perf_counter() - started
    assert response.status_code == 200 and elapsed < 2
    assert smtp.inbox.to("slow@example.org") == []
    release.set()
    [message] = smtp.inbox.wait_for("slow@example.org")
    assert message["Subject"] == "Reset your password"

    def recorded() -> bool:  # the sender records the delivery just after the server took it
        db.session.rollback()
        db.session.expire_all()
        return db.session.scalar(sa.select(MailMessage.sent_at)) is not None

    wait_for(recorded, "the delivery recorded", timeout=10)
