"""Faults survived, against real gunicorn workers: a crash before commit, a worker killed
mid-load, a PostgreSQL restart, a backup taken under write load. Nothing acknowledged is
lost, nothing is written twice or half-written."""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from ..helpers import MINIMAL, POSTGRES_URL, cached_catalogue, correct_form
from ..livesite import (
    TRAINING,
    Browser,
    LiveSite,
    form_fields,
    live_site,
    race,
    rows,
    started,
    wait_for,
    wait_until_up,
)

pytestmark = pytest.mark.server

BETA = cached_catalogue(MINIMAL).quiz("beta-quiz")
LESSONS = [("alpha", "first-steps"), ("alpha", "second-steps"), ("beta", "only-lesson"), ("beta", "beta-two")]


def consistent(site) -> None:
    """No half-written attempt: every submitted attempt has all its responses, and no open
    attempt has any; SQLite's own checks are clean too."""
    half = rows(
        site,
        """
        SELECT qa.id, qa.state, count(qr.id) AS answered FROM quiz_attempt qa
        LEFT JOIN question_response qr ON qr.attempt_id = qa.id GROUP BY qa.id, qa.state""",
    )
    expected = {"alpha-quiz": 6, "beta-quiz": 2}
    quiz_of = {r.id: r.quiz_id for r in rows(site, "SELECT id, quiz_id FROM quiz_attempt")}
    for attempt in half:
        if attempt.state == "submitted":
            assert attempt.answered == expected[quiz_of[attempt.id]], attempt
        else:
            assert attempt.answered == 0, attempt
    url = sa.engine.make_url(site.env["TRAINING_DATABASE_URL"])
    if url.get_backend_name() == "sqlite":
        conn = sqlite3.connect(url.database)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        conn.close()


def test_crash_between_grading_and_commit_keeps_the_attempt_and_its_answers(tmp_path: Path):
    env = {"TRAINING_FAULT_INJECTION": "true", "TRAINING_FAULT": "before_commit:_record_submission"}
    with live_site(tmp_path, workers=2, extra_env=env) as site:
        browser = Browser(site)
        browser.login(site.create_user("crash@example.org"))
        page = started(browser)
        fields = form_fields(page)
        saved = browser.post("/quizzes/alpha-quiz", {**fields, "action": "save", "q-word": "stride"})
        assert saved.status_code == 200
        page = browser.get("/quizzes/alpha-quiz").text
        with pytest.raises(requests.ConnectionError):
            browser.post("/quizzes/alpha-quiz", {**form_fields(page), "action": "submit", **correct_form(page)})
        wait_until_up(site)  # gunicorn replaces the killed worker
        attempt = rows(site, "SELECT id, state, score, draft FROM quiz_attempt")[0]
        assert attempt.state == "in_progress" and attempt.score is None
        assert "stride" in str(attempt.draft)  # the answers saved before the crash survive
        assert rows(site, "SELECT count(*) AS n FROM question_response")[0].n == 0
        assert 'value="stride"' in browser.get("/quizzes/alpha-quiz").text
        consistent(site)


@pytest.fixture(scope="module")
def busy_site(tmp_path_factory):
    with live_site(tmp_path_factory.mktemp("busy"), workers=3, threads=4) as site:
        yield site


def learner_load(
    site: LiveSite, count: int, prefix: str, between: Callable[[], None] = lambda: None
) -> tuple[list[Browser], Callable[[int], list[tuple[str, int]]]]:
    """``count`` signed-in learners, and what one of them does: read every lesson, take a quiz.
    ``between`` runs after each lesson is marked read (a test can hold the load there)."""
    emails = site.create_users([f"{prefix}{i}@example.org" for i in range(count)])
    browsers = [Browser(site) for _ in emails]
    for browser, email in zip(browsers, emails, strict=True):
        assert browser.login(email).status_code == 302

    def learn(i: int) -> list[tuple[str, int]]:
        b = browsers[i]
        done = []
        token = b.token("/")
        for unit, lesson in LESSONS:
            b.get(f"/units/{unit}/{lesson}")
            done.append(
                (f"read {unit}/{lesson}", b.post(f"/units/{unit}/{lesson}/complete", {"csrf_token": token}).status_code)
            )
            between()
        page = started(b, "beta-quiz")
        done.append(
            (
                "quiz",
                b.post(
                    "/quizzes/beta-quiz",
                    {**form_fields(page), "action": "submit", **correct_form(page, BETA)},
                ).status_code,
            )
        )
        return done

    return browsers, learn


def test_fifty_learners_at_once_lose_nothing(busy_site):
    site = busy_site
    browsers, learn = learner_load(site, 50, "fifty")
    results = race(50, learn)
    statuses = [code for result in results for _, code in result]
    assert set(statuses) == {303}, sorted(set(statuses))
    read = rows(
        site,
        'SELECT count(*) AS n FROM lesson_progress lp JOIN "user" u ON u.id = lp.user_id '
        "WHERE u.email LIKE 'fifty%' AND lp.completed_at IS NOT NULL",
    )[0].n
    assert read == 50 * len(LESSONS)
    attempts = rows(
        site,
        "SELECT count(*) AS n, sum(CASE WHEN qa.passed THEN 1 ELSE 0 END) AS passed "
        "FROM quiz_attempt qa JOIN \"user\" u ON u.id = qa.user_id WHERE u.email LIKE 'fifty%'",
    )[0]
    assert (attempts.n, attempts.passed) == (50, 50)
    log = site.log()
    assert "database is locked" not in log and "Traceback" not in log
    consistent(site)


def test_a_worker_killed_mid_load_leaves_no_half_written_attempt(busy_site):
    """A worker is killed once ten lessons have been marked read, while every learner waits
    before going on: requests in flight on that worker die, the rest of the load runs on the
    worker gunicorn starts in its place."""
    site = busy_site
    acknowledged = threading.Semaphore(0)
    killed = threading.Event()

    def after_each_read() -> None:
        acknowledged.release()
        assert killed.wait(timeout=60), "the worker was never killed"

    browsers, learn = learner_load(site, 20, "killed", between=after_each_read)
    victim: list[int] = []

    def kill_one_worker() -> None:
        for _ in range(10):
            if not acknowledged.acquire(timeout=60):
                break
        victim.append(random.choice(site.worker_pids()))
        os.kill(victim[0], signal.SIGKILL)
        killed.set()

    killer = threading.Thread(target=kill_one_worker)
    killer.start()

    def tolerant(i: int) -> list[tuple[str, int]]:
        try:
            return learn(i)
        except requests.RequestException:  # this learner's request died with the worker
            return [("connection lost", 0)]

    results = race(20, tolerant)
    killer.join()
    assert victim, "no worker was killed"
    wait_for(lambda: len(site.worker_pids()) == 3 and victim[0] not in site.worker_pids(), "a new worker")
    wait_until_up(site)
    acknowledged_reads = sum(1 for r in results for what, code in r if what.startswith("read") and code == 303)
    stored = rows(
        site,
        'SELECT count(*) AS n FROM lesson_progress lp JOIN "user" u ON u.id = lp.user_id '
        "WHERE u.email LIKE 'killed%' AND lp.completed_at IS NOT NULL",
    )[0].n
    assert stored >= acknowledged_reads  # every acknowledged write is there
    consistent(site)
    assert requests.get(site.url + "/healthz", timeout=10).status_code == 200


def test_backup_under_write_load_restores_every_committed_row(busy_site, tmp_path: Path):
    site = busy_site
    browsers, learn = learner_load(site, 10, "backup")
    stop, first_round = threading.Event(), threading.Event()

    def keep_writing() -> None:
        while not stop.is_set():
            race(10, learn)
            first_round.set()

    writer = threading.Thread(target=keep_writing)
    writer.start()
    assert first_round.wait(timeout=120), "the writers never finished a round"
    before = {
        table: rows(site, f'SELECT count(*) AS n FROM "{table}"')[0].n
        for table in ("user", "lesson_progress", "quiz_attempt", "question_response")
    }
    site.command("db", "backup", str(tmp_path / "backup.db"))
    stop.set()
    writer.join()
    restored_url = restore_elsewhere(site, tmp_path)
    engine = sa.create_engine(restored_url)
    with engine.connect() as conn:
        for table, count in before.items():
            assert conn.execute(sa.text(f'SELECT count(*) FROM "{table}"')).scalar() >= count, table
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    engine.dispose()


def restore_elsewhere(site, tmp_path: Path) -> str:
    """Restore the backup into a new database and return its URL."""
    url = sa.engine.make_url(site.env["TRAINING_DATABASE_URL"])
    if url.get_backend_name() == "sqlite":
        target = f"sqlite:///{tmp_path / 'restored.db'}"
    else:
        name = f"restored_{os.getpid()}_{int(time.time())}"
        admin = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        target = url.set(database=name).render_as_string(hide_password=False)
    env = {**site.env, "TRAINING_DATABASE_URL": target}
    subprocess.run(
        [TRAINING, "db", "restore", "--yes", str(tmp_path / "backup.db")],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    result = subprocess.run([TRAINING, "db", "check"], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return target


@pytest.mark.exclusive
@pytest.mark.skipif(
    not (POSTGRES_URL and os.environ.get("TRAINING_TEST_PGDATA")),
    reason="needs the throwaway PostgreSQL cluster that scripts/pg-cluster starts",
)
def test_postgresql_restart_mid_load_gives_at_most_503(busy_site):
    site = busy_site
    browsers, _ = learner_load(site, 8, "restart")
    statuses: list[int] = []
    stop = threading.Event()
    reading = threading.Barrier(len(browsers) + 1)

    def keep_reading(b: Browser) -> None:
        statuses.append(b.get("/units/alpha/first-steps").status_code)
        reading.wait(timeout=60)  # every reader has been served once before the restart
        while not stop.is_set():
            try:
                statuses.append(b.get("/units/alpha/first-steps").status_code)
            except requests.RequestException:
                statuses.append(-1)

    threads = [threading.Thread(target=keep_reading, args=(b,)) for b in browsers]
    for t in threads:
        t.start()
    reading.wait(timeout=60)
    pg_ctl("restart", "-m", "fast", "-w")
    restarted = len(statuses)
    wait_for(lambda: 200 in statuses[restarted:], "a page served after the restart")
    stop.set()
    for t in threads:
        t.join()
    assert set(statuses) <= {200, 503}, (sorted(set(statuses)), site.log()[-3000:])
    assert 200 in statuses
    assert all(b.get("/units/alpha/first-steps").status_code == 200 for b in browsers)


def pg_ctl(*args: str) -> None:
    binary = str(Path(os.environ.get("TRAINING_TEST_PGBIN", "/usr/lib/postgresql/15/bin")) / "pg_ctl")
    data = Path(os.environ["TRAINING_TEST_PGDATA"])
    command = [binary, "-D", str(data), "-l", str(data.parent / "log"), *args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    # The server outlives pg_ctl: it must not inherit our pipes, or waiting for them never ends.
    subprocess.run(
        command, check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60
    )


def test_restore_refuses_a_file_that_is_not_a_backup(busy_site, tmp_path: Path):
    bogus = tmp_path / "bogus.db"
    bogus.write_text("not a database")
    env = {**busy_site.env, "TRAINING_DATABASE_URL": f"sqlite:///{tmp_path / 'target.db'}"}
    result = subprocess.run(
        [TRAINING, "db", "restore", "--yes", str(bogus)], env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1 and "Error:" in result.stderr
    assert re.search(r"not a SQLite database|pg_restore", result.stderr)
