"""Registering a platform: the administrator's page (server-side role checks, bad input kept
with clear messages) and the command line."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import sqlalchemy as sa

from training.extensions import db
from training.models import AuditEvent, LtiDeployment, LtiPlatform

from ..factories import make_user
from ..helpers import Auth, csrf_from, get_csrf
from .lti_platform import LEARNER, NextLaunch, Person, RunningPlatform
from .test_lti_launch import launch

GOOD = {
    "name": "Ministry Moodle",
    "issuer": "https://moodle.example.org",
    "client_id": "AbC123xyz",
    "auth_login_url": "https://moodle.example.org/mod/lti/auth.php",
    "auth_token_url": "https://moodle.example.org/mod/lti/token.php",
    "key_set_url": "https://moodle.example.org/mod/lti/certs.php",
    "deployment_ids": "1\n4\n",
    "token_audience": "",
}


def test_only_administrators_open_the_registration_pages(app, login_as, client):
    for role, expected in (("learner", 403), ("trainer", 403)):
        other = app.test_client()
        Auth(other).login(make_user(role).email)
        assert other.get("/admin/lti").status_code == expected
        assert other.get("/admin/lti/new").status_code == expected
    login_as("admin")
    page = client.get("/admin/lti")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for url in ("/lti/login", "/lti/launch", "/lti/jwks"):
        assert f"http://localhost{url}" in text


def test_an_administrator_registers_a_platform_and_it_is_audited(app, login_as, client):
    login_as("admin")
    token = get_csrf(client, "/admin/lti/new")
    response = client.post("/admin/lti/new", data={**GOOD, "csrf_token": token})
    assert response.status_code == 303
    db.session.rollback()  # end the test's read snapshot taken while signing in
    platform = db.session.scalar(sa.select(LtiPlatform))
    assert (platform.issuer, platform.client_id) == (GOOD["issuer"], GOOD["client_id"])
    deployments = db.session.scalars(sa.select(LtiDeployment.deployment_id).order_by(LtiDeployment.deployment_id))
    assert list(deployments) == ["1", "4"]
    assert db.session.scalar(sa.select(AuditEvent.action)) == "lti.register"
    assert "Ministry Moodle" in client.get("/admin/lti").get_data(as_text=True)

    again = client.post("/admin/lti/new", data={**GOOD, "csrf_token": token})
    assert again.status_code == 400 and "already registered" in again.get_data(as_text=True)


def test_bad_addresses_are_refused_with_the_form_kept(app, login_as, client):
    login_as("admin")
    token = get_csrf(client, "/admin/lti/new")
    bad = {**GOOD, "key_set_url": "moodle.example.org/certs", "csrf_token": token}
    response = client.post("/admin/lti/new", data=bad)
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "Public keyset URL: enter a full address" in text
    assert GOOD["client_id"] in text, "what was typed is kept"
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LtiPlatform)) == 0


def test_the_command_line_registers_lists_and_makes_keys(app, runner):
    args = ["lti", "register", "--name", "Canvas", "--issuer", "https://canvas.instructure.com"]
    args += [
        "--client-id",
        "10000000000001",
        "--auth-login-url",
        "https://sso.canvaslms.com/api/lti/authorize_redirect",
    ]
    args += ["--auth-token-url", "https://sso.canvaslms.com/login/oauth2/token"]
    args += ["--key-set-url", "https://sso.canvaslms.com/api/lti/security/jwks", "--deployment", "7:abc"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    listed = runner.invoke(args=["lti", "list"])
    assert "Canvas" in listed.output and "7:abc" in listed.output
    assert "/lti/login" in runner.invoke(args=["lti", "urls", "--base", "https://training.example.org"]).output
    bad = runner.invoke(args=[*args[:-1], ""])
    assert bad.exit_code != 0 and "Deployment ID" in bad.output
    made = runner.invoke(args=["lti", "key", "create"])
    assert made.exit_code == 0 and "kid" in made.output


def test_dynamic_registration_with_a_one_time_link(app, login_as, client):
    login_as("admin")
    token = get_csrf(client, "/admin/lti")
    page = client.post("/admin/lti/registration-link", data={"csrf_token": token}).get_data(as_text=True)
    link = re.search(r"http://localhost(/lti/register/[\w-]+)", page).group(1)
    with RunningPlatform() as platform:
        query = urlencode(
            {
                "openid_configuration": f"{platform.url}/.well-known/openid-configuration",
                "registration_token": platform.registration_token,
            }
        )
        lms = app.test_client()  # the LMS opens the link in a frame of its own page
        registered = lms.get(f"{link}?{query}")
        assert registered.status_code == 200, registered.get_data(as_text=True)
        assert f"frame-ancestors {platform.url}" in registered.headers["Content-Security-Policy"]
        request = platform.registrations[0]
        assert request["initiate_login_uri"] == "http://localhost/lti/login"
        assert request["redirect_uris"] == ["http://localhost/lti/launch"]
        assert request["jwks_uri"] == "http://localhost/lti/jwks"
        db.session.rollback()
        saved = db.session.scalar(sa.select(LtiPlatform))
        assert (saved.issuer, saved.client_id) == (platform.issuer, platform.client_id)
        assert [d.deployment_id for d in saved.deployments] == [platform.deployment_id]

        again = lms.get(f"{link}?{query}")
        assert again.status_code == 400 and "already used" in again.get_data(as_text=True)

        learner = app.test_client()
        landed = launch(
            learner, platform, NextLaunch(Person("s-1", "Amina", [LEARNER]), target_link_uri="http://localhost/")
        )
        assert landed.status_code == 303, "the registered platform launches the course"


def test_a_made_up_registration_link_registers_nothing(app, client):
    response = client.get("/lti/register/made-up?openid_configuration=https://evil.example.org/x&registration_token=t")
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LtiPlatform)) == 0


def test_an_administrator_turns_a_platform_off_and_on_again(app, login_as, client):
    login_as("admin")
    token = get_csrf(client, "/admin/lti/new")
    assert client.post("/admin/lti/new", data={**GOOD, "csrf_token": token}).status_code == 303
    db.session.rollback()
    platform_id = db.session.scalar(sa.select(LtiPlatform.id))
    listing = client.get("/admin/lti").get_data(as_text=True)
    assert f"/admin/lti/{platform_id}/deactivate" in listing

    confirm = client.get(f"/admin/lti/{platform_id}/deactivate")
    assert confirm.status_code == 200 and "Ministry Moodle" in confirm.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(sa.select(LtiPlatform.active)) is True, "opening the page changes nothing"
    token = csrf_from(confirm.get_data(as_text=True))
    off = client.post(f"/admin/lti/{platform_id}/deactivate", data={"csrf_token": token}, follow_redirects=True)
    assert "Ministry Moodle is turned off" in off.get_data(as_text=True)
    assert f"/admin/lti/{platform_id}/reactivate" in off.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(sa.select(LtiPlatform.active)) is False
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LtiDeployment)) == 2, "nothing is deleted"

    on = client.post(f"/admin/lti/{platform_id}/reactivate", data={"csrf_token": token})
    assert on.status_code == 303
    db.session.rollback()
    assert db.session.scalar(sa.select(LtiPlatform.active)) is True
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["lti.register", "lti.deactivate", "lti.reactivate"]
    assert client.get("/admin/lti/999/deactivate").status_code == 404


def test_the_command_line_turns_a_platform_off_and_on_again(app, runner):
    args = ["lti", "register", "--name", "Open edX", "--issuer", "https://courses.example.org"]
    args += ["--client-id", "edx-1", "--auth-login-url", "https://courses.example.org/auth"]
    args += ["--auth-token-url", "https://courses.example.org/token"]
    args += ["--key-set-url", "https://courses.example.org/jwks", "--deployment", "1"]
    assert runner.invoke(args=args).exit_code == 0
    platform_id = db.session.scalar(sa.select(LtiPlatform.id))
    off = runner.invoke(args=["lti", "deactivate", str(platform_id)])
    assert off.exit_code == 0 and "is off" in off.output
    assert "Open edX (off)" in runner.invoke(args=["lti", "list"]).output
    on = runner.invoke(args=["lti", "reactivate", str(platform_id)])
    assert on.exit_code == 0 and "Open edX (off)" not in runner.invoke(args=["lti", "list"]).output
    unknown = runner.invoke(args=["lti", "deactivate", "999"])
    assert unknown.exit_code == 2 and "no platform #999" in unknown.output
    db.session.rollback()
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["lti.register", "lti.deactivate", "lti.reactivate"]
