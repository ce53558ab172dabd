"""Through real nginx (the site file in deploy/) to two app servers on one PostgreSQL: what a
multi-server deployment must get right. Runs on the PostgreSQL pass of ``make test`` (two
servers on one SQLite file is not a supported deployment)."""

from __future__ import annotations

import json
import re

import pyotp
import pytest
import requests
import sqlalchemy as sa

from ..helpers import CSRF_PATTERN, PASSWORD, POSTGRES_URL, correct_form
from ..livesite import form_fields, race, rows
from ..topology import Topology, topology

pytestmark = [
    pytest.mark.server,
    pytest.mark.skipif(not POSTGRES_URL, reason="several app servers need PostgreSQL (the PostgreSQL pass runs this)"),
]

LEARNER_PAGE = "/units/alpha/first-steps"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with topology(tmp_path_factory.mktemp("topology")) as site:
        yield site


def get(site: Topology, browser: requests.Session, path: str, **kwargs) -> requests.Response:
    return browser.get(site.url + path, allow_redirects=False, timeout=30, **kwargs)


def sign_in(site: Topology, browser: requests.Session, email: str, password: str = PASSWORD) -> requests.Response:
    token = CSRF_PATTERN.search(get(site, browser, "/login").text).group(1)
    data = {"email": email, "password": password, "csrf_token": token}
    return post(site, browser, "/login", data)


def post(site: Topology, browser: requests.Session, path: str, data: dict) -> requests.Response:
    return browser.post(site.url + path, data=data, allow_redirects=False, timeout=30)


def access_lines(site: Topology) -> list[dict]:
    return [json.loads(line) for line in site.access_log.read_text().splitlines()]


def test_a_session_works_whichever_server_answers(site):
    email = site.servers[0].create_user("roaming@example.org")
    browser = site.client("127.0.0.2")
    assert sign_in(site, browser, email).status_code == 302
    statuses = [get(site, browser, LEARNER_PAGE).status_code for _ in range(8)]
    assert statuses == [200] * 8
    answered = {line["upstream"] for line in access_lines(site) if line["uri"] == LEARNER_PAGE}
    assert answered == {server.url.removeprefix("http://") for server in site.servers}


def test_the_audit_log_and_the_app_logs_show_the_real_client_address(site):
    email = site.servers[0].create_user("auditor@example.org", role="admin")
    secret = pyotp.random_base32()
    engine = sa.create_engine(site.servers[0].env["TRAINING_DATABASE_URL"])
    with engine.begin() as conn:  # the second factor an administrator has set up
        conn.execute(sa.text('UPDATE "user" SET totp_secret = :s WHERE email = :e'), {"s": secret, "e": email})
    engine.dispose()
    browser = site.client("127.0.0.3")
    assert sign_in(site, browser, email).headers["Location"].endswith("/login/verify")
    token = CSRF_PATTERN.search(get(site, browser, "/login/verify").text).group(1)
    step = post(site, browser, "/login/verify", {"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    assert step.status_code == 302
    response = get(site, browser, "/admin/reports/completion.csv")
    assert response.status_code == 200
    recorded = rows(site.servers[0], "SELECT ip, action FROM audit_event ORDER BY id DESC LIMIT 1")
    assert recorded[0].ip == "127.0.0.3"  # not nginx's 127.0.0.1
    # nginx's request id reaches the app's log line for that request, with the same client
    export = [line for line in access_lines(site) if line["uri"] == "/admin/reports/completion.csv"][-1]
    app_lines = [
        json.loads(line)
        for server in site.servers
        for line in server.log().splitlines()
        if line.startswith("{") and export["request_id"] in line
    ]
    assert app_lines and all(line.get("client") in (None, "127.0.0.3") for line in app_lines)
    assert any(line.get("client") == "127.0.0.3" for line in app_lines)


def test_failed_sign_ins_from_one_client_do_not_stop_another(site):
    accounts = site.servers[0].create_users([f"target{n}@example.org" for n in range(10)])
    victim = site.servers[0].create_user("victim@example.org")
    attacker = site.client("127.0.0.4")
    for attempt in range(30):
        assert 400 <= sign_in(site, attacker, accounts[attempt % 10], "wrong password").status_code < 500
    # the attacker's own address is stopped, even with a right password ...
    assert sign_in(site, attacker, accounts[0], PASSWORD).status_code != 302
    # ... and a learner elsewhere is not
    assert sign_in(site, site.client("127.0.0.5"), victim).status_code == 302


def test_nginx_serves_the_fingerprinted_static_files_from_disk(site):
    browser = site.client("127.0.0.6")
    href = re.search(r'href="(/static/site\.[0-9a-f]{10}\.css)"', get(site, browser, "/login").text).group(1)
    response = get(site, browser, href, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    assert response.content == (site.static / href.removeprefix("/static/")).read_bytes()
    assert "immutable" in response.headers["Cache-Control"] and "max-age=31536000" in response.headers["Cache-Control"]
    served = [line for line in access_lines(site) if line["uri"] == href]
    assert served and served[-1]["upstream"] == ""  # no app server was asked
    # the operators' metrics are never reachable through the public site
    assert get(site, browser, "/metrics").status_code == 404


def test_a_quiz_submitted_twice_across_both_servers_is_graded_once(site):
    email = site.servers[0].create_user("twice@example.org")
    browser = site.client("127.0.0.7")
    assert sign_in(site, browser, email).status_code == 302
    token = CSRF_PATTERN.search(get(site, browser, "/quizzes/alpha-quiz").text).group(1)
    post(site, browser, "/quizzes/alpha-quiz/start", {"csrf_token": token})
    page = get(site, browser, "/quizzes/alpha-quiz").text
    data = {**form_fields(page), "action": "submit", **correct_form(page)}
    tabs = []
    for _ in range(8):  # tabs with connections of their own, spread by nginx over both servers
        tab = site.client("127.0.0.7")
        tab.cookies.update(browser.cookies)
        tabs.append(tab)
    statuses = race(8, lambda i: post(site, tabs[i], "/quizzes/alpha-quiz", data).status_code)
    assert set(statuses) == {303}, statuses
    attempts = rows(
        site.servers[0],
        'SELECT qa.state FROM quiz_attempt qa JOIN "user" u ON u.id = qa.user_id WHERE u.email = :e',
        e=email,
    )
    assert [attempt.state for attempt in attempts] == ["submitted"]
    answered = {
        line["upstream"]
        for line in access_lines(site)
        if line["uri"] == "/quizzes/alpha-quiz" and line["method"] == "POST"
    }
    assert len(answered) == 2  # both servers took submits
