"""Accounts through the real forms: registration, sign-in, throttling, sessions, redirects."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from urllib.parse import urlsplit

import flask
import pyotp
import pytest
import sqlalchemy as sa
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from training.extensions import db
from training.models import RecoveryCode, User

from ..factories import TOTP_SECRETS, make_user
from ..helpers import PASSWORD, Auth, get_csrf


def register(client, **fields):
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


@pytest.mark.parametrize("app_overrides", [{"REGISTRATION": "open"}])
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


FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}
"""ASCII -> its full-width form (U+FF01-U+FF5E), which NFKC folds back."""


@st.composite
def variants_of(draw: st.DrawFn, email: str) -> str:
    """The same address as a person might type it: any letter in either case or full width,
    spaces and tabs around it."""
    characters = [draw(st.sampled_from(sorted({c, c.upper(), FULL_WIDTH.get(c, c)}))) for c in email]
    padding = st.text(alphabet=" \t\u3000", max_size=3)
    return draw(padding) + "".join(characters) + draw(padding)


@pytest.mark.parametrize("app_overrides", [{"REGISTRATION": "open"}])
def test_email_variants_cannot_create_a_second_account(app):
    make_user(email="amina@example.org")

    @settings(max_examples=25, deadline=None)
    @given(variant=variants_of("amina@example.org"))
    def register_again(variant: str) -> None:
        response = register(app.test_client(), email=variant)
        assert response.status_code == 400
        assert "already exists" in response.get_data(as_text=True)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1

    register_again()


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
    assert client.get("/dashboard").status_code == 200
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    response = thief.get("/dashboard")
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
    assert client.get("/dashboard").status_code == 200  # this browser stays signed in
    assert other.get("/dashboard").status_code == 302  # the other one is signed out
    assert auth.logout() and Auth(app.test_client()).login(user.email, "a brand new passphrase").status_code == 302


def test_new_session_on_sign_in(app, client, auth):
    user = make_user()
    client.get("/login")
    before = client.get_cookie("session").value
    auth.login(user.email)
    assert client.get_cookie("session").value != before
    replay = app.test_client()
    replay.set_cookie("session", before)
    assert replay.get("/dashboard").status_code == 302


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
    if any(ord(ch) < 32 for ch in target):
        assert response.status_code == 400  # a control character in a query is refused outright
        return
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


def test_a_session_cookie_read_before_is_still_checked_for_age_and_signature(app, client, auth):
    """The server remembers cookies it has verified (a reader's browser sends the same one
    with every page): a remembered cookie still expires with the session's lifetime, one
    altered character is still refused, and each request gets its own copy of its contents."""
    user = make_user()
    interface = app.session_interface

    def opened(cookie: str) -> dict:
        with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}):
            return interface.open_session(app, flask.request)

    with freeze_time("2026-03-01 09:00:00") as clock:
        auth.login(user.email)
        cookie = client.get_cookie("session").value
        first = opened(cookie)
        assert first["_user_id"].startswith(f"{user.id}.")
        first["_user_id"], first["planted"] = "0.0", True  # a request changing its session...
        second = opened(cookie)
        assert second["_user_id"].startswith(f"{user.id}.") and "planted" not in second  # ...changes no other
        altered = cookie[:-1] + ("A" if cookie[-1] != "A" else "B")
        assert dict(opened(altered)) == {}
        clock.tick(app.permanent_session_lifetime - timedelta(seconds=1))
        assert opened(cookie)["_user_id"].startswith(f"{user.id}.")
        clock.tick(timedelta(seconds=2))
        assert dict(opened(cookie)) == {}  # past its lifetime, as itsdangerous would say


def test_session_cookies_are_signed_as_flask_signs_them_across_a_key_change(app):
    """The session's signer is kept with its derived keys and signs with OpenSSL's SHA-1: a
    cookie signed by Flask's own session interface opens here and one signed here opens there;
    after a key change, a cookie signed with the old key opens only while the old key is
    listed in SECRET_KEY_FALLBACKS, and an altered one never."""
    interface = app.session_interface
    contents = {"_user_id": "7.1", "auth_at": 1772355600, "csrf_token": "ab" * 20}

    def flasks_own():
        return flask.sessions.SecureCookieSessionInterface().get_signing_serializer(app)

    def opened(cookie: str) -> dict:
        with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}):
            return dict(interface.open_session(app, flask.request))

    with freeze_time("2026-03-01 09:00:00"):
        ours = interface.get_signing_serializer(app).dumps(contents)
        theirs = flasks_own().dumps(contents)
        assert ours == theirs
        assert flasks_own().loads(ours) == contents and opened(theirs) == contents
        old_key, old_cookie = app.secret_key, theirs
        app.secret_key = "a new key of the same length as any other, for this test only"
        app.config["SECRET_KEY_FALLBACKS"] = [old_key]
        assert opened(old_cookie) == contents
        assert opened(old_cookie[:-1] + ("A" if old_cookie[-1] != "A" else "B")) == {}
        new_cookie = interface.get_signing_serializer(app).dumps(contents)
        assert new_cookie != old_cookie and flasks_own().loads(new_cookie) == contents
        app.config["SECRET_KEY_FALLBACKS"] = []
        assert opened(old_cookie) == {} and opened(new_cookie) == contents


def test_a_form_token_signed_here_is_the_one_flask_wtf_makes_and_checks(app):
    """Form tokens are signed by a kept signer, not by ``generate_csrf`` (which builds one and
    derives its key for every token): the same token at the same second, checked by Flask-WTF,
    and refused under another key."""
    from flask_wtf.csrf import generate_csrf, validate_csrf
    from wtforms import ValidationError

    from training.security import csrf_token

    def in_a_request(make):  # each request has its own ``g``, where both keep the token
        with app.app_context(), app.test_request_context("/"):
            flask.session["csrf_token"] = "cd" * 20
            return make()

    with freeze_time("2026-03-01 09:00:00"):
        ours = in_a_request(csrf_token)
        assert in_a_request(generate_csrf) == ours
        assert in_a_request(lambda: (csrf_token(), flask.g.csrf_token, csrf_token())) == (ours, ours, ours)
        in_a_request(lambda: validate_csrf(ours))
        app.secret_key = "a new key of the same length as any other, for this test only"
        with pytest.raises(ValidationError):
            in_a_request(lambda: validate_csrf(ours))
        renewed = in_a_request(csrf_token)
        assert renewed != ours and renewed == in_a_request(generate_csrf)
        in_a_request(lambda: validate_csrf(renewed))


def test_idle_and_absolute_session_limits(app, client, auth):
    user = make_user()
    with freeze_time("2026-03-01 09:00:00", tick=True) as clock:
        auth.login(user.email)
        assert client.get("/dashboard").status_code == 200
        clock.tick(timedelta(minutes=29))
        assert client.get("/dashboard").status_code == 200
        clock.tick(timedelta(minutes=31))
        assert client.get("/dashboard").status_code == 302
        auth.login(user.email)
        for _ in range(26):  # active all day, never idle for long
            clock.tick(timedelta(minutes=29))
            client.get("/dashboard")
        assert client.get("/dashboard").status_code == 302  # past the 12-hour absolute limit


def test_staff_must_set_up_two_step_sign_in(app, client, auth):
    admin = make_user("admin", mfa=False)
    response = auth.login(admin.email)
    assert response.status_code == 302
    assert client.get("/").headers["Location"].endswith("/account/two-step")
    page = client.get("/account/two-step").get_data(as_text=True)
    secret = re.search(r'class="secret">([A-Z2-7]+)<', page).group(1)
    pending = app.session_interface.get_signing_serializer(app).loads(client.get_cookie("session").value)
    assert secret not in repr(pending)  # SIGN-6: the secret offered is derived on the server
    token = get_csrf(client, "/account/two-step")
    response = client.post("/account/two-step", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    assert response.status_code == 200 and response.get_data(as_text=True).count("<code>") == 10
    cookie = app.session_interface.get_signing_serializer(app).loads(client.get_cookie("session").value)
    assert secret not in repr(cookie) and "<code>" not in repr(cookie)  # SIGN-6: nor any recovery code
    assert client.get("/dashboard").status_code == 200


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


@pytest.mark.parametrize(
    "app_overrides",
    [{"LOGIN_MAX_FAILURES": 2, "LOGIN_FIRST_PAUSE": timedelta(minutes=5), "LOGIN_LOCKOUT": timedelta(minutes=5)}],
)
def test_the_lockout_message_follows_the_setting(app, client, auth):
    """Sign-in, the second step and re-authentication all say how long the pause lasts, as set."""
    learner, trainer = make_user(), make_user("trainer")
    for _ in range(2):
        auth.login(learner.email, "not the password")
    locked = auth.login(learner.email)
    assert locked.status_code == 429 and "paused for 5 minutes" in locked.get_data(as_text=True)

    second = app.test_client()
    token = get_csrf(second, "/login")
    second.post("/login", data={"email": trainer.email, "password": PASSWORD, "csrf_token": token})
    for _ in range(3):
        response = second.post(
            "/login/verify", data={"code": "000000", "csrf_token": get_csrf(second, "/login/verify")}
        )
    assert response.status_code == 429 and "paused for 5 minutes" in response.get_data(as_text=True)

    third = app.test_client()
    signed_in = make_user()
    Auth(third).login(signed_in.email)
    for _ in range(3):
        token = get_csrf(third, "/account/confirm")
        response = third.post("/account/confirm", data={"password": "not the password", "csrf_token": token})
    assert response.status_code == 429 and "paused for 5 minutes" in response.get_data(as_text=True)


def test_recovery_codes_are_stored_hashed_and_work_once(app, client, auth):
    trainer = make_user("trainer", mfa=False)
    auth.login(trainer.email)
    page = client.get("/account/two-step").get_data(as_text=True)
    secret = re.search(r'class="secret">([A-Z2-7]+)<', page).group(1)
    token = get_csrf(client, "/account/two-step")
    shown = client.post("/account/two-step", data={"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    codes = re.findall(r"<code>([0-9a-f-]+)</code>", shown.get_data(as_text=True))
    assert len(codes) == 10
    stored = db.session.scalars(sa.select(RecoveryCode.code_hash).where(RecoveryCode.user_id == trainer.id)).all()
    assert len(stored) == 10 and all(h.startswith("sha256:") for h in stored)
    assert not set(codes) & set(stored)
    auth.logout()

    def second_step(code: str) -> int:
        other = app.test_client()
        token = get_csrf(other, "/login")
        other.post("/login", data={"email": trainer.email, "password": PASSWORD, "csrf_token": token})
        return other.post(
            "/login/verify", data={"code": code, "csrf_token": get_csrf(other, "/login/verify")}
        ).status_code

    assert second_step(codes[3]) == 302
    assert second_step(codes[3]) == 401  # used once, never again
    assert second_step(codes[4]) == 302


@pytest.mark.parametrize("app_overrides", [{"REGISTRATION": "open"}])
def test_no_secret_reaches_the_logs(app, client, auth, login_as, caplog):
    """Passwords, temporary passwords, two-step codes, session cookies and form tokens are
    never written to any log, whatever the outcome."""
    caplog.set_level(logging.DEBUG)
    secrets = ["Sentinel password 1234", "Another sentinel 5678"]
    register(client, email="logged@example.org", password=secrets[0], confirm=secrets[0])
    auth.logout()
    auth.login("logged@example.org", "Wrong sentinel 9012")
    secrets.append("Wrong sentinel 9012")
    auth.login("logged@example.org", secrets[0])
    token = get_csrf(client, "/account/password")
    client.post(
        "/account/password",
        data={"current": secrets[0], "password": secrets[1], "confirm": secrets[1], "csrf_token": token},
    )
    secrets += [token, client.get_cookie("session").value]
    auth.logout()
    admin = login_as("admin")
    secrets.append(TOTP_SECRETS[admin.email])
    token = get_csrf(client, "/admin/users/new")
    issued = client.post(
        "/admin/users/new",
        data={
            "email": "new@example.org",
            "name": "New Person",
            "role": "learner",
            "delivery": "password",  # a temporary password on the page: it must not be logged
            "csrf_token": token,
        },
    ).get_data(as_text=True)
    secrets.append(re.search(r"<code[^>]*>([a-z0-9-]{19})</code>", issued).group(1))
    logged = caplog.text
    assert "audit account.create" in logged  # the logs were captured
    assert [secret for secret in secrets if secret in logged] == []


@pytest.mark.parametrize(("app_overrides", "protected"), [({}, False), ({"SESSION_PROTECTION": "basic"}, True)])
def test_flask_logins_session_protection_is_off_unless_turned_on(app, client, auth, protected):
    """The session version and time limits protect sessions; Flask-Login's own protection
    (tying a session to the browser's address and User-Agent) is off and costs nothing, and
    still works for a deployment that turns it on."""
    from flask_login import session_protected

    auth.login(make_user().email)
    assert client.get("/dashboard").status_code == 200
    seen: list[object] = []
    with session_protected.connected_to(lambda sender, **_: seen.append(sender), app):
        assert client.get("/dashboard", headers={"User-Agent": "another browser"}).status_code == 200
    assert bool(seen) is protected
