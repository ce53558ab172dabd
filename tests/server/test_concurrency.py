"""Races against the real server (gunicorn, 2 workers): submits, starts, sign-in throttling.

Each test releases its threads together with a ``threading.Barrier`` and counts the rows
afterwards, on SQLite and (in the second run of ``make test``) on PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from training.models import AttemptGrant
from training.quiz import grade

from ..helpers import MINIMAL, cached_catalogue, correct_answers, correct_form, page_form
from ..livesite import Browser, form_fields, live_site, race, rows, started

pytestmark = pytest.mark.server
CATALOGUE = cached_catalogue(MINIMAL)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    with live_site(tmp_path_factory.mktemp("site"), workers=2) as site:
        yield site


def test_ten_simultaneous_submits_grade_once(site):
    email = site.create_user("racer@example.org")
    browser = Browser(site)
    assert browser.login(email).status_code == 302
    page = started(browser)
    answers = {**correct_form(page), "q-word": ["walk"]}  # one wrong answer: a score below 100
    data = {**form_fields(page), "action": "submit", **answers}
    tabs = [browser.clone() for _ in range(10)]
    statuses = race(10, lambda i: tabs[i].post("/quizzes/alpha-quiz", data).status_code)
    assert set(statuses) <= {303}, statuses
    attempts = rows(site, "SELECT id, state, score FROM quiz_attempt")
    assert len(attempts) == 1 and attempts[0].state == "submitted"
    quiz = CATALOGUE.quiz("alpha-quiz")
    expected = grade(quiz, {**correct_answers(quiz), "word": {"text": "walk"}}).score
    assert attempts[0].score == pytest.approx(expected) and expected < 1
    responses = rows(site, "SELECT count(*) AS n FROM question_response WHERE attempt_id = :a", a=attempts[0].id)
    assert responses[0].n == len(quiz.questions)
    assert "database is locked" not in site.log() and "Traceback" not in site.log()


def test_a_signed_in_page_names_each_thing_it_varies_on_once(site):
    """Served by gunicorn, a signed-in page says once that it varies with the cookie (the
    language's ``Vary`` lists it already), as do a 304 and a redirect."""
    email = site.create_user("varied@example.org")
    browser = Browser(site)
    assert browser.login(email).status_code == 302
    lesson = browser.get("/units/alpha/first-steps")
    answers = [
        lesson,
        browser.get("/units/alpha/first-steps", headers={"If-None-Match": lesson.headers["ETag"]}),
        browser.get("/login"),
    ]
    assert [answer.status_code for answer in answers] == [200, 304, 302]
    for answer in answers:
        names = [name.strip() for value in answer.raw.headers.getlist("Vary") for name in value.split(",")]
        assert "Cookie" in names and len(names) == len(set(names)), (answer.url, names)
        assert answer.headers["Cache-Control"] == "no-store"


def attempts_of(site, email: str) -> list:
    return rows(
        site,
        'SELECT attempt_no, state FROM quiz_attempt qa JOIN "user" u ON u.id = qa.user_id '
        "WHERE u.email = :e ORDER BY attempt_no",
        e=email,
    )


def test_simultaneous_starts_never_exceed_the_attempt_limit(site):
    email = site.create_user("starter@example.org")
    browser = Browser(site)
    browser.login(email)
    token = browser.token("/quizzes/alpha-quiz")
    tabs = [browser.clone() for _ in range(10)]
    statuses = race(10, lambda i: tabs[i].post("/quizzes/alpha-quiz/start", {"csrf_token": token}).status_code)
    assert set(statuses) == {303}
    assert (
        len(
            rows(
                site, 'SELECT qa.id FROM quiz_attempt qa JOIN "user" u ON u.id = qa.user_id WHERE u.email = :e', e=email
            )
        )
        == 1
    )

    def start_and_submit(i: int) -> None:
        for _ in range(3):
            page = started(tabs[i])
            if 'name="attempt"' in page:
                wrong = page_form(page, CATALOGUE.quiz("alpha-quiz"), {"pick-one": {"choice": "beta"}})
                tabs[i].post(
                    "/quizzes/alpha-quiz", {**form_fields(page), "action": "submit", "confirm": "unanswered", **wrong}
                )

    race(10, start_and_submit)
    attempts = attempts_of(site, email)
    assert [a.attempt_no for a in attempts] == [1, 2, 3]  # alpha-quiz allows three attempts
    assert all(a.state == "submitted" for a in attempts)

    # A trainer grants one more attempt: ten tabs racing to use it get exactly one.
    engine = sa.create_engine(site.env["TRAINING_DATABASE_URL"])
    try:
        with engine.begin() as conn:
            conn.execute(
                AttemptGrant.__table__.insert(),
                {
                    "user_id": rows(site, 'SELECT id FROM "user" WHERE email = :e', e=email)[0].id,
                    "quiz_id": "alpha-quiz",
                    "extra": 1,
                    "reason": "ill on the day",
                    "granted_at": datetime.now(UTC),
                },
            )
    finally:
        engine.dispose()
    race(10, start_and_submit)
    attempts = attempts_of(site, email)
    assert [(a.attempt_no, a.state) for a in attempts] == [(n, "submitted") for n in (1, 2, 3, 4)]


def test_sign_in_throttling_is_shared_by_all_workers(site):
    email = site.create_user("guarded@example.org")
    statuses = []
    for _ in range(5):  # LOGIN_MAX_FAILURES; each try on a new connection, so workers alternate
        statuses.append(Browser(site).login(email, "wrong password").status_code)
    assert statuses == [401, 401, 401, 401, 429]
    assert Browser(site).login(email).status_code == 429  # even the right password, during the lock


def test_many_learners_writing_at_once_lose_nothing(site):
    emails = site.create_users([f"crowd{i}@example.org" for i in range(12)])
    browsers = [Browser(site) for _ in emails]
    for browser, email in zip(browsers, emails, strict=True):
        assert browser.login(email).status_code == 302
    lessons = [("alpha", "first-steps"), ("alpha", "second-steps"), ("beta", "only-lesson"), ("beta", "beta-two")]

    def learn(i: int) -> list[int]:
        b = browsers[i]
        token = b.token("/")
        codes = [b.post(f"/units/{u}/{le}/complete", {"csrf_token": token}).status_code for u, le in lessons]
        page = started(b, "beta-quiz")
        codes.append(
            b.post(
                "/quizzes/beta-quiz",
                {**form_fields(page), "action": "submit", **correct_form(page, CATALOGUE.quiz("beta-quiz"))},
            ).status_code
        )
        return codes

    results = race(len(browsers), learn)
    assert all(code == 303 for codes in results for code in codes), results
    read = rows(
        site,
        'SELECT count(*) AS n FROM lesson_progress lp JOIN "user" u ON u.id = lp.user_id '
        "WHERE u.email LIKE 'crowd%' AND lp.completed_at IS NOT NULL",
    )
    assert read[0].n == len(emails) * len(lessons)
    passed = rows(site, "SELECT count(*) AS n FROM quiz_attempt WHERE quiz_id = 'beta-quiz' AND passed")
    assert passed[0].n == len(emails)
    assert "database is locked" not in site.log()
