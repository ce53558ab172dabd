"""Forgotten passwords, through the real forms and a real SMTP server: the link arrives in
the person's language, works once, expires, dies when the password changes or a newer link
is sent; the request answers the same, in the same time, whoever asks; rate limits hold."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from training.config import Config
from training.extensions import db
from training.models import AuditEvent, MailMessage, User, utcnow

from ..factories import make_user
from ..helpers import PASSWORD, Auth, csrf_from, get_csrf, interleaved_medians
from ..mailserver import html_of, link_in, path_of, text_of

NEW_PASSWORD = "a brand new passphrase"


def ask_reset(client, email: str):
    return client.post("/password/forgot", data={"email": email, "csrf_token": get_csrf(client, "/password/forgot")})


def reset_link(smtp, send_mail, email: str, count: int = 1) -> str:
    send_mail()
    messages = smtp.inbox.to(email)
    assert len(messages) == count
    return path_of(link_in(messages[-1], "/password/reset/"))


def choose(client, path: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    page = client.get(path)
    if page.status_code != 200:
        return page
    data = {"password": password, "confirm": confirm or password, "csrf_token": csrf_from(page.get_data(as_text=True))}
    return client.post(path, data=data)


def outbox_size() -> int:
    db.session.rollback()  # a fresh read: the requests wrote through their own sessions
    return db.session.scalar(sa.select(sa.func.count()).select_from(MailMessage))


def test_sign_in_offers_the_forgotten_password_page(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/password/forgot"' in page and "Forgot your password?" in page
    assert "Ask your course administrator" not in page


def test_a_learner_resets_a_forgotten_password_alone(app, client, smtp, send_mail):
    user = make_user(email="amina@example.org", name="Amina Diallo", language="fr")
    other_browser = app.test_client()
    assert Auth(other_browser).login("amina@example.org").status_code == 302  # a session elsewhere

    response = ask_reset(client, "Amina@Example.org ")
    assert response.status_code == 200
    assert "Amina@Example.org" in response.get_data(as_text=True)
    path = reset_link(smtp, send_mail, "amina@example.org")
    [message] = smtp.inbox.to("amina@example.org")
    assert message["Subject"] == "Réinitialiser votre mot de passe"  # the account's language
    assert "Bonjour Amina Diallo," in text_of(message) and 'lang="fr"' in html_of(message)
    assert link_in(message).startswith("http://localhost/password/reset/")

    page = client.get(path)
    assert page.status_code == 200 and "amina@example.org" in page.get_data(as_text=True)
    response = choose(client, path)
    assert response.status_code == 303 and response.headers["Location"] == "/login"

    assert other_browser.get("/dashboard").status_code == 302  # every other session has ended
    assert Auth(client).login("amina@example.org").status_code == 401  # the old password is gone
    assert Auth(client).login("amina@example.org", NEW_PASSWORD).status_code == 302
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.password_reset_by_email"))
    assert event is not None and event.actor_id == user.id and "amina@example.org" in event.target


def test_a_reset_link_works_once_then_fails_cleanly(client, smtp, send_mail):
    make_user(email="once@example.org")
    ask_reset(client, "once@example.org")
    path = reset_link(smtp, send_mail, "once@example.org")
    assert choose(client, path).status_code == 303
    again = client.get(path)
    assert again.status_code == 400
    page = again.get_data(as_text=True)
    assert "This link does not work" in page and 'href="/password/forgot"' in page
    token = get_csrf(client, "/login")
    replay = client.post(
        path, data={"password": "another passphrase!", "confirm": "another passphrase!", "csrf_token": token}
    )
    assert replay.status_code == 400
    assert Auth(client).login("once@example.org", NEW_PASSWORD).status_code == 302


def test_an_expired_reset_link_fails_cleanly(client, smtp, send_mail):
    make_user(email="late@example.org")
    ask_reset(client, "late@example.org")
    path = reset_link(smtp, send_mail, "late@example.org")
    with freeze_time(utcnow() + timedelta(minutes=61)):
        assert client.get(path).status_code == 400
        assert "This link does not work" in client.get(path).get_data(as_text=True)
    with freeze_time(utcnow() + timedelta(minutes=59)):
        assert client.get(path).status_code == 200


def test_a_newer_link_or_a_password_change_kills_the_older_link(client, smtp, send_mail):
    make_user(email="twice@example.org")
    ask_reset(client, "twice@example.org")
    first = reset_link(smtp, send_mail, "twice@example.org")
    ask_reset(client, "twice@example.org")
    second = reset_link(smtp, send_mail, "twice@example.org", count=2)
    assert first != second
    assert client.get(first).status_code == 400
    assert client.get(second).status_code == 200

    assert Auth(client).login("twice@example.org").status_code == 302
    token = get_csrf(client, "/account/password")
    changed = client.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "password": "changed it myself",
            "confirm": "changed it myself",
            "csrf_token": token,
        },
    )
    assert changed.status_code == 302
    assert client.get(second).status_code == 400  # bound to the password it was made for


@pytest.mark.parametrize(
    "app_overrides", [{"RESET_REQUESTS_PER_CLIENT": 1000, "ANSWER_SECONDS": Config.ANSWER_SECONDS}]
)
def test_the_answer_is_the_same_in_bytes_and_time_for_known_unknown_and_deactivated_addresses(app, client):
    known = [make_user(email=f"known{i}@example.org").email for i in range(16)]
    inactive = make_user(email="inactive@example.org")
    db.session.get(User, inactive.id).active = False
    db.session.commit()

    def answer(email: str) -> tuple[bytes, float]:
        token = get_csrf(client, "/password/forgot")
        started = time.perf_counter()
        response = client.post("/password/forgot", data={"email": email, "csrf_token": token})
        elapsed = time.perf_counter() - started
        assert response.status_code == 200
        return response.get_data().replace(email.encode(), b"ADDRESS"), elapsed

    bodies = {answer(e)[0] for e in ("known0@example.org", "nobody@example.org", "inactive@example.org")}
    assert len(bodies) == 1  # byte for byte, the address typed aside
    assert outbox_size() == 1  # only the active account got a message

    medians = interleaved_medians(
        {"known": lambda i: answer(known[i])[1], "unknown": lambda i: answer(f"nobody{i}@example.org")[1]}, range(1, 16)
    )
    ratio = medians["known"] / medians["unknown"]
    print(f"reset request medians: {medians}, ratio {ratio:.2f}")
    assert 0.9 < ratio < 1.1, medians
    assert medians["unknown"] >= app.config["ANSWER_SECONDS"]
    assert outbox_size() == 16


def test_requests_are_limited_per_address_and_per_client(app, client):
    make_user(email="limited@example.org")
    for _ in range(3):
        assert ask_reset(client, "limited@example.org").status_code == 200
    assert outbox_size() == 3
    fourth = ask_reset(client, "LIMITED@example.org")
    assert fourth.status_code == 200  # the same answer ...
    assert outbox_size() == 3  # ... but no fourth message this hour
    for i in range(16):
        assert ask_reset(client, f"someone{i}@example.org").status_code == 200
    assert ask_reset(client, "someone-else@example.org").status_code == 429  # 20 per client and hour
    with freeze_time(utcnow() + timedelta(hours=1, minutes=1)):
        assert ask_reset(client, "limited@example.org").status_code == 200
        assert outbox_size() == 4


def test_staff_still_need_their_second_step_after_a_reset(client, smtp, send_mail):
    make_user("admin", email="boss@example.org")
    ask_reset(client, "boss@example.org")
    path = reset_link(smtp, send_mail, "boss@example.org")
    assert choose(client, path).status_code == 303
    token = get_csrf(client, "/login")
    response = client.post("/login", data={"email": "boss@example.org", "password": NEW_PASSWORD, "csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/verify")
    assert client.get("/admin/").status_code == 302  # not signed in until the second step


def test_a_weak_new_password_is_refused_and_the_link_still_works(client, smtp, send_mail):
    make_user(email="weak@example.org")
    ask_reset(client, "weak@example.org")
    path = reset_link(smtp, send_mail, "weak@example.org")
    response = choose(client, path, "password123")
    assert response.status_code == 400 and "too common" in response.get_data(as_text=True)
    response = choose(client, path, "mismatch one", "mismatch two")
    assert response.status_code == 400
    assert choose(client, path).status_code == 303


def test_unknown_links_are_refused_and_a_client_that_keeps_guessing_is_stopped(app, client):
    for i in range(30):
        assert client.get(f"/password/reset/guess{i}").status_code == 400
    assert client.get("/password/reset/one-more").status_code == 429


def test_no_reset_token_reaches_the_logs(client, smtp, send_mail, caplog):
    make_user(email="quiet@example.org")
    with caplog.at_level("DEBUG"):
        ask_reset(client, "quiet@example.org")
        path = reset_link(smtp, send_mail, "quiet@example.org")
        choose(client, path)
    token = path.rsplit("/", 1)[1]
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail.log"))  # not aiosmtpd's
    assert "quiet@example.org" in ours  # the logs were captured ...
    assert token not in ours and NEW_PASSWORD not in ours  # ... and hold no secret
