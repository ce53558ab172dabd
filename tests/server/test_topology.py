"""Through real nginx (the site file in deploy/) to two app servers on one PostgreSQL: what a
multi-server deployment must get right. Runs on the PostgreSQL pass of ``make test`` (two
servers on one SQLite file is not a supported deployment)."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import socket
import threading
import time
from dataclasses import dataclass

import pyotp
import pytest
import requests
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from ..helpers import CSRF_PATTERN, MINIMAL, PASSWORD, POSTGRES_URL, cached_catalogue, correct_form
from ..livesite import form_fields, race, rows, wait_for
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


def get(site: Topology, browser: requests.Session, path: str, timeout: float = 30, **kwargs) -> requests.Response:
    return browser.get(site.url + path, allow_redirects=False, timeout=timeout, **kwargs)


def sign_in(site: Topology, browser: requests.Session, email: str, password: str = PASSWORD) -> requests.Response:
    token = CSRF_PATTERN.search(get(site, browser, "/login").text).group(1)
    data = {"email": email, "password": password, "csrf_token": token}
    return post(site, browser, "/login", data)


def post(site: Topology, browser: requests.Session, path: str, data: dict) -> requests.Response:
    return browser.post(site.url + path, data=data, allow_redirects=False, timeout=30)


def sign_in_staff(site: Topology, browser: requests.Session, email: str) -> None:
    """Sign a trainer or administrator in with the second factor staff must have set up."""
    secret = pyotp.random_base32()
    engine = sa.create_engine(site.servers[0].env["TRAINING_DATABASE_URL"])
    with engine.begin() as conn:
        conn.execute(sa.text('UPDATE "user" SET totp_secret = :s WHERE email = :e'), {"s": secret, "e": email})
    engine.dispose()
    assert sign_in(site, browser, email).headers["Location"].endswith("/login/verify")
    token = CSRF_PATTERN.search(get(site, browser, "/login/verify").text).group(1)
    step = post(site, browser, "/login/verify", {"code": pyotp.TOTP(secret).now(), "csrf_token": token})
    assert step.status_code == 302


def access_lines(site: Topology) -> list[dict]:
    return [json.loads(line) for line in site.access_log.read_text().splitlines()]


def logged(site: Topology, uri: str, *, count: int = 1, method: str | None = None, after: int = 0) -> list[dict]:
    """nginx's log lines for ``uri`` (past the first ``after`` lines), once there are ``count``:
    nginx writes a line only after sending the response, so the client may be quicker."""
    deadline = time.monotonic() + 10
    while True:
        lines = [
            line
            for line in access_lines(site)[after:]
            if line["uri"] == uri and (method is None or line["method"] == method)
        ]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def test_a_session_works_whichever_server_answers(site):
    email = site.servers[0].create_user("roaming@example.org")
    browser = site.client("127.0.0.2")
    assert sign_in(site, browser, email).status_code == 302
    statuses = [get(site, browser, LEARNER_PAGE).status_code for _ in range(8)]
    assert statuses == [200] * 8
    answered = {line["upstream"] for line in logged(site, LEARNER_PAGE, count=8)}
    assert answered == {server.url.removeprefix("http://") for server in site.servers}


def test_the_audit_log_and_the_app_logs_show_the_real_client_address(site):
    browser = site.client("127.0.0.3")
    sign_in_staff(site, browser, site.servers[0].create_user("auditor@example.org", role="admin"))
    response = get(site, browser, "/admin/reports/completion.csv")
    assert response.status_code == 200
    recorded = rows(site.servers[0], "SELECT ip, action FROM audit_event ORDER BY id DESC LIMIT 1")
    assert recorded[0].ip == "127.0.0.3"  # not nginx's 127.0.0.1
    # nginx's request id reaches the app's log line for that request, with the same client
    export = logged(site, "/admin/reports/completion.csv")[-1]
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
    served = logged(site, href)
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
    answered = {line["upstream"] for line in logged(site, "/quizzes/alpha-quiz", method="POST", count=len(statuses))}
    assert len(answered) == 2  # both servers took submits


def guide_builds(bind: str) -> float:
    """PDFs of the whole guide typeset by the process with these operators' metrics."""
    text = requests.get(f"http://{bind}/metrics", timeout=10).text
    return sum(
        sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "training_guide_builds_total" and sample.labels.get("kind") == "guide"
    )


def test_a_new_guide_variant_is_typeset_once_for_both_servers(site):
    browser = site.client("127.0.0.8")
    sign_in_staff(site, browser, site.servers[0].create_user("planner@example.org", role="trainer"))
    binds = [server.env["TRAINING_METRICS_BIND"] for server in site.servers] + [site.worker_metrics]
    before = [guide_builds(bind) for bind in binds]
    variant = "/guide.pdf?days=2&hours=5.5"  # a planner variant nobody asked for yet
    tabs = []
    for _ in range(6):  # tabs with connections of their own, spread by nginx over both servers
        tab = site.client("127.0.0.8")
        tab.cookies.update(browser.cookies)
        tabs.append(tab)
    waiting = race(6, lambda i: get(site, tabs[i], variant))
    assert [r.status_code for r in waiting] == [202] * 6, [r.text[:200] for r in waiting]
    assert all("Your PDF is being prepared" in r.text for r in waiting)
    jobs = rows(site.servers[0], "SELECT status FROM guide_job")
    assert len(jobs) == 1  # one job for the whole site, whichever server was asked

    wait_for(lambda: get(site, browser, variant).status_code == 200, "the guide worker to store the PDF", timeout=120)
    first = len(access_lines(site))
    responses = race(6, lambda i: get(site, tabs[i], variant))
    assert [r.status_code for r in responses] == [200] * 6, [r.text[:200] for r in responses]
    assert all(r.headers["Content-Type"] == "application/pdf" for r in responses)
    assert len({r.content for r in responses}) == 1, "the servers sent different PDFs"
    answered = {line["upstream"] for line in logged(site, variant, count=6, after=first)}
    assert answered == {server.url.removeprefix("http://") for server in site.servers}, answered

    built = [guide_builds(bind) - earlier for bind, earlier in zip(binds, before, strict=True)]
    assert built == [0, 0, 1], f"typeset {built} times by the two servers and the worker"
    assert [(job.status, job.tries) for job in rows(site.servers[0], "SELECT status, tries FROM guide_job")] == [
        ("done", 1)
    ]
    assert site.worker_log.read_text().count(": guide typeset in") == 1
    stored = rows(site.servers[0], "SELECT count(*) AS n FROM guide_pdf WHERE kind = 'guide'")
    assert stored[0].n == 1


LESSONS = [("alpha", "first-steps"), ("alpha", "second-steps"), ("beta", "only-lesson"), ("beta", "beta-two")]
QUIZZES = ["alpha-quiz", "beta-quiz"]
LEARNERS = 6


@dataclass
class Outcome:
    what: str
    started: float
    status: int | None  # None: no answer, or one cut short
    error: str = ""


class Load:
    """Signed-in learners marking lessons read and submitting quizzes through nginx, each
    request's outcome kept, and every write acknowledged with a 2xx/303 noted by its key."""

    def __init__(self, site: Topology):
        self.site = site
        self.outcomes: list[Outcome] = []
        self.reads: list[tuple[str, str]] = []  # (email, idempotency key) answered 303
        self.attempts: list[tuple[str, int]] = []  # (email, attempt id) submitted, answered 303
        self.stop = threading.Event()

    def call(self, what: str, expected: int, send) -> requests.Response | None:
        started = time.monotonic()
        try:
            response = send()
        except requests.RequestException as exc:
            self.outcomes.append(Outcome(what, started, None, type(exc).__name__))
            return None
        self.outcomes.append(Outcome(what, started, response.status_code))
        return response if response.status_code == expected else None

    def learner(self, email: str, browser: requests.Session) -> None:
        site, rounds = self.site, 0
        while not self.stop.is_set():
            for unit, lesson in LESSONS:
                page = self.call("lesson page", 200, lambda: get(site, browser, f"/units/{unit}/{lesson}"))
                if page is None:
                    continue
                data = {"csrf_token": CSRF_PATTERN.search(page.text).group(1), "idempotency_key": secrets.token_hex(16)}
                if self.call("mark read", 303, lambda: post(site, browser, f"/units/{unit}/{lesson}/complete", data)):
                    self.reads.append((email, data["idempotency_key"]))
            if rounds < len(QUIZZES):  # each quiz once, one per round, so submits happen around the kill
                self.quiz(email, browser, QUIZZES[rounds])
            rounds += 1

    def quiz(self, email: str, browser: requests.Session, quiz_id: str) -> None:
        site = self.site
        page = self.call("quiz page", 200, lambda: get(site, browser, f"/quizzes/{quiz_id}"))
        if page is None:
            return
        start = {"csrf_token": CSRF_PATTERN.search(page.text).group(1)}
        if not self.call("start quiz", 303, lambda: post(site, browser, f"/quizzes/{quiz_id}/start", start)):
            return
        page = self.call("quiz page", 200, lambda: get(site, browser, f"/quizzes/{quiz_id}"))
        if page is None:
            return
        quiz = cached_catalogue(MINIMAL).quiz(quiz_id)
        data = {**form_fields(page.text), "action": "submit", **correct_form(page.text, quiz)}
        if self.call("submit quiz", 303, lambda: post(site, browser, f"/quizzes/{quiz_id}", data)):
            self.attempts.append((email, int(data["attempt"])))

    def since(self, moment: float) -> list[Outcome]:
        return [outcome for outcome in list(self.outcomes) if outcome.started > moment]


def refuses(url: str) -> bool:
    """No process listens on ``url``'s port any more (its last worker has exited)."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


# Last in this module: it kills one of the module's two app servers.
def test_an_app_server_killed_under_load_loses_no_acknowledged_write(site):
    emails = site.servers[0].create_users([f"load{n}@example.org" for n in range(LEARNERS)])
    browsers = [site.client(f"127.0.1.{n + 1}") for n in range(LEARNERS)]
    for email, browser in zip(emails, browsers, strict=True):
        assert sign_in(site, browser, email).status_code == 302
    load = Load(site)
    threads = [
        threading.Thread(target=load.learner, args=pair, daemon=True) for pair in zip(emails, browsers, strict=True)
    ]
    for thread in threads:
        thread.start()
    wait_for(lambda: len(load.reads) >= 2 * LEARNERS, "the learners to get going", timeout=60)
    victim = site.servers[1]
    killed_at = time.monotonic()
    os.killpg(victim.process.pid, signal.SIGKILL)  # the master and its workers, mid-request
    victim.process.wait(timeout=10)
    wait_for(lambda: refuses(victim.url), "the killed server's port to close", timeout=10)
    down_at = time.monotonic()  # from here nginx can only fail to connect to it: never a 5xx
    # the load goes on until the learners have sent a good number of requests after the kill
    wait_for(lambda: len(load.since(down_at)) >= 10 * LEARNERS, "requests after the kill", timeout=90)
    load.stop.set()
    for thread in threads:
        thread.join(timeout=60)
    outcomes = list(load.outcomes)
    failed = [o for o in outcomes if o.status not in (200, 303)]
    after = load.since(killed_at)
    summary = (
        f"{len(outcomes)} requests ({len(after)} after the kill, which took {down_at - killed_at:.3f} s), "
        f"{len(failed)} failed: "
        f"{[(o.what, o.status or o.error, round(o.started - killed_at, 3)) for o in failed]}; "
        f"{len(load.reads)} reads and {len(load.attempts)} quiz submits acknowledged"
    )
    print(summary)  # the figures, in the output of a passing run too (pytest -rP)
    # only the requests the killed server was answering fail: nginx's 502/504, or, when the
    # server had begun its answer, the answer cut short (nginx has passed the headers on) ...
    assert all(o.status in (502, 504, None) and o.started < down_at for o in failed), summary
    assert len(failed) <= LEARNERS, summary  # at most one in flight per learner
    # ... and every later one is served by the other server
    later = load.since(down_at)
    assert len(later) >= 10 * LEARNERS and all(o.status in (200, 303) for o in later), summary
    assert load.attempts, summary
    # every write acknowledged is in the database
    recorded_reads = {
        (row.email, row.idempotency_key)
        for row in rows(
            site.servers[0],
            'SELECT u.email, p.idempotency_key FROM progress_request p JOIN "user" u ON u.id = p.user_id',
        )
    }
    lost_reads = set(load.reads) - recorded_reads
    assert not lost_reads, f"{len(lost_reads)} of {len(load.reads)} acknowledged reads lost; {summary}"
    submitted = {
        (row.email, row.id)
        for row in rows(
            site.servers[0],
            'SELECT u.email, a.id FROM quiz_attempt a JOIN "user" u ON u.id = a.user_id WHERE a.state = :s',
            s="submitted",
        )
    }
    lost_attempts = set(load.attempts) - submitted
    assert not lost_attempts, f"{len(lost_attempts)} of {len(load.attempts)} acknowledged submits lost; {summary}"
