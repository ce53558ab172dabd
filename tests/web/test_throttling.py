"""Throttling that cannot be turned against others, and answers that do not tell who has an
account (docs/security.md SIGN-3, SIGN-6, SIGN-7). Every client here
has its own address (``REMOTE_ADDR``, what Flask sees once a trusted proxy has said who the
client is). Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
import re
import statistics
import threading
import time
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from freezegun import freeze_time

from training.extensions import db
from training.models import LoginThrottle, RecoveryCode, User
from training.services import credentials

from ..factories import TOTP_SECRETS, make_user
from ..helpers import PASSWORD, Auth, get_csrf

WRONG = "not the password at all"


def client_at(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD) -> int:
    return Auth(client).login(email, password).status_code


def test_thirty_failures_from_one_client_never_stop_another_client(app):
    owner = make_user()
    attacker = client_at(app, "203.0.113.7")
    statuses = [sign_in(attacker, f"guess{n}@example.org", WRONG) for n in range(30)]
    assert statuses[:29] == [401] * 29 and statuses[29] == 429  # the attacker's own client waits
    assert sign_in(attacker, owner.email) == 429
    assert sign_in(client_at(app, "198.51.100.20"), owner.email) == 302  # everyone else signs in


def test_wrong_passwords_from_an_attacker_never_lock_the_owner_out(app):
    owner = make_user()
    attacker = client_at(app, "203.0.113.7")
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        assert sign_in(attacker, owner.email, WRONG) == 401
    assert sign_in(attacker, owner.email, WRONG) == 429
    assert sign_in(attacker, owner.email) == 429  # even the right password, from that client
    assert sign_in(client_at(app, "198.51.100.20"), owner.email) == 302


def test_pauses_grow_and_are_forgotten_after_a_quiet_window(app):
    owner = make_user()
    attacker = client_at(app, "203.0.113.7")
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        sign_in(attacker, owner.email, WRONG)
    assert "1 minute" in Auth(attacker).login(owner.email, WRONG).get_data(as_text=True)
    with freeze_time(timedelta(minutes=1, seconds=5), tick=True):
        paused = Auth(attacker).login(owner.email, WRONG)  # the next failure: twice as long
        assert paused.status_code == 429 and "2 minutes" in paused.get_data(as_text=True)
    with freeze_time(timedelta(minutes=3, seconds=10), tick=True):
        assert "4 minutes" in Auth(attacker).login(owner.email, WRONG).get_data(as_text=True)
    with freeze_time(timedelta(minutes=30), tick=True):  # quiet for longer than the window
        assert sign_in(attacker, owner.email, WRONG) == 401


def test_counts_that_are_over_are_cleared_as_new_ones_come(app):
    for n in range(30):
        credentials.record_failed_sign_in(f"made-up{n}@example.org", "203.0.113.5")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginThrottle)) == 31
    with freeze_time(timedelta(minutes=40), tick=True):  # quiet for longer than the window
        credentials.record_failed_sign_in("late@example.org", "198.51.100.1")
        credentials.record_failed_sign_in("late@example.org", "198.51.100.1")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginThrottle)) < 31 - 20


def test_two_first_failures_at_once_count_twice_without_colliding(app):
    """The counter is one upsert: two servers counting the first failure for the same key at
    the same moment both succeed, and the count is two."""
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def fail_once() -> None:
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                credentials.record_failed_sign_in("race@example.org", "203.0.113.9")
            except BaseException as exc:  # reported below
                errors.append(exc)
            finally:
                db.session.remove()

    for _ in range(3):  # three rounds, so a lucky ordering cannot hide a collision
        db.session.execute(sa.delete(LoginThrottle))
        db.session.commit()
        threads = [threading.Thread(target=fail_once) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        key = credentials.pair_key("race@example.org", "203.0.113.9")
        db.session.expire_all()
        assert db.session.get(LoginThrottle, key).failures == 2
        assert db.session.get(LoginThrottle, credentials.client_key("203.0.113.9")).failures == 2


def second_step(client: FlaskClient, email: str, code: str) -> int:
    token = get_csrf(client, "/login")
    signed = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert signed.status_code == 302 and signed.headers["Location"].endswith("/login/verify")
    token = get_csrf(client, "/login/verify")
    return client.post("/login/verify", data={"code": code, "csrf_token": token}).status_code


def test_second_step_failures_count_across_password_re_entry_and_lock(app):
    trainer = make_user("trainer")
    right = pyotp.TOTP(TOTP_SECRETS[trainer.email]).now
    limit = app.config["LOGIN_MAX_FAILURES"]
    statuses = [second_step(client_at(app, f"203.0.113.{n}"), trainer.email, "000000") for n in range(1, limit + 1)]
    assert statuses == [401] * (limit - 1) + [429]  # the right password each time reset nothing
    assert second_step(client_at(app, "198.51.100.20"), trainer.email, right()) == 429
    with freeze_time(timedelta(minutes=2), tick=True):
        assert second_step(client_at(app, "198.51.100.20"), trainer.email, right()) == 302


def test_a_recovery_code_is_found_by_one_lookup_not_ten_password_hashes(app):
    user = make_user("trainer")
    with app.test_request_context():
        codes = credentials.enable_totp(user.id, TOTP_SECRETS[user.email], pyotp.TOTP(TOTP_SECRETS[user.email]).now())
    assert codes is not None and all(re.fullmatch(r"([0-9a-f]{4}-){4}[0-9a-f]{4}", code) for code in codes)
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert sorted(stored) == sorted(credentials.recovery_code_hash(code) for code in codes)
    started = time.perf_counter()
    hashes = []
    original = credentials._hasher

    def counting_hasher():
        hashes.append(1)
        return original()

    credentials._hasher = counting_hasher  # type: ignore[assignment]
    try:
        assert not credentials.verify_second_factor(user.id, "0000-0000-0000-0000-0000")
        assert credentials.verify_second_factor(user.id, codes[2].upper())
        assert not credentials.verify_second_factor(user.id, codes[2])  # once only
    finally:
        credentials._hasher = original  # type: ignore[assignment]
    assert hashes == [] and time.perf_counter() - started < 1


def test_a_recovery_code_made_before_still_works_once(app):
    user = make_user("trainer")
    legacy = "a1b2c3-d4e5f6"
    db.session.add(RecoveryCode(user_id=user.id, code_hash=credentials.hash_password(legacy)))
    db.session.commit()
    assert credentials.verify_second_factor(user.id, legacy)
    assert not credentials.verify_second_factor(user.id, legacy)


def change_password(client: FlaskClient, current: str) -> int:
    token = get_csrf(client, "/account/password")
    data = {"current": current, "password": "a brand new passphrase", "confirm": "a brand new passphrase"}
    return client.post("/account/password", data={**data, "csrf_token": token}).status_code


def test_the_change_password_form_is_throttled_like_re_authentication(app):
    user = make_user()
    thief = client_at(app, "203.0.113.7")
    assert sign_in(thief, user.email) == 302
    limit = app.config["LOGIN_MAX_FAILURES"]
    assert [change_password(thief, WRONG) for _ in range(limit)] == [401] * limit
    assert change_password(thief, PASSWORD) == 429  # paused: even the right one is not checked
    token = get_csrf(thief, "/account/confirm")
    assert thief.post("/account/confirm", data={"password": PASSWORD, "csrf_token": token}).status_code == 429
    assert sign_in(client_at(app, "198.51.100.20"), user.email) == 302  # the owner elsewhere is not paused


TOKEN = re.compile(r'name="csrf_token"[^>]*value="[^"]+"')


@pytest.mark.parametrize(
    "app_overrides", [{"ARGON2_TIME_COST": 3, "ARGON2_MEMORY_COST": 32768, "ARGON2_PARALLELISM": 1}]
)
def test_sign_in_takes_the_same_time_and_says_the_same_for_known_unknown_and_deactivated(app):
    """With a password hash costly enough to dominate (tens of milliseconds), the median time
    of every refused sign-in is within a factor of 1.6 of the known account's (before, an
    unknown address took 0.07 of it and a deactivated account 0.03: bench/signin.py), and the
    pages are identical. The kinds take turns, each round starting with the next one, so the
    load of a shared machine falls on all of them alike."""
    known = make_user(email="known@example.org")
    gone = make_user(email="gone@example.org")
    db.session.execute(sa.update(User).where(User.id == gone.id).values(active=False))
    db.session.commit()
    kinds = {
        "known, wrong password": (known.email, WRONG),
        "unknown address": ("nobody@example.org", WRONG),
        "deactivated, wrong password": (gone.email, WRONG),
        "deactivated, right password": (gone.email, PASSWORD),
    }
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    pages: dict[str, set[tuple[int, str]]] = {kind: set() for kind in kinds}
    for n in range(15):
        order = list(kinds.items())
        order = order[n % len(order) :] + order[: n % len(order)]
        for k, (kind, (email, password)) in enumerate(order):
            client = client_at(app, f"10.0.{n}.{k + 1}")
            token = get_csrf(client, "/login")
            started = time.perf_counter()
            response = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
            times[kind].append(time.perf_counter() - started)
            page = TOKEN.sub("", response.get_data(as_text=True)).replace(email, "EMAIL")  # the form keeps it
            pages[kind].add((response.status_code, page))
    medians = {kind: statistics.median(values) for kind, values in times.items()}
    baseline = medians["known, wrong password"]
    assert baseline > 0.01, medians  # the hash really is the bulk of the work
    assert all(1 / 1.6 < median / baseline < 1.6 for median in medians.values()), medians
    assert len(set.union(*pages.values())) == 1 and next(iter(pages["unknown address"]))[0] == 401


@pytest.mark.parametrize("app_overrides", [{"AUTOSAVES_PER_ACCOUNT": 3}])
def test_quiz_autosave_is_rate_limited_per_account(app):
    learner, other = make_user(), make_user()

    def saves(client: FlaskClient, count: int) -> list[int]:
        page = client.post(
            "/quizzes/alpha-quiz/start",
            data={"csrf_token": get_csrf(client, "/quizzes/alpha-quiz")},
            follow_redirects=True,
        ).get_data(as_text=True)
        attempt = re.search(r'name="attempt" value="(\d+)"', page).group(1)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        data = {"csrf_token": token, "attempt": attempt, "q-word": ["stride"]}
        return [
            client.post("/quizzes/alpha-quiz/autosave", data={**data, "seq": str(n)}).status_code
            for n in range(1, count + 1)
        ]

    first = app.test_client()
    Auth(first).login(learner.email)
    assert saves(first, 4) == [200, 200, 200, 429]  # the fourth waits; the page says it was not saved
    second = app.test_client()
    Auth(second).login(other.email)
    assert saves(second, 1) == [200]  # another learner on the same address is not affected


@pytest.mark.parametrize("app_overrides", [{"IMPORTS_PER_ACCOUNT": 2}])
def test_csv_import_checks_are_rate_limited_per_account(app):
    admin = make_user("admin")
    client = app.test_client()
    Auth(client).login(admin.email)

    def upload():
        data = {
            "csrf_token": get_csrf(client, "/admin/import"),
            "file": (io.BytesIO(b"email,name\na@example.org,A\n"), "a.csv"),
        }
        return client.post("/admin/import", data=data, content_type="multipart/form-data")

    responses = [upload() for _ in range(3)]
    assert [r.status_code for r in responses] == [303, 303, 429]
    assert "Please wait a few minutes" in responses[2].get_data(as_text=True)
