"""The review before the final submit, over HTTP: answered and unanswered questions linked back
to the form, a confirmation needed to submit with gaps, the last attempt announced, and a
submit sent twice recording one attempt."""

from __future__ import annotations

import re

import sqlalchemy as sa

from training.extensions import db
from training.models import AttemptState, QuizAttempt

from ..helpers import correct_form, csrf_from, start_quiz, submit_quiz, wrong_form


def submitted(user_id: int) -> list[QuizAttempt]:
    db.session.rollback()  # a fresh read: the requests wrote in their own transactions
    return list(
        db.session.scalars(
            sa.select(QuizAttempt).where(QuizAttempt.user_id == user_id, QuizAttempt.state == AttemptState.SUBMITTED)
        )
    )


def review_page(client, page: str, answers: dict) -> str:
    response = submit_quiz(client, page, answers, action="review")
    assert response.status_code == 303 and response.headers["Location"].endswith("/quizzes/alpha-quiz/review")
    return client.get(response.headers["Location"]).get_data(as_text=True)


def final_submit(client, review: str, **extra: str):
    attempt = re.search(r'name="attempt" value="(\d+)"', review).group(1)
    return client.post(
        "/quizzes/alpha-quiz/submit", data={"csrf_token": csrf_from(review), "attempt": attempt, **extra}
    )


def test_review_lists_unanswered_questions_with_links_back(app, client, login_as):
    login_as("learner")
    page = start_quiz(client)
    review = review_page(client, page, {"q-word": ["stride"]})
    assert "questions are not fully answered" in review
    assert 'href="/quizzes/alpha-quiz#q-1"' in review
    states = re.findall(r'<li class="review-(\w+)">', review)
    assert states.count("answered") == 1 and len(states) == 6
    for number in range(1, 7):  # every link lands on a question of the form
        assert f'id="q-{number}"' in page


def test_submit_with_unanswered_questions_needs_confirmation(app, client, login_as):
    user = login_as("learner")
    review = review_page(client, start_quiz(client), {"q-word": ["stride"]})
    refused = final_submit(client, review)
    assert refused.status_code == 400
    assert "Some questions have no answer" in refused.get_data(as_text=True)
    assert submitted(user.id) == []  # nothing graded, the attempt still open
    # A submit posted straight from the quiz form is held to the same rule.
    page = client.get("/quizzes/alpha-quiz").get_data(as_text=True)
    form = {"csrf_token": csrf_from(page), "action": "submit", "q-word": ["stride"]}
    form |= {name: re.search(rf'name="{name}" value="(\d+)"', page).group(1) for name in ("attempt", "seq")}
    straight = client.post("/quizzes/alpha-quiz", data=form)
    assert straight.status_code == 303 and straight.headers["Location"].endswith("/review")
    assert submitted(user.id) == []
    confirmed = final_submit(client, review, confirm="unanswered")
    assert confirmed.status_code == 303 and "/attempts/1" in confirmed.headers["Location"]
    [attempt] = submitted(user.id)
    assert "stride" in str(attempt.draft) and attempt.score is not None


def test_complete_answers_submit_without_confirmation(app, client, login_as):
    user = login_as("learner")
    review = review_page(client, (page := start_quiz(client)), correct_form(page))
    assert "Every question has an answer." in review and 'name="confirm"' not in review
    response = final_submit(client, review)
    assert response.status_code == 303
    assert [a.passed for a in submitted(user.id)] == [True]


def test_the_last_attempt_is_announced(app, client, login_as):
    login_as("learner")
    for _ in range(2):
        submit_quiz(client, (page := start_quiz(client)), wrong_form(page))
    start = client.get("/quizzes/alpha-quiz").get_data(as_text=True)
    assert "the next one is your last" in start
    page = start_quiz(client)
    assert "This is your last attempt at this quiz." in page and "Attempt 3 of 3" in page
    review = review_page(client, page, wrong_form(page))
    assert "This is your last attempt" in review and "Submit my last attempt for grading" in review


def test_an_earlier_attempt_is_not_announced_as_last(app, client, login_as):
    login_as("learner")
    assert "last attempt" not in client.get("/quizzes/alpha-quiz").get_data(as_text=True)
    page = start_quiz(client)
    assert "last attempt" not in page
    assert "last attempt" not in review_page(client, page, correct_form(page))


def test_a_double_submit_records_one_attempt(app, client, login_as):
    user = login_as("learner")
    review = review_page(client, (page := start_quiz(client)), correct_form(page))
    first, second = final_submit(client, review), final_submit(client, review)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    assert len(submitted(user.id)) == 1
    assert "the next one is your last" not in client.get("/quizzes/alpha-quiz").get_data(as_text=True)
