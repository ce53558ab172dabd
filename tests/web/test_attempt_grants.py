"""Another chance at a quiz: the group's trainer or an administrator grants extra attempts
with a reason, on the audit trail and in the learner's records; another group's trainer and
learners cannot; a learner who has used every attempt is told whom to ask."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from training.extensions import db
from training.models import AttemptGrant, AuditEvent, GroupRole, Membership, QuizAttempt

from ..factories import alpha_answers, at, build_cohort, make_user, take_quiz
from ..helpers import Auth, csrf_from, get_csrf, start_quiz


@pytest.fixture
def cohort(app):
    return build_cohort()


@pytest.fixture
def stuck(cohort):
    """A learner of the North group who used all three attempts at the alpha quiz."""
    learner = make_user("learner", email="fay@example.org", name="Fay")
    db.session.add(Membership(group_id=cohort.north.id, user_id=learner.id, role=GroupRole.LEARNER))
    db.session.commit()
    for day in (1, 2, 3):
        take_quiz(learner, "alpha-quiz", alpha_answers(False), at(4, day))
    return learner


def grant(client, user_id: int, **fields: str):
    token = get_csrf(client, f"/admin/learners/{user_id}")
    return client.post(f"/admin/learners/{user_id}/attempts", data={"csrf_token": token, **fields})


def grants_of(user_id: int) -> list[AttemptGrant]:
    db.session.rollback()  # a fresh read: the requests wrote in their own transactions
    return list(db.session.scalars(sa.select(AttemptGrant).where(AttemptGrant.user_id == user_id)))


def test_learner_out_of_attempts_is_told_to_ask_their_trainer(client, auth, cohort, stuck):
    auth.login(stuck.email)
    page = client.get("/quizzes/alpha-quiz").get_data(as_text=True)
    assert "You have used every attempt this quiz allows." in page
    assert "Your trainer can give you another attempt:" in page
    assert 'href="mailto:north@example.org"' in page and "south@example.org" not in page
    assert "Start the quiz" not in page and "Retake the quiz" not in page


def test_without_a_trainer_the_course_contact_is_named(app, client, auth, cohort):
    loner = make_user("learner", email="gus@example.org")
    for day in (1, 2, 3):
        take_quiz(loner, "alpha-quiz", alpha_answers(False), at(4, day))
    auth.login(loner.email)
    page = client.get("/quizzes/alpha-quiz").get_data(as_text=True)
    assert 'href="mailto:help@fixture.example"' in page and "north@example.org" not in page


def test_the_trainer_grants_an_attempt_and_the_learner_takes_it(app, client, auth, cohort, stuck):
    auth.login(cohort.trainer_north.email)
    response = grant(client, stuck.id, quiz="alpha-quiz", extra="1", reason="Ill on the day of the test")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Fay has 1 more attempt at" in page
    assert "Ill on the day of the test" in page and "Trainer North" in page  # the learner's records
    [recorded] = grants_of(stuck.id)
    assert (recorded.quiz_id, recorded.extra, recorded.granted_by_id) == ("alpha-quiz", 1, cohort.trainer_north.id)
    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "quiz.attempts_grant")).all()
    assert event.actor_id == cohort.trainer_north.id and "fay@example.org" in event.target
    assert event.detail == {"quiz": "alpha-quiz", "extra": 1, "reason": "Ill on the day of the test"}

    learner = app.test_client()
    Auth(learner).login(stuck.email)
    start = learner.get("/quizzes/alpha-quiz").get_data(as_text=True)
    assert "the next one is your last" in start
    page = start_quiz(learner)
    assert "Attempt 4 of 4" in page and "This is your last attempt" in page
    # Used: no fifth.
    attempt = re.search(r'name="attempt" value="(\d+)"', page).group(1)
    learner.post(
        "/quizzes/alpha-quiz",
        data={
            "csrf_token": csrf_from(page),
            "attempt": attempt,
            "seq": "9",
            "action": "submit",
            "confirm": "unanswered",
        },
    )
    again = learner.post("/quizzes/alpha-quiz/start", data={"csrf_token": csrf_from(page)})
    assert again.status_code == 303
    db.session.rollback()
    numbers = db.session.scalars(sa.select(QuizAttempt.attempt_no).where(QuizAttempt.user_id == stuck.id)).all()
    assert sorted(numbers) == [1, 2, 3, 4]


def test_an_administrator_grants_for_anyone(client, auth, cohort):
    auth.login(cohort.admin.email)
    response = grant(client, cohort.eli.id, quiz="alpha-quiz", extra="2", reason="Connection lost twice")
    assert response.status_code == 303
    assert [g.extra for g in grants_of(cohort.eli.id)] == [2]


def test_another_groups_trainer_and_learners_cannot_grant(app, client, auth, cohort, stuck):
    auth.login(cohort.trainer_south.email)
    token = get_csrf(client, "/admin/")
    form = {"csrf_token": token, "quiz": "alpha-quiz", "extra": "1", "reason": "please"}
    assert client.post(f"/admin/learners/{stuck.id}/attempts", data=form).status_code == 404
    learner = app.test_client()
    Auth(learner).login(cohort.bo.email)
    form["csrf_token"] = get_csrf(learner, "/")
    assert learner.post(f"/admin/learners/{stuck.id}/attempts", data=form).status_code == 403
    assert grants_of(stuck.id) == []


@pytest.mark.parametrize(
    "fields",
    [
        {"quiz": "alpha-quiz", "extra": "1", "reason": "   "},  # no reason
        {"quiz": "alpha-quiz", "extra": "0", "reason": "retry"},
        {"quiz": "alpha-quiz", "extra": "11", "reason": "retry"},
        {"quiz": "beta-quiz", "extra": "1", "reason": "retry"},  # unlimited attempts: nothing to grant
        {"quiz": "no-such-quiz", "extra": "1", "reason": "retry"},
        {"quiz": "alpha-quiz", "extra": "1", "reason": "x" * 501},
    ],
)
def test_a_bad_grant_gets_the_form_again_and_records_nothing(client, auth, cohort, stuck, fields):
    auth.login(cohort.admin.email)
    response = grant(client, stuck.id, **fields)
    assert response.status_code == 400
    assert "Please check the form" in response.get_data(as_text=True)
    assert grants_of(stuck.id) == []
