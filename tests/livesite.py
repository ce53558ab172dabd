"""The real server in a subprocess (gunicorn with several workers), and a browser-like client.

Used by the concurrency and fault tests and the browser tests: the Flask test client runs
in one process and would hide races between workers.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import requests
import sqlalchemy as sa
from argon2 import PasswordHasher

from training.models import User

from .helpers import CSRF_PATTERN, MINIMAL, PASSWORD, empty_database

T = TypeVar("T")
TRAINING = str(Path(sys.executable).parent / "training")


@cache
def _password_hash() -> str:
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LiveSite:
    url: str
    env: dict[str, str]
    process: subprocess.Popen
    log_path: Path

    def command(self, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
        """Run ``training ...`` against the same database and content."""
        return subprocess.run(
            [TRAINING, *args], env=self.env, input=input, text=True, capture_output=True, check=True, timeout=120
        )

    def create_user(self, email: str, role: str = "learner", name: str = "Test Learner") -> str:
        """A learner, written straight into the database (fast); the CLI path has its own tests."""
        return self.create_users([email], role, name)[0]

    def create_users(self, emails: list[str], role: str = "learner", name: str = "Test Learner") -> list[str]:
        engine = sa.create_engine(self.env["TRAINING_DATABASE_URL"])
        try:
            with engine.begin() as conn:
                conn.execute(
                    User.__table__.insert(),
                    [
                        {
                            "email": email,
                            "name": name,
                            "organisation": "",
                            "country": "",
                            "role": role,
                            "password_hash": _password_hash(),
                            "active": True,
                            "must_change_password": False,
                            "session_version": 1,
                            "created_at": datetime.now(UTC),
                            "email_verified_at": datetime.now(UTC),  # as for accounts an administrator creates
                        }
                        for email in emails
                    ],
                )
        finally:
            engine.dispose()
        return emails

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(pid) for pid in out.split()]


@contextmanager
def live_site(
    tmp_path: Path,
    workers: int = 2,
    threads: int = 4,
    content: Path = MINIMAL,
    extra_env: dict[str, str] | None = None,
    startup: float = 30,
    port: int | None = None,
) -> Iterator[LiveSite]:
    """Migrate an empty database and serve it with gunicorn; stop everything afterwards.
    ``startup``: seconds the server may take to answer (the real course takes longer to check).
    ``port``: serve on this one (a browser keeps a site's storage per origin, so a test that
    restarts the server and expects the browser to find its data again reuses the port)."""
    tmp_path.mkdir(parents=True, exist_ok=True)  # a sub-folder of a test's tmp_path is made here
    with empty_database(tmp_path) as database_url:
        env = {
            **os.environ,
            "TRAINING_DATABASE_URL": database_url,
            "TRAINING_CONTENT_DIR": str(content),
            "TRAINING_SECRET_KEY": "live-site-secret-key-long-enough-0123456789",
            "TRAINING_ENV_NAME": "testing",
            **(extra_env or {}),
        }
        env.pop("TRAINING_TEST_DATABASE_URL", None)
        subprocess.run([TRAINING, "db", "upgrade"], env=env, check=True, capture_output=True, timeout=120)
        with serve(tmp_path / "server.log", env, workers, threads, startup, port) as site:
            yield site


@contextmanager
def serve(
    log_path: Path,
    env: dict[str, str],
    workers: int = 2,
    threads: int = 4,
    startup: float = 30,
    port: int | None = None,
    program: str = TRAINING,
    cwd: Path | None = None,
) -> Iterator[LiveSite]:
    """``training serve`` on a loopback port (a free one unless given) with ``env``, until the
    block ends; ``program``: another installation's ``training`` (run in ``cwd``)."""
    port = port or free_port()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [program, "serve", "--host", "127.0.0.1", "--port", str(port)]
            + ["--workers", str(workers), "--threads", str(threads)],
            env=env,
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    site = LiveSite(f"http://127.0.0.1:{port}", env, process, log_path)
    try:
        wait_until_up(site, startup)
        yield site
    finally:
        stop(process)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    """Poll until ``condition()`` holds (a state reached, not a time elapsed)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.05)


def wait_until_up(site: LiveSite, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if site.process.poll() is not None:
            raise RuntimeError(f"server exited:\n{site.log()}")
        try:
            if requests.get(site.url + "/healthz", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"server did not start:\n{site.log()}")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


class Browser:
    """A requests session that behaves like a browser with cookies and form tokens."""

    def __init__(self, site: LiveSite):
        self.site = site
        self.http = requests.Session()

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.http.get(self.site.url + path, allow_redirects=False, timeout=30, **kwargs)

    def post(self, path: str, data: dict, **kwargs) -> requests.Response:
        return self.http.post(self.site.url + path, data=data, allow_redirects=False, timeout=30, **kwargs)

    def token(self, path: str) -> str:
        return CSRF_PATTERN.search(self.get(path).text).group(1)

    def login(self, email: str, password: str = PASSWORD) -> requests.Response:
        return self.post("/login", {"email": email, "password": password, "csrf_token": self.token("/login")})

    def clone(self) -> Browser:
        """Another tab of the same browser: same cookies, own connection."""
        twin = Browser(self.site)
        twin.http.cookies.update(self.http.cookies)
        return twin


# --- driving the site ------------------------------------------------------------------------


def rows(site: LiveSite, sql: str, **params: object) -> list[Any]:
    """What the site's database holds, read over a connection of our own."""
    engine = sa.create_engine(site.env["TRAINING_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            return list(conn.execute(sa.text(sql), params))
    finally:
        engine.dispose()


def race(count: int, action: Callable[[int], T]) -> list[T]:
    """Run ``action(0..count-1)`` in as many threads, released together by a barrier."""
    barrier = threading.Barrier(count)

    def run(index: int) -> T:
        barrier.wait()
        return action(index)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


def started(browser: Browser, quiz_id: str = "alpha-quiz") -> str:
    """Start (or resume) the quiz and return its page."""
    browser.post(f"/quizzes/{quiz_id}/start", {"csrf_token": browser.token(f"/quizzes/{quiz_id}")})
    return browser.get(f"/quizzes/{quiz_id}").text


def form_fields(page: str) -> dict[str, str]:
    """The quiz form's hidden fields: which attempt, the autosave sequence, the form token."""
    fields = {}
    for name, pattern in (
        ("attempt", r'name="attempt" value="([^"]+)"'),
        ("seq", r'name="seq" value="([^"]+)"'),
        ("csrf_token", CSRF_PATTERN.pattern),
    ):
        found = re.search(pattern, page)
        assert found, f"no {name} in the quiz page"
        fields[name] = found.group(1)
    return fields
