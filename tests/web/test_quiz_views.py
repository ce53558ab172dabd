"""Taking quizzes over HTTP: the answer key never reaches the page, grading happens once."""

from __future__ import annotations

import re
from datetime import timedelta

import sqlalchemy as sa
from freezegun import freeze_time

from training.course import get_catalogue
from training.extensions import db
from training.models import AttemptState, QuestionResponse, QuizAttempt
from training.services import summaries

from ..factories import make_user
from ..helpers import (
    MINIMAL,
    Auth,
    cached_catalogue,
    correct_form,
    csrf_from,
    get_csrf,
    page_form,
    start_quiz,
    submit_quiz,
    wrong_form,
)

QUIZ = cached_catalogue(MINIMAL).quiz("alpha-quiz")


def checked(page: str, name: str) -> list[str]:
    """The texts of the options ticked under one question of a quiz page."""
    found = re.findall(rf'<input type="[a-z]+" name="{name}" value="[^"]+" checked>\s*<span>(.*?)</span>', page, re.S)
    return [re.sub(r"<[^>]+>", "", text).strip() for text in found]


def test_quiz_page_holds_no_answer_key(app, client, login_as):
    login_as("learner")
    page = start_quiz(client)
    quiz = get_catalogue().quiz("alpha-quiz")
    for question in quiz.questions:
        assert re.sub(r"<[^>]+>", "", question.explanation_html).strip()[:30] not in page
        for option in question.options:
            feedback = re.sub(r"<[^>]+>", "", option.feedback_html).strip()
            assert feedback not in page, feedback
    assert "correct" not in page.lower().replace("correct horse", "")
    # Correct and wrong options are marked up the same way: only the id and the text differ.
    inputs = re.findall(r'<label class="choice">\s*<input ([^>]*)>\s*<span>', page)
    by_question: dict[str, set[str]] = {}
    for attributes in inputs:
        name = re.search(r'name="([^"]+)"', attributes).group(1)
        by_question.setdefault(name, set()).add(re.sub(r'value="[^"]*"', "", attributes))
    assert by_question and all(len(shapes) == 1 for shapes in by_question.values())


def test_learner_can_fail_retake_and_pass(app, client, login_as):
    user = login_as("learner")
    page = start_quiz(client)
    failed = submit_quiz(client, page, wrong_form(page))
    assert failed.status_code == 303
    result = client.get(failed.headers["Location"]).get_data(as_text=True)
    assert "You did not reach the pass mark of 70%" in result
    assert "Your answer: Beta" in result and "Not correct" in result  # which questions were wrong
    assert "No: beta is second." not in result  # no feedback that tells the answer, while attempts remain
    assert "Correct answer:" not in result and "Explanation." not in result
    assert "Retake the quiz" in result
    page = start_quiz(client)
    passed = submit_quiz(client, page, correct_form(page))
    result = client.get(passed.headers["Location"]).get_data(as_text=True)
    assert "Your score: 100%" in result and "You passed" in result
    attempts = db.session.scalars(
        sa.select(QuizAttempt).where(QuizAttempt.user_id == user.id).order_by(QuizAttempt.attempt_no)
    ).all()
    assert [(a.attempt_no, a.passed) for a in attempts] == [(1, False), (2, True)]
    assert attempts[1].pass_mark == 0.7 and attempts[1].content_version
    responses = db.session.scalar(
        sa.select(sa.func.count()).select_from(QuestionResponse).where(QuestionResponse.attempt_id == attempts[1].id)
    )
    assert responses == 6


def test_unit_completes_when_lessons_read_and_quiz_passed(app, client, login_as):
    login_as("learner")
    for lesson in ("first-steps", "second-steps"):
        token = get_csrf(client, f"/units/alpha/{lesson}")
        client.post(f"/units/alpha/{lesson}/complete", data={"csrf_token": token})
    page = start_quiz(client)
    client.get(submit_quiz(client, page, correct_form(page)).headers["Location"])
    api = client.get("/api/progress").get_json()
    alpha = api["units"][0]
    assert alpha["status"] == "complete"
    assert alpha["quiz"] == {"id": "alpha-quiz", "attempts": 1, "best_score": 100, "passed": True}
    assert "Complete" in client.get("/units/alpha").get_data(as_text=True)


def test_double_submit_grades_once_and_answers_the_second_with_a_redirect(app, client, login_as):
    user = login_as("learner")
    page = start_quiz(client)
    first = submit_quiz(client, page, correct_form(page))
    second = submit_quiz(client, page, wrong_form(page))
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    attempts = db.session.scalars(sa.select(QuizAttempt).where(QuizAttempt.user_id == user.id)).all()
    assert len(attempts) == 1 and attempts[0].score == 1.0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionResponse)) == 6


def test_forged_submissions_are_refused_and_change_nothing(app, client, login_as):
    user = login_as("learner")
    page = start_quiz(client)
    forgeries = (
        {"q-pick-one": ["zz"]},
        {"score": ["100"]},
        {"q-other-quiz-question": ["alpha"]},
        {"q-pick-one": ["alpha"]},
    )
    for forged in forgeries:  # the last: an authored id is no value of this attempt's form
        assert submit_quiz(client, page, forged).status_code == 400
    attempt = db.session.scalar(sa.select(QuizAttempt).where(QuizAttempt.user_id == user.id))
    db.session.refresh(attempt)
    assert attempt.state == AttemptState.IN_PROGRESS and attempt.score is None


def test_another_learners_attempt_is_not_found(app, client, login_as):
    login_as("learner")
    page = start_quiz(client)
    other = app.test_client()
    login_other = Auth(other)

    stranger = make_user()
    login_other.login(stranger.email)
    start_quiz(other)
    forged = submit_quiz(
        other, page.replace(csrf_from(page), get_csrf(other, "/quizzes/alpha-quiz")), correct_form(page)
    )
    assert forged.status_code == 404
    assert other.get("/quizzes/alpha-quiz/attempts/5").status_code == 404


def test_attempts_limit_is_enforced(app, client, login_as):
    login_as("learner")
    for _ in range(3):
        page = start_quiz(client)
        submit_quiz(client, page, wrong_form(page))
    page = client.get("/quizzes/alpha-quiz").get_data(as_text=True)
    assert "You have used every attempt" in page
    token = get_csrf(client, "/quizzes/alpha-quiz")
    client.post("/quizzes/alpha-quiz/start", data={"csrf_token": token})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizAttempt)) == 3
    result = client.get("/quizzes/alpha-quiz/attempts/3").get_data(as_text=True)
    assert "Correct answer:" in result and "No: beta is second." in result  # revealed once no attempt is left


def test_saved_answers_come_back_after_signing_out(app, client, login_as, auth):
    user = login_as("learner")
    page = start_quiz(client)
    answers = page_form(page, QUIZ, {"pick-one": {"choice": "alpha"}, "word": {"text": "stride"}})
    saved = submit_quiz(client, page, answers, action="save")
    assert saved.status_code == 200 and "Your answers are saved" in saved.get_data(as_text=True)
    auth.logout()
    auth.login(user.email)
    page = client.get("/quizzes/alpha-quiz").get_data(as_text=True)
    assert checked(page, "q-pick-one") == ["Alpha"]
    assert 'value="stride"' in page


def test_a_submission_that_fails_to_record_keeps_the_answers_posted(app, client, login_as, monkeypatch):
    """A submit is graded and recorded in one write: when recording fails, none of it is
    stored, the attempt stays open, and the answers posted come back as its draft."""
    login_as("learner")
    page = start_quiz(client)
    saved = submit_quiz(client, page, page_form(page, QUIZ, {"word": {"text": "stride"}}), action="save")
    page = saved.get_data(as_text=True)

    def unwritable(*_args: object) -> None:
        raise RuntimeError("the tallies could not be written")

    monkeypatch.setattr(summaries, "answers_recorded", unwritable)
    assert submit_quiz(client, page, wrong_form(page)).status_code == 500
    monkeypatch.undo()
    attempt = db.session.scalar(sa.select(QuizAttempt))
    assert attempt.state == AttemptState.IN_PROGRESS and attempt.score is None
    assert attempt.draft["word"] == {"text": "walk"}  # posted with the submit, after "stride" was saved
    assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionResponse)) == 0
    page = client.get("/quizzes/alpha-quiz").get_data(as_text=True)
    assert 'value="walk"' in page
    done = submit_quiz(client, page, correct_form(page))  # and it can still be submitted
    assert done.status_code == 303 and done.headers["Location"].endswith("/quizzes/alpha-quiz/attempts/1"), done.headers
    db.session.rollback()
    assert attempt.state == AttemptState.SUBMITTED and attempt.score == 1.0


def test_autosave_rejects_stale_saves(app, client, login_as):
    login_as("learner")
    page = start_quiz(client)
    attempt = re.search(r'name="attempt" value="(\d+)"', page).group(1)
    token = csrf_from(page)

    def save(seq, answer):
        return client.post(
            "/quizzes/alpha-quiz/autosave",
            data={"csrf_token": token, "attempt": attempt, "seq": str(seq), "q-word": [answer]},
        )

    assert save(2, "newer").status_code == 200
    assert save(1, "older").status_code == 409
    assert 'value="newer"' in client.get("/quizzes/alpha-quiz").get_data(as_text=True)


def test_answers_survive_an_expired_session(app, client, login_as, auth):
    user = login_as("learner")
    with freeze_time("2026-05-01 10:00:00", tick=True) as clock:
        auth.login(user.email)
        page = start_quiz(client)
        clock.tick(timedelta(hours=2))  # a long pause: the session has ended
        answers = page_form(page, QUIZ, {"pick-one": {"choice": "alpha"}, "word": {"text": "stride"}})
        response = submit_quiz(client, page, answers)
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        auth.login(user.email)
        page = client.get("/quizzes/alpha-quiz").get_data(as_text=True)
    assert "Your answers were kept" in page
    assert 'value="stride"' in page and checked(page, "q-pick-one") == ["Alpha"]
