"""What the tests share besides fixtures: where things are, the app's settings for a test,
throwaway databases, the fixture course built once, and a browser's habits (reading the form
token from the page, signing in through the real forms)."""

from __future__ import annotations

import atexit
import os
import re
import shutil
import statistics
import tempfile
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from html import unescape
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from training.content import Catalogue, build_catalogue
from training.content.model import QuestionType, Quiz
from training.extensions import db
from training.models import Base
from training.quiz import FORM_PREFIX

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINIMAL = FIXTURES / "content" / "minimal"
TRANSLATED = FIXTURES / "content" / "translated"
"""The minimal course (with a few more figures) in French, partly in Spanish, two lessons in Arabic."""
POSTGRES_URL = os.environ.get("TRAINING_TEST_DATABASE_URL")
"""Set: the suite runs on this PostgreSQL server (``make test`` starts a throwaway one)."""
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER")
CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "correct horse battery"


@cache
def cached_catalogue(content_dir: str | Path) -> Catalogue:
    """A content folder's catalogue, built once per test process (it is immutable)."""
    return build_catalogue(Path(content_dir).resolve())


# --- the app and its database -------------------------------------------------------------------


def database_url(tmp_path: Path) -> str:
    """A new SQLite file per test, or this process's PostgreSQL database (emptied per test)."""
    return postgres_database() or f"sqlite:///{tmp_path / 'test.db'}"


@cache
def postgres_database() -> str | None:
    """The PostgreSQL database this test process empties and fills: the server's own, or under
    pytest-xdist one per worker (created here, once), so workers never share tables."""
    if not POSTGRES_URL or not XDIST_WORKER:
        return POSTGRES_URL
    url = sa.engine.make_url(POSTGRES_URL)
    name = f"{url.database}_{XDIST_WORKER}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}) is None:
                conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def make_config(tmp_path: Path, **overrides: Any) -> dict[str, Any]:
    config = {
        "ENV_NAME": "testing",
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "DATABASE_URL": database_url(tmp_path),
        "CONTENT_DIR": str(MINIMAL),
        "GUIDE_CACHE_DIR": str(tmp_path / "guide-cache"),
        "ISSUER_KEYS_DIR": str(tmp_path / "keys"),
    }
    config.update(overrides)
    return config


@contextmanager
def empty_database(tmp_path: Path) -> Iterator[str]:
    """A brand-new database: a SQLite file, or a throwaway PostgreSQL database."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"migrations_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def reset_database(app: Flask) -> None:
    """Every table, empty: on SQLite a copy of an empty database made once per process (a
    new file per test); on PostgreSQL the tables truncated."""
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            with db.engine.begin() as conn:
                Base.metadata.create_all(conn)
                conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            return
        path = db.engine.url.database
        if path and path != ":memory:" and not Path(path).exists():
            db.engine.dispose()  # nothing is connected to the new file yet
            shutil.copyfile(_empty_sqlite_database(), path)
        else:
            Base.metadata.create_all(db.engine)


@cache
def _empty_sqlite_database() -> Path:
    """The schema on SQLite, created once: copying the file is much cheaper than CREATE TABLE."""
    folder = tempfile.mkdtemp(prefix="training-schema-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = Path(folder) / "empty.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    Base.metadata.create_all(engine)
    engine.dispose()
    return path


class FreshContextClient(FlaskClient):
    """Each request gets its own application context, as in a real server.

    The ``app`` fixture keeps a context open so tests can use the database directly; without
    this, requests would share that context and its ``g`` (cached user, CSRF token).
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("buffered", True)  # read and close file responses (static files, PDFs)
        with self.application.app_context():
            return super().open(*args, **kwargs)


# --- a browser's habits ---------------------------------------------------------------------------


def csrf_from(html: str) -> str:
    found = CSRF_PATTERN.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def get_csrf(client: FlaskClient, path: str = "/login") -> str:
    return csrf_from(client.get(path).get_data(as_text=True))


class Auth:
    """Sign in and out through the real forms (flaskr's AuthActions)."""

    def __init__(self, client: FlaskClient):
        self.client = client

    def login(self, email: str, password: str = PASSWORD, follow: bool = False) -> Any:
        token = get_csrf(self.client, "/login")
        response = self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}, follow_redirects=follow
        )
        if response.status_code == 302 and response.headers["Location"].endswith("/login/verify"):
            from .factories import totp_code_for

            token = get_csrf(self.client, "/login/verify")
            response = self.client.post(
                "/login/verify", data={"code": totp_code_for(email), "csrf_token": token}, follow_redirects=follow
            )
        return response

    def logout(self) -> Any:
        token = get_csrf(self.client, "/")
        return self.client.post("/logout", data={"csrf_token": token})


URL_VALUES = {
    "unit_id": "alpha",
    "lesson_id": "first-steps",
    "quiz_id": "alpha-quiz",
    "attempt_no": "1",
    "name": "guide",
    "user_id": "2",
    "group_id": "1",
    "token": "x",
    "report": "completion",
}
"""URL arguments that name something in the fixture course (any other argument gets "1")."""


def routes_for(
    app: Flask, method: str, skip: frozenset[str] = frozenset(), values: dict[str, str] = URL_VALUES
) -> list[str]:
    """Every URL that takes ``method`` (endpoints in ``skip`` aside), its arguments filled in
    from ``values`` (any other gets "1"): a new route is covered the day it is added."""
    routes = []
    for rule in app.url_map.iter_rules():
        if method not in (rule.methods or ()) or rule.endpoint in skip:
            continue
        path = rule.rule
        for argument in rule.arguments:
            path = re.sub(rf"<(?:\w+(?:\([^)]*\))?:)?{argument}>", values.get(argument, "1"), path)
        routes.append(path)
    return sorted(set(routes))


def post_routes(app: Flask, values: dict[str, str] = URL_VALUES) -> list[str]:
    """Every URL that takes a POST (sign-out aside)."""
    return routes_for(app, "POST", frozenset({"auth.logout"}), values)


# --- quizzes --------------------------------------------------------------------------------------


def correct_answers(quiz: Quiz) -> dict[str, dict]:
    """The answers (as stored, by option id) of a learner who knows every answer."""
    answers: dict[str, dict] = {}
    for q in quiz.questions:
        if q.type in (QuestionType.SINGLE, QuestionType.TRUE_FALSE):
            answers[q.id] = {"choice": next(o.id for o in q.options if o.correct)}
        elif q.type == QuestionType.MULTIPLE:
            answers[q.id] = {"choices": sorted(o.id for o in q.options if o.correct)}
        elif q.type in (QuestionType.SHORT, QuestionType.NUMERIC):
            text = next(o.text for o in q.options if o.correct)
            answers[q.id] = {"text": text.split("±")[0].split("..")[0].strip()}
        elif q.type == QuestionType.MATCHING:
            answers[q.id] = {"pairs": {o.id: o.id for o in q.options}}
        elif q.type == QuestionType.ORDERING:
            answers[q.id] = {"positions": {o.id: n for n, o in enumerate(q.options, start=1)}}
    return answers


def _plain(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


def page_form(page: str, quiz: Quiz, answers: dict[str, dict]) -> dict[str, list[str]]:
    """Answers (by option id) as the quiz page's form sends them: its values are opaque per
    attempt, so each option is found as a learner finds it, by its text on the page."""
    form: dict[str, list[str]] = {}
    inputs = re.findall(
        r'<input type="(?:radio|checkbox)" name="([^"]+)" value="([^"]+)"[^>]*>\s*<span>(.*?)</span>', page, re.S
    )
    all_labels = re.findall(r'<label for="([^"]+)">(.*?)</label>', page, re.S)
    for q in quiz.questions:
        answer = answers.get(q.id) or {}
        name = FORM_PREFIX + q.id
        by_text = {_plain(html): value for field, value, html in inputs if field == name}
        labels = {_plain(html): field for field, html in all_labels if field.startswith(f"{name}-")}
        if "choice" in answer and answer["choice"]:
            form[name] = [by_text[_plain(q.option(answer["choice"]).html)]]
        elif "choices" in answer:
            form[name] = [by_text[_plain(q.option(c).html)] for c in answer["choices"]]
        elif "text" in answer:
            form[name] = [answer["text"]]
        elif "pairs" in answer:
            for left, right in answer["pairs"].items():
                field = labels[_plain(q.option(left).html)]
                select = re.search(rf'<select[^>]*name="{re.escape(field)}"[^>]*>(.*?)</select>', page, re.S)
                assert select is not None
                values = {
                    _plain(t): v for v, t in re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', select.group(1))
                }
                form[field] = [values[_plain(q.option(right).match_html)]]
        elif "positions" in answer:
            for item, position in answer["positions"].items():
                form[labels[_plain(q.option(item).html)]] = [str(position)]
    return form


def correct_form(page: str, quiz: Quiz | None = None) -> dict[str, list[str]]:
    """The quiz form a learner who knows every answer would send from ``page`` (by default the
    fixture's alpha quiz)."""
    quiz = quiz or cached_catalogue(MINIMAL).quiz("alpha-quiz")
    return page_form(page, quiz, correct_answers(quiz))


def start_quiz(client: FlaskClient, quiz_id: str = "alpha-quiz") -> str:
    """Start an attempt through the real form; returns the quiz page with its fields."""
    token = get_csrf(client, f"/quizzes/{quiz_id}")
    response = client.post(f"/quizzes/{quiz_id}/start", data={"csrf_token": token})
    assert response.status_code == 303
    return client.get(f"/quizzes/{quiz_id}").get_data(as_text=True)


def submit_quiz(
    client: FlaskClient, page: str, answers: dict, quiz_id: str = "alpha-quiz", action: str = "submit"
) -> Any:
    """Send the attempt on ``page`` (from :func:`start_quiz`) with these answers; a submit
    confirms leaving questions unanswered, as a learner does on the review page."""
    attempt = re.search(r'name="attempt" value="(\d+)"', page)
    seq = re.search(r'name="seq" value="(\d+)"', page)
    assert attempt and seq, "no open attempt on the page"
    data = {"csrf_token": csrf_from(page), "attempt": attempt.group(1), "seq": seq.group(1), "action": action}
    if action == "submit":
        data["confirm"] = "unanswered"
    return client.post(f"/quizzes/{quiz_id}", data={**data, **answers})


def wrong_form(page: str) -> dict[str, list[str]]:
    """The fixture's alpha quiz answered wrongly from ``page``: a wrong option, the wrong truth
    value and a wrong word."""
    quiz = cached_catalogue(MINIMAL).quiz("alpha-quiz")
    wrong = {
        q.id: {"choice": next(o.id for o in q.options if not o.correct)}
        for q in quiz.questions
        if q.type in (QuestionType.SINGLE, QuestionType.TRUE_FALSE)
    }
    return {**page_form(page, quiz, wrong), "q-word": ["walk"]}


def mark_read(client: FlaskClient, unit_id: str, lesson_id: str) -> Any:
    """Open a lesson and press "mark as read and continue", as a learner does."""
    token = get_csrf(client, f"/units/{unit_id}/{lesson_id}")
    return client.post(f"/units/{unit_id}/{lesson_id}/complete", data={"csrf_token": token})


# --- a real browser (Playwright pages) ----------------------------------------------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]


def axe_violations(page: Any, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict[str, Any]]:
    """Run axe-core on the current page; return the violations of the given impacts."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in impacts
    ]


def assert_accessible(page: Any) -> None:
    violations = axe_violations(page)
    assert violations == [], f"{page.url}: {violations}"


def sign_in_page(page: Any, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real form in a browser page (no second step: learners)."""
    page.goto("/login")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login" not in url)


def shot(page: Any, name: str) -> Path:
    """Screenshots land in the test's temporary folder, for a person to look at."""
    folder = Path(tempfile.gettempdir()) / "training-screenshots"
    folder.mkdir(exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


WIDTHS = (1280, 390)
ALL_IMPACTS = ("minor", "moderate", "serious", "critical")


def check_at_both_widths(page: Any, name: str) -> None:
    """No axe-core violation of any impact and no sideways scroll, wide and narrow; a
    screenshot of each (``name-1280``, ``name-390``)."""
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{page.url} at {width}px scrolls sideways by {overflow}px"
        violations = axe_violations(page, impacts=ALL_IMPACTS)
        assert violations == [], f"{page.url} at {width}px: {violations}"
        shot(page, f"{name}-{width}")
    page.set_viewport_size({"width": 1280, "height": 900})


def interleaved_medians(kinds: dict[str, Callable[[int], float]], rounds: Iterable[int]) -> dict[str, float]:
    """The median of each kind's timings (each call returns seconds), the kinds taking turns
    in every round so that a busy moment of the machine hits them all alike."""
    times: dict[str, list[float]] = {kind: [] for kind in kinds}
    for i in rounds:
        for kind, timed in kinds.items():
            times[kind].append(timed(i))
    return {kind: statistics.median(values) for kind, values in times.items()}
