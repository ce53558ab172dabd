"""Hypothesis throws bad input at every form and every query argument the platform has:
answers are 4xx or a normal page, never a 5xx (docs/security.md OUT-5). Routes are read from
the app's URL map and the argument names from the code itself (every form class's fields,
every name a view reads from the request, the quiz's answer fields, and the names Flask's link
building treats specially), so a new route, form or argument is covered the day it is added.
The suite runs this on SQLite and on PostgreSQL. (Speed is measured by ``bench/``, not
asserted here.)"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from hypothesis import given, settings
from hypothesis import strategies as st
from wtforms import Form
from wtforms.fields.core import UnboundField

from training.course import get_catalogue
from training.extensions import db
from training.models import User
from training.quiz import FORM_PREFIX

from ..factories import make_user
from ..helpers import ROOT, Auth, get_csrf, post_routes, routes_for

RESERVED = ["endpoint", "_method", "_anchor", "_scheme", "_external"]
"""Names ``url_for`` gives a meaning of its own."""
EXTRA = ["score", "is_admin", "user_id", "role", "csv", "file", "next", "lang", "page", "group"]
"""Fields no form declares, which a forged request might add."""
REQUEST_READS = re.compile(r"request\.(?:args|form|files)\.(?:get|getlist)\(\s*[\"']([\w-]+)[\"']")


def _subclasses(cls: type) -> Iterator[type]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def argument_names(app: Flask) -> list[str]:
    """Every name a route may read, found in the code rather than listed by hand."""
    names = set(RESERVED) | set(EXTRA)
    for form_class in _subclasses(Form):
        if form_class.__module__.startswith("training."):
            names |= {n for n in dir(form_class) if isinstance(getattr(form_class, n, None), UnboundField)}
    for path in (ROOT / "training").rglob("*.py"):
        names |= set(REQUEST_READS.findall(path.read_text(encoding="utf-8")))
    with app.app_context():
        for quiz in get_catalogue().quizzes.values():
            for question in quiz.questions:
                names.add(FORM_PREFIX + question.id)
                names |= {f"{FORM_PREFIX}{question.id}-{option.id}" for option in question.options}
    return sorted(names)


SAMPLES = [
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "\x7f",
    "\r\n\r\nHTTP/1.1 200 OK",
    "'; DROP TABLE user; --",
    "<script>alert(1)</script>",
    "\u202e\u202dRTL",
    '=HYPERLINK("http://x")',
    "a" * 300 + "@example.org",
    "9" * 30,
    str(2**31),
    str(2**63),
    "\u00b2",
    "\u0663",
    "-1",
    "0",
    "1e400",
    "NaN",
    "9999-12-31",
    "0001-01-01",
    "-0001-01-01",
    "2026-02-30",
    "99:99",
    "../../etc/passwd",
    "%00",
]
PLAUSIBLE = ["1", "2", "2026-03-01", "alpha", "beta", "fr", "KE", "learner", "admin", "complete", "name", "09:00"]
"""Values the views accept, so the generated requests also get past the first check."""
NASTY = st.one_of(
    st.text(max_size=40),
    # long text: a short random piece repeated, cheap to generate and to shrink
    st.builds(
        lambda piece, times: piece * times,
        st.text(st.characters(codec="utf-8"), min_size=1, max_size=20),
        st.integers(10, 250),
    ),
    st.integers(-(2**70), 2**70).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(SAMPLES),
    st.sampled_from(PLAUSIBLE),
)
VALUES = st.one_of(NASTY, st.lists(NASTY, min_size=2, max_size=3))


def arguments(names: list[str]) -> st.SearchStrategy[dict]:
    return st.dictionaries(st.sampled_from(names) | st.text(min_size=1, max_size=12), VALUES, max_size=6)


@pytest.mark.parametrize("role", ["learner", "admin"])
def test_no_form_answers_bad_input_with_a_server_error(app, role: str):
    client = app.test_client()
    Auth(client).login(make_user(role).email)
    make_user("learner")  # user 2: the account the admin forms act on
    token = get_csrf(client, "/")
    routes = post_routes(app)
    assert len(routes) >= 10
    seen: set[int] = set()

    @settings(max_examples=12, deadline=None)
    @given(form=arguments(argument_names(app)))
    def check(form: dict) -> None:
        for path in routes:
            response = client.post(path, data={**form, "csrf_token": token})
            assert response.status_code < 500, (path, form, response.status_code)
            seen.add(response.status_code)

    check()
    # The forms were really exercised: refused input (400/404/409/413), re-displayed forms
    # (200, 401) or redirects, not only "forbidden".
    assert seen - {403}, seen


def test_a_nul_character_anywhere_is_refused_before_anything_reads_it(app):
    """PostgreSQL refuses NUL in any text value, so one in a path, a query or a form field
    would otherwise be a server error there: every route answers 400 and writes nothing."""
    client = app.test_client()
    admin = make_user("admin")
    Auth(client).login(admin.email)
    token = get_csrf(client, "/")
    users = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    for path in post_routes(app):
        assert client.post(path, data={"name": "a\x00b", "csrf_token": token}).status_code == 400, path
        assert client.post(path, data={"csrf_token": token, "x\x00": "1"}).status_code == 400, path
    for path in ("/admin/users?q=%00", "/admin/reports?organisation=a%00", "/admin/import/a%00b", "/units/a%00"):
        assert client.get(path).status_code == 400, path
    assert client.get("/admin/users?q=ana").status_code == 200  # the guard is only for NUL
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == users


@pytest.mark.parametrize("role", [None, "learner", "trainer", "admin"])
def test_no_query_argument_answers_bad_input_with_a_server_error(app, role: str | None):
    client = app.test_client()
    if role is not None:
        Auth(client).login(make_user(role).email)
    make_user("learner")  # user 2: the account the admin pages show
    routes = routes_for(app, "GET", frozenset({"static"}))
    names = argument_names(app)
    assert len(routes) >= 30 and {"page", "group", "registered_to", "q", "days", "attempt", "seq"} <= set(names)
    seen: set[int] = set()
    # A page that is unavailable without any argument (the readiness probe on a database made
    # without migrations, credentials without a signing key) may stay so; no argument may
    # make anything else a server error.
    unavailable = {path for path in routes if client.get(path).status_code == 503}

    @settings(max_examples=8, deadline=None)
    @given(query=arguments(names))
    def check(query: dict) -> None:
        for path in routes:
            response = client.get(path, query_string=query)
            expected = response.status_code < 500 or (response.status_code == 503 and path in unavailable)
            assert expected, (path, query, response.status_code)
            seen.add(response.status_code)

    check()
    assert 200 in seen and 400 in seen, seen  # pages answered, and bad arguments were refused
