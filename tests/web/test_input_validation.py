"""Bad values in the places a review found them reaching a server error: numbers that are not
ASCII digits or do not fit the database, query arguments that Flask's link building treats
specially, dates centuries away, and NUL and other control characters (which PostgreSQL
cannot store). Each is answered 4xx with a sentence, and nothing changes (docs/security.md
OUT-5, OUT-7, OUT-8). The suite runs these on SQLite and on PostgreSQL."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from training.extensions import db
from training.models import Attendance, AuditEvent, QuizAttempt, UnitCompletion, User

from ..factories import build_cohort, make_user
from ..helpers import Auth, csrf_from, get_csrf

SUPERSCRIPT_TWO = "\u00b2"  # "²": str.isdigit() says yes, int() says no
THIRTY_DIGITS = "9" * 30
BAD_NUMBERS = [SUPERSCRIPT_TWO, THIRTY_DIGITS, "-1", "1e3", " 1", "\u0663"]  # the last: Arabic-Indic three
RESERVED = ["endpoint", "_method", "_anchor", "_scheme", "_external"]


@pytest.fixture
def cohort(app):
    return build_cohort()


def fresh() -> None:
    db.session.rollback()


# --- numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["attempt", "seq"])
@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_quiz_numbers_must_be_ascii_digits_within_range(client, login_as, field: str, value: str):
    user = login_as("learner")
    token = get_csrf(client, "/quizzes/alpha-quiz")
    client.post("/quizzes/alpha-quiz/start", data={"csrf_token": token})
    page = client.get("/quizzes/alpha-quiz").get_data(as_text=True)
    form = {
        "csrf_token": csrf_from(page),
        "attempt": re.search(r'name="attempt" value="(\d+)"', page).group(1),
        "seq": "2",
        "q-word": "walk",
    }
    form[field] = value
    for path, extra in (("/quizzes/alpha-quiz/autosave", {}), ("/quizzes/alpha-quiz", {"action": "submit"})):
        response = client.post(path, data={**form, **extra})
        assert response.status_code == 400, (path, response.status_code)
    fresh()
    attempt = db.session.scalar(sa.select(QuizAttempt).where(QuizAttempt.user_id == user.id))
    assert attempt.state.value == "in_progress" and attempt.draft_seq == 0 and not attempt.draft


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_page_and_group_arguments_must_be_ascii_digits_within_range(client, auth, cohort, value: str):
    auth.login(cohort.admin.email)
    for path in (
        f"/admin/users?page={value}",
        f"/admin/audit?page={value}",
        f"/admin/reports/completion?page={value}",
        f"/admin/learners/{cohort.ana.id}?group={value}",
        f"/admin/reports?group={value}",
        f"/admin/reports/units.csv?group={value}",
    ):
        response = client.get(path)
        assert response.status_code == 400, (path, response.status_code)
    page = client.get(f"/admin/users?page={SUPERSCRIPT_TWO}").get_data(as_text=True)
    assert "must be a whole number from 1 to 100000" in page


def test_a_page_past_the_last_shows_the_last(client, auth, cohort):
    auth.login(cohort.admin.email)
    assert client.get("/admin/users?page=99999").status_code == 200


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_undoing_a_trainer_mark_needs_a_real_learner_id(client, auth, cohort, value: str):
    auth.login(cohort.trainer_south.email)
    page = client.get(f"/admin/learners/{cohort.dina.id}?group={cohort.south.id}").get_data(as_text=True)
    response = client.post(
        f"/admin/groups/{cohort.south.id}/completions/undo",
        data={"csrf_token": csrf_from(page), "unit": "alpha", "learner": value},
    )
    assert response.status_code == 400
    fresh()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(UnitCompletion)) == 1


@pytest.mark.parametrize("path", ["/admin/users/{big}", "/admin/groups/{big}", "/admin/learners/{big}"])
def test_an_id_too_big_for_the_database_is_not_found(client, auth, cohort, path: str):
    auth.login(cohort.admin.email)
    for big in (THIRTY_DIGITS, str(2**31), SUPERSCRIPT_TWO):
        assert client.get(path.format(big=big)).status_code == 404


# --- query arguments that link building treats specially ------------------------------------


LATER_PAGES = ("/admin/certificates", "/admin/evaluation")
"""Pages with download links built from their filters."""


def test_digits_that_are_not_ascii_never_reach_int(client, auth, cohort):
    """``str.isdigit`` accepts "²" and "٣", which ``int`` refuses: the evaluation's group and
    ratings answer 404 or the form again, never a server error."""
    auth.login(cohort.ana.email)
    assert client.get("/evaluation", query_string={"group": "\u00b2"}).status_code == 404
    assert client.get("/evaluation", query_string={"group": "9" * 30}).status_code == 404
    page = client.get("/evaluation").get_data(as_text=True)
    ratings = set(re.findall(r'name="(q-[\w-]+)" value="1"', page))
    assert ratings, "the fixture evaluation has rating questions"
    token = get_csrf(client, "/evaluation")
    response = client.post("/evaluation", data={"csrf_token": token, **{n: "\u00b2" for n in ratings}})
    assert response.status_code == 400 and "Choose one of the points" in response.get_data(as_text=True)


@pytest.mark.parametrize("name", RESERVED)
def test_reserved_query_arguments_never_reach_link_building(client, auth, cohort, name: str):
    for number in range(55):  # more than one page of accounts: the pages link to each other
        make_user("learner", email=f"extra{number}@example.org")
    auth.login(cohort.admin.email)
    for path in ("/admin/users", "/admin/reports/completion", "/admin/audit", "/admin/reports", *LATER_PAGES):
        response = client.get(path, query_string={name: "DELETE", "page": "1"})
        assert response.status_code == 200, (path, response.status_code)
        page = response.get_data(as_text=True)
        assert name not in page.split("<main", 1)[1], path  # not carried into any link
    pages = client.get("/admin/users", query_string={name: "https", "q": "extra"}).get_data(as_text=True)
    assert 'href="/admin/users?page=2&amp;q=extra"' in pages or 'href="/admin/users?q=extra&amp;page=2"' in pages


# --- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "1899-12-31", "2100-01-01"])
def test_report_dates_outside_the_sane_range_are_refused_with_a_message(client, auth, cohort, value: str):
    auth.login(cohort.admin.email)
    for argument in ("registered_from", "registered_to"):
        for path in ("/admin/reports", "/admin/reports/completion", "/admin/reports/print"):
            response = client.get(path, query_string={argument: value})
            assert response.status_code == 400, (path, argument)
            assert "Enter a date" in response.get_data(as_text=True), path
        for path in ("/admin/reports/units.csv", "/admin/reports/timeline.csv"):
            response = client.get(path, query_string={argument: value})
            assert response.status_code == 400 and "Enter a date" in response.get_data(as_text=True)


def test_a_download_with_a_refused_filter_is_refused_not_unfiltered(client, auth, cohort):
    auth.login(cohort.admin.email)
    response = client.get("/admin/reports/countries.csv", query_string={"registered_to": "9999-12-31"})
    assert response.status_code == 400 and response.mimetype == "text/html"
    fresh()
    assert (
        db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == "export")) == 0
    )


@pytest.mark.parametrize("value", ["0001-01-01", "1999-12-31"])
def test_attendance_cannot_be_back_dated_to_another_century(client, auth, cohort, value: str):
    auth.login(cohort.trainer_north.email)
    url = f"/admin/groups/{cohort.north.id}/attendance"
    page = client.get(url).get_data(as_text=True)
    response = client.post(
        url,
        data={"csrf_token": csrf_from(page), "unit": "beta", "session_date": value, "present": [str(cohort.bo.id)]},
    )
    assert response.status_code == 400
    assert "Enter a date from 2000-01-01 on." in response.get_data(as_text=True)
    fresh()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Attendance)) == 0


def test_the_attendance_service_keeps_the_same_date_rule(cohort):
    from datetime import date

    from training.course import get_catalogue
    from training.permissions import Actor, Role
    from training.services import workshops
    from training.services.groups import GroupError

    actor = Actor(cohort.trainer_north.id, Role.TRAINER)
    with pytest.raises(GroupError, match="from 2000-01-01 on"):
        workshops.record_attendance(actor, get_catalogue(), cohort.north.id, "beta", date(1, 1, 1), [cohort.bo.id])


def test_a_group_cannot_start_in_another_century(client, auth, cohort):
    auth.login(cohort.admin.email)
    token = get_csrf(client, "/admin/groups/new")
    response = client.post(
        "/admin/groups/new", data={"csrf_token": token, "name": "Old group", "starts_on": "0001-01-01"}
    )
    assert response.status_code == 400 and "Enter a date from 2000-01-01 on." in response.get_data(as_text=True)


# --- NUL and other control characters ---------------------------------------------------------


NUL_CASES = [
    ("sign-in email", "/login", {"email": "a\x00@example.org", "password": "whatever it is"}),
    ("sign-in password", "/login", {"email": "a@example.org", "password": "pass\x00word"}),
    ("registration email", "/register", {"email": "a\x00@example.org", "name": "A", "password": "x" * 12}),
    ("registration name", "/register", {"email": "a@example.org", "name": "A\x00B", "password": "x" * 12}),
    ("escape in a name", "/register", {"email": "a@example.org", "name": "A\x1b[31mB", "password": "x" * 12}),
]


@pytest.mark.parametrize("case, path, data", NUL_CASES, ids=[c[0] for c in NUL_CASES])
def test_control_characters_in_sign_in_and_registration_are_refused(client, case: str, path: str, data: dict):
    token = get_csrf(client, path)
    response = client.post(path, data={**data, "confirm": data["password"], "csrf_token": token})
    assert response.status_code == 400, response.status_code
    assert "control character (such as NUL)" in response.get_data(as_text=True)
    fresh()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0


def test_control_characters_in_an_admin_search_and_in_short_answers_are_refused(app, client, auth, cohort):
    auth.login(cohort.admin.email)
    for path in ("/admin/users?q=a%00b", "/admin/reports/completion?q=%00", "/admin/users?q=%1b", "/units/a%00lpha"):
        assert client.get(path).status_code == 400, path

    learner = app.test_client()
    Auth(learner).login(make_user().email)
    token = get_csrf(learner, "/quizzes/alpha-quiz")
    learner.post("/quizzes/alpha-quiz/start", data={"csrf_token": token})
    page = learner.get("/quizzes/alpha-quiz").get_data(as_text=True)
    attempt = re.search(r'name="attempt" value="(\d+)"', page).group(1)
    form = {"csrf_token": csrf_from(page), "attempt": attempt, "seq": "2", "q-word": "wa\x00lk"}
    assert learner.post("/quizzes/alpha-quiz/autosave", data=form).status_code == 400
    assert learner.post("/quizzes/alpha-quiz", data={**form, "action": "submit"}).status_code == 400
    fresh()
    assert db.session.scalar(sa.select(QuizAttempt.state).where(QuizAttempt.id == int(attempt))).value == "in_progress"


def test_text_areas_keep_their_line_breaks(client, auth, cohort):
    auth.login(cohort.admin.email)
    token = get_csrf(client, "/admin/groups/new")
    response = client.post(
        "/admin/groups/new",
        data={"csrf_token": token, "name": "Mombasa", "description": "Day one:\r\n\tconcepts\r\nDay two: data"},
    )
    assert response.status_code == 303
