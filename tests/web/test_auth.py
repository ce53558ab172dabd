"""Accounts through the real forms: registration, sign-in, throttling, sessions, redirects."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pyotp
import pytest
import sqlalchemy as sa
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from training.extensions import db
from training.models import User

from ..factories import TOTP_SECRETS, make_user
from ..helpers import PASSWORD, Auth, get_csrf


def register(client, **fields):  # noqa: ANN001, ANN003, ANN201
    data = {
        "name": "Amina Diallo",
        "email": "amina@example.org",
        "organisation": "Ministry of Labour",
        "country": "SN",
        "password": "a long enough passphrase",
        "confirm": "a long enough passphrase",
    }
    data.update(fields)
    data["csrf_token"] = get_csrf(client, "/register")
    return client.post("/register", data=data)


def test_register_creates_a_learner_with_an_argon2id_hash(client):
    response = register(client)
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "amina@example.org"))
    assert user.role.value == "learner" and user.country == "SN"
    assert user.password_hash.startswith("$argon2id$")
    dump = repr([tuple(row) for row in db.session.execute(sa.text('SELECT * FROM "user"'))])
    assert "a long enough passphrase" not in dump
    assert "Welcome" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"password": "short", "confirm": "short"}, "at least 8 characters"),
        ({"password": "password123", "confirm": "password123"}, "too common"),
        ({"confirm": "something else entirely"}, "not the same"),
        ({"email": "not-an-email"}, "valid email"),
        ({"email": "a" * 250 + "@example.org"}, "at most 254"),
        ({"name": ""}, "Enter your name"),
    ],
)
def test_register_refuses_bad_input_and_keeps_what_was_typed(client, fields: dict, message: str):
    response = register(client, **fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert "Ministry of Labour" in page  # the form comes back filled in
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    variant=st.sampled_from(
        [
            "AMINA@example.org",
            "  amina@example.org ",
            "Amina@Example.ORG",
            "ａｍｉｎａ@example.org",
            "amina@EXAMPLE.org\t",
        ]
    )
)
def test_email_variants_cannot_create_a_second_account(app, variant: str):
    client = app.test_client()
    if db.session.scalar(sa.select(User.id).where(User.email == "amina@example.org")) is None:
        make_user(email="amina@example.org")
    response = register(client, email=variant)
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_sign_in_with_another_case_of_the_email(client, auth):
    make_user(email="omar@example.org")
    assert auth.login("  OMAR@Example.org").status_code == 302


def test_wrong_password_gets_a_generic_message(client, auth):
    user = make_user()
    response = auth.login(user.email, "wrong password here")
    assert response.status_code == 401
    assert "email address or password is not correct" in response.get_data(as_text=True)
    unknown = auth.login("nobody@example.org", "wrong password here")
    assert unknown.status_code == 401
    assert "email address or password is not correct" in unknown.get_data(as_text=True)


def test_password_is_compared_exactly(client, auth):
    user = make_user()
    assert auth.login(user.email, PASSWORD + " ").status_code == 401
    assert auth.login(user.email, PASSWORD.upper()).status_code == 401


def test_repeated_failures_lock_the_account_even_for_the_right_password(client, auth, app):
    user = make_user()
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        assert auth.login(user.email, "not the password").status_code == 401
    locked = auth.login(user.email, "not the password")
    assert locked.status_code == 429
    assert "paused" in locked.get_data(as_text=True)
    assert auth.login(user.email).status_code == 429
    with freeze_time(timedelta(minutes=16), tick=True):
        assert auth.login(user.email).status_code == 302


def test_post_without_csrf_token_is_refused(client):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "_user_id" not in (client.get_cookie("session").value if client.get_cookie("session") else "")


def test_logout_revokes_a_copied_session_cookie(app, client, auth):
    user = make_user()
    auth.login(user.email)
    stolen = client.get_cookie("session").value
    assert client.get("/").status_code == 200
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_password_change_signs_out_other_sessions(app, client, auth):
    user = make_user()
    auth.login(user.email)
    other = app.test_client()

    Auth(other).login(user.email)
    token = get_csrf(client, "/account/password")
    response = client.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "password": "a brand new passphrase",
            "confirm": "a brand new passphrase",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this browser stays signed in
    assert other.get("/").status_code == 302  # the other one is signed out
    assert auth.logout() and Auth(app.test_client()).login(user.email, "a brand new passphrase").status_code == 302


def test_new_session_on_sign_in(app, client, auth):
    user = make_user()
    client.get("/login")
    before = client.get_cookie("session").value
    auth.login(user.email)
    assert client.get_cookie("session").value != before
    replay = app.test_client()
    replay.set_cookie("session", before)
    assert replay.get("/").status_code == 302


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "https:evil.example",
        "https://evil.example/",
        "%2F%2Fevil.example",
        "/%09/evil.example",
        "javascript:alert(1)",
        "/\t/evil.example",
    ],
)
def test_next_parameter_never_leaves_the_site(client, target: str):
    user = make_user()
    token = get_csrf(client, "/login")
    response = client.post(
        "/login", query_string={"next": target}, data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    location = response.headers["Location"]
    assert response.status_code == 302
    # What a browser would make of it: tabs and newlines dropped, backslashes read as slashes.
    seen = location.replace("\\", "/").translate({9: None, 10: None, 13: None})
    assert seen.startswith("/") and not seen.startswith("//")
    assert urlsplit(seen).netloc == "" and urlsplit(seen).scheme == ""


def test_next_parameter_keeps_same_site_paths(client):
    user = make_user()
    token = get_csrf(client, "/login")
    response = client.post(
        "/login?next=/units/alpha", data={"email": user.email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.headers["Location"] == "/units/alpha"


def test_idle_and_absolute_session_limits(app, client, auth):
    user = make_user()
    with freeze_time("2026-03-01 09:00:00", tick=True) as clock:
        auth.login(user.email)
        assert client.get("/").status_code == 200
        clock.tick(timedelta(minutes=29))
        assert client.get("/").status_code == 200
        clock.tick(timedelta(minutes=31))
        assert client.get("/").status_code == 302
        auth.login(user.email)
        for _ in range(26):  # active all day, never idle for long
            clock.tick(timedelta(minutes=29))
            client.get("/dashboard")
        assert client.get("/").status_code == 302  # past the 12-hour absolute limit


def test_staff_must_set_up_two_step_sign_in(client, auth):
    admin = make_user("admin", mfa=False)
    response = auth.login(admin.email)
    assert response.status_code == 302
    assert client.get("/").headers["Location"].endswith("/account/two-step")
    page = client.get("/account/two-step").get_data(as_text=True)
    import re

    secret = re.search(r'class="secret">([A-Z2-7]+)<', page).group(1)
    token = get_csrf(client, "/account/two-step")
    response = client.post("/account/two-step", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    assert response.headers["Location"].endswith("/account/two-step/codes")
    codes_page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert codes_page.count("<code>") == 10
    assert client.get("/").status_code == 200


def test_two_step_code_cannot_be_replayed(app, client, auth):
    trainer = make_user("trainer")
    totp = pyotp.TOTP(TOTP_SECRETS[trainer.email])
    code = totp.now()
    for attempt in range(2):
        c = app.test_client()
        token = get_csrf(c, "/login")
        response = c.post("/login", data={"email": trainer.email, "password": PASSWORD, "csrf_token": token})
        assert response.headers["Location"].endswith("/login/verify")
        token = get_csrf(c, "/login/verify")
        response = c.post("/login/verify", data={"code": code, "csrf_token": token})
        if attempt == 0:
            assert response.status_code == 302
        else:
            assert response.status_code == 401


def test_no_default_accounts(app):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
