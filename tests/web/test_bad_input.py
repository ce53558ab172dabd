"""Hypothesis throws bad input at every form the platform has: answers are 4xx or a normal
page, never a 5xx. Routes are read from the app's URL map, so a new form is covered the day
it is added. (Speed is measured by ``bench/``, not asserted here.)"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from training.extensions import db
from training.models import User

from ..factories import make_user
from ..helpers import Auth, get_csrf, post_routes

FIELDS = [
    "email",
    "password",
    "name",
    "organisation",
    "country",
    "role",
    "confirm",
    "current",
    "code",
    "attempt",
    "seq",
    "action",
    "q-pick-one",
    "q-word",
    "q-pick-many",
    "units",
    "days",
    "hours_per_day",
    "day_start",
    "break_minutes",
    "lunch_minutes",
    "file",
    "csv",
    "group",
    "learners",
    "date",
    "unit",
    "user_id",
    "score",
    "is_admin",
    "next",
    "description",
    "starts_on",
    "search",
    "active",
]
NASTY = st.one_of(
    st.text(max_size=40),
    # long text: a short random piece repeated, cheap to generate and to shrink
    st.builds(
        lambda piece, times: piece * times,
        st.text(st.characters(codec="utf-8"), min_size=1, max_size=20),
        st.integers(10, 250),
    ),
    st.sampled_from(
        [
            "\x00",
            "'; DROP TABLE user; --",
            "<script>alert(1)</script>",
            "\u202e\u202dRTL",
            '=HYPERLINK("http://x")',
            "a" * 300 + "@example.org",
            "99999999999999999999",
            "-1",
            "../../etc/passwd",
            "%00",
            "\r\n\r\nHTTP/1.1 200 OK",
        ]
    ),
)
FORMS = st.dictionaries(st.sampled_from(FIELDS) | st.text(min_size=1, max_size=12), NASTY, max_size=8)


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
    @given(form=FORMS)
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
