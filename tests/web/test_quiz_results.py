"""Result pages come from what the attempt stored; what they reveal is the quiz's policy; the
form's values are opaque; pools, time limits and edits to a quiz are handled on the server."""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from training.content import build_catalogue
from training.content.model import QuestionType
from training.course import EXTENSION_KEY, get_catalogue
from training.extensions import db
from training.models import AttemptState, Certificate, QuestionResponse, QuizAttempt, utcnow

from ..factories import read_lesson, take_quiz
from ..helpers import FIXTURES, MINIMAL, correct_answers, page_form, start_quiz, submit_quiz
from .test_quiz_views import checked


@pytest.fixture
def course(tmp_path: Path) -> Path:
    """A copy of the fixture course that a test may edit, as an author would."""
    folder = tmp_path / "course"
    shutil.copytree(MINIMAL, folder)
    quiz = folder / "quizzes" / "alpha.md"
    quiz.write_text(quiz.read_text().replace("duration: 10\n", "duration: 10\nreveal: after-each-attempt\n", 1))
    return folder


@pytest.fixture
def app_overrides(course: Path) -> dict:
    return {"CONTENT_DIR": str(course)}


def edit(app, course: Path, *replacements: tuple[str, str]) -> None:
    """Change the quiz file and load the course again, as a redeploy would."""
    path = course / "quizzes" / "alpha.md"
    text = path.read_text()
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    path.write_text(text)
    app.extensions[EXTENSION_KEY] = build_catalogue(course)


def feedback_section(page: str) -> str:
    """The per-question part of a result page, without the note that the quiz was edited."""
    section = page[page.index('<ol class="questions">') : page.rindex("</ol>")]
    return re.sub(r"\s+", " ", section)


ANSWERS = {
    "pick-one": {"choice": "beta"},
    "pick-many": {"choices": ["alpha", "apple"]},
    "is-true": {"choice": "true"},
    "word": {"text": "step"},
    "pairs": {"pairs": {"alpha": "beta", "beta": "alpha", "gamma": "gamma"}},
    "sequence": {"positions": {"alpha": 1, "beta": 3, "gamma": 2}},
}


def test_editing_the_answer_key_after_an_attempt_leaves_its_result_unchanged(app, client, login_as, course):
    login_as("learner")
    page = start_quiz(client)
    result_url = submit_quiz(client, page, page_form(page, get_catalogue().quiz("alpha-quiz"), ANSWERS)).headers[
        "Location"
    ]
    before = client.get(result_url).get_data(as_text=True)
    assert "Your score: 27%" in before  # (0 + 0 + 1 + 0 + 1/3 + 1/3) / 6, shown as whole percent
    # The author decides beta was the right answer to the first question after all.
    edit(app, course, ("- [x] Alpha {#alpha}", "- [ ] Alpha {#alpha}"), ("- [ ] Beta {#beta}", "- [x] Beta {#beta}"))
    after = client.get(result_url).get_data(as_text=True)
    assert "Your score: 27%" in after
    assert feedback_section(after) == feedback_section(before)
    assert "This quiz has been edited since this attempt" in after
    first = feedback_section(after).split("</li>")[0]
    assert "Not correct" in first and "✗" in first


def test_inserting_removing_and_reordering_options_keeps_answers_and_reviews(app, client, login_as, course):
    user = login_as("learner")
    page = start_quiz(client)
    result_url = submit_quiz(client, page, page_form(page, get_catalogue().quiz("alpha-quiz"), ANSWERS)).headers[
        "Location"
    ]
    review_before = feedback_section(client.get(result_url).get_data(as_text=True))
    page = start_quiz(client)  # a second attempt, answered and saved, not submitted
    saved = {"pick-one": {"choice": "gamma"}, "pick-many": {"choices": ["beta"]}, "word": {"text": "stride"}}
    assert (
        submit_quiz(client, page, page_form(page, get_catalogue().quiz("alpha-quiz"), saved), action="save").status_code
        == 200
    )
    edit(
        app,
        course,
        # a new option above the others, in both choice questions
        (
            "- [x] Alpha {#alpha}\n  > Right: alpha is first.",
            "- [ ] Delta {#delta}\n  > No: delta is fourth.\n- [x] Alpha {#alpha}\n  > Right: alpha is first.",
        ),
        # gamma moves to the top of the first question
        ("- [ ] Gamma {#gamma}\n  > No: gamma is third.\n", ""),
        ("- [ ] Delta {#delta}", "- [ ] Gamma {#gamma}\n  > No: gamma is third.\n- [ ] Delta {#delta}"),
        # an option nobody chose is removed
        (
            "- [ ] Apple {#apple}\n  > No, a fruit.\n",
            "- [ ] Apple {#apple}\n  > No, a fruit.\n- [ ] Cherry {#cherry}\n  > No, a fruit too.\n",
        ),
    )
    quiz = get_catalogue().quiz("alpha-quiz")
    assert [o.id for o in quiz.question("pick-one").options] == ["gamma", "delta", "alpha", "beta"]
    page = client.get("/quizzes/alpha-quiz").get_data(as_text=True)
    assert checked(page, "q-pick-one") == ["Gamma"] and checked(page, "q-pick-many") == ["Beta"]
    assert feedback_section(client.get(result_url).get_data(as_text=True)) == review_before
    # and once the answers are submitted, they are graded as given
    result = submit_quiz(client, page, page_form(page, quiz, saved)).headers["Location"]
    responses = db.session.scalars(
        sa.select(QuestionResponse)
        .join(QuizAttempt)
        .where(QuizAttempt.user_id == user.id, QuizAttempt.attempt_no == 2)
        .order_by(QuestionResponse.position)
    ).all()
    assert [r.answer for r in responses[:2]] == [{"choice": "gamma"}, {"choices": ["beta"]}]
    assert "Your answer: Gamma" in client.get(result).get_data(as_text=True)


def test_a_removed_option_keeps_its_verdict_and_the_score(app, client, login_as, course):
    login_as("learner")
    page = start_quiz(client)
    result_url = submit_quiz(client, page, page_form(page, get_catalogue().quiz("alpha-quiz"), ANSWERS)).headers[
        "Location"
    ]
    edit(app, course, ("- [ ] Beta {#beta}\n  > No: beta is second.\n", ""))
    after = client.get(result_url).get_data(as_text=True)
    assert "Your score: 27%" in after
    first = feedback_section(after).split("</li>")[0]
    assert "Not correct" in first and "an answer no longer in this question" in first


def test_feedback_is_that_of_the_answer_given_and_missed_options_are_named(app, client, login_as):
    login_as("learner")
    page = start_quiz(client)
    result = client.get(
        submit_quiz(client, page, page_form(page, get_catalogue().quiz("alpha-quiz"), ANSWERS)).headers["Location"]
    ).get_data(as_text=True)
    questions = feedback_section(result).split('<li class="question card')[1:]
    pick_many, pairs, sequence = questions[1], questions[4], questions[5]
    assert "Not chosen, but correct: Beta" in pick_many and "No, a fruit." in pick_many
    # the swapped pairs get no feedback (theirs says "Alpha is first."); the right pair gets its own
    assert "Alpha is first." not in pairs and "Beta is second." not in pairs and "Gamma is third." in pairs
    assert pairs.count("fb-wrong") == 2 and pairs.count("fb-right") == 1
    assert "First." in sequence and "Second." not in sequence and "Third." not in sequence


class TestTheSafeDefault:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"CONTENT_DIR": str(MINIMAL)}

    def test_while_attempts_remain_the_result_shows_which_questions_were_wrong_and_nothing_more(
        self, app, client, login_as
    ):
        login_as("learner")
        every_option = {**ANSWERS, "pick-many": {"choices": ["alpha", "beta", "apple"]}}
        page = start_quiz(client)  # the fixture course: reveal after the last attempt
        quiz = get_catalogue().quiz("alpha-quiz")
        result = client.get(
            submit_quiz(client, page, page_form(page, quiz, every_option)).headers["Location"]
        ).get_data(as_text=True)
        section = feedback_section(result)
        assert "Not correct" in section and "Partly correct" in section
        assert "fb-right" not in section and "fb-wrong" not in section and "✓" not in section
        assert "Correct answer:" not in section and "Explanation." not in section
        for q in quiz.questions:
            for option in q.options:
                assert re.sub(r"<[^>]+>", "", option.feedback_html).strip() not in section
        assert "Your answer: Alpha" in section and "Your answer: Apple" in section


def _one_wrong(quiz, asked: set[str]) -> dict[str, dict]:
    """A wrong option for one choice question of the attempt's draw (five of seven questions
    always hold one of the three)."""
    choices = (QuestionType.SINGLE, QuestionType.TRUE_FALSE, QuestionType.MULTIPLE)
    q = next(q for q in quiz.questions if q.id in asked and q.type in choices)
    wrong = next(o.id for o in q.options if not o.correct)
    return {q.id: {"choices": [wrong]} if q.type == QuestionType.MULTIPLE else {"choice": wrong}}


class TestPoolsAndTimeLimits:
    @pytest.fixture
    def app_overrides(self) -> dict:
        return {"CONTENT_DIR": str(FIXTURES / "content" / "quiz_rules")}

    def test_an_attempt_draws_five_of_seven_questions_and_keeps_its_draw(self, app, client, login_as):
        user = login_as("learner")
        page = start_quiz(client)
        shown = re.findall(r'name="q-([a-z-]+?)(?:-v[0-9a-f]{15})?"', page)
        asked = list(dict.fromkeys(shown))
        assert len(asked) == 5
        again = client.get("/quizzes/alpha-quiz").get_data(as_text=True)
        assert list(dict.fromkeys(re.findall(r'name="q-([a-z-]+?)(?:-v[0-9a-f]{15})?"', again))) == asked
        attempt = db.session.scalar(sa.select(QuizAttempt).where(QuizAttempt.user_id == user.id))
        assert sorted(attempt.questions) == sorted(asked)
        quiz = get_catalogue().quiz("alpha-quiz")
        answers = {k: v for k, v in correct_answers(quiz).items() if k in asked}
        response = submit_quiz(client, page, page_form(page, quiz, answers))
        assert response.status_code == 303, response.get_data(as_text=True)[:300]
        assert "Your score: 100%" in client.get(response.headers["Location"]).get_data(as_text=True)
        db.session.rollback()  # end the test's own read snapshot
        assert db.session.scalar(sa.select(sa.func.count()).select_from(QuestionResponse)) == 5

    def test_values_in_the_form_carry_no_authored_id_and_change_per_attempt(self, app, client, login_as):
        login_as("learner")
        first = start_quiz(client)
        values = set(re.findall(r'value="(v[0-9a-f]{15})"', first))
        assert values and 'value="alpha"' not in first and 'value="true"' not in first
        submit_quiz(client, first, {})
        second = start_quiz(client)
        assert values.isdisjoint(re.findall(r'value="(v[0-9a-f]{15})"', second))

    def test_after_the_time_limit_an_open_attempt_is_submitted_as_it_stands(self, app, client, login_as, auth):
        user = login_as("learner")
        with freeze_time("2026-05-01 10:00:00", tick=True) as clock:
            auth.login(user.email)
            page = start_quiz(client)
            quiz = get_catalogue().quiz("alpha-quiz")
            asked = set(re.findall(r'name="q-([a-z-]+?)(?:-v[0-9a-f]{15})?"', page))
            answers = {k: v for k, v in correct_answers(quiz).items() if k in asked}
            assert submit_quiz(client, page, page_form(page, quiz, answers), action="save").status_code == 200
            clock.tick(timedelta(minutes=21))  # the limit is 20 minutes
            late = client.post(
                "/quizzes/alpha-quiz/autosave",
                data={**_hidden(page), "seq": "50", **page_form(page, quiz, _one_wrong(quiz, asked))},
            )
            assert late.status_code == 409  # saving after the deadline changes nothing
            page_after = client.get("/quizzes/alpha-quiz").get_data(as_text=True)
            assert 'name="attempt"' not in page_after  # no open attempt any more
            assert "Your score: 100%" in client.get("/quizzes/alpha-quiz/attempts/1").get_data(as_text=True)
        attempt = db.session.scalar(sa.select(QuizAttempt).where(QuizAttempt.user_id == user.id))
        db.session.refresh(attempt)
        assert attempt.state == AttemptState.SUBMITTED and attempt.score == 1.0  # the saved answers, graded

    def test_a_late_submit_grades_the_answers_saved_in_time(self, app, client, login_as, auth):
        user = login_as("learner")
        with freeze_time("2026-05-01 10:00:00", tick=True) as clock:
            auth.login(user.email)
            page = start_quiz(client)
            clock.tick(timedelta(minutes=25))
            quiz = get_catalogue().quiz("alpha-quiz")
            asked = set(re.findall(r'name="q-([a-z-]+?)(?:-v[0-9a-f]{15})?"', page))
            answers = {k: v for k, v in correct_answers(quiz).items() if k in asked}
            assert submit_quiz(client, page, page_form(page, quiz, answers)).status_code == 303
        attempt = db.session.scalar(sa.select(QuizAttempt).where(QuizAttempt.user_id == user.id))
        db.session.refresh(attempt)
        assert attempt.state == AttemptState.SUBMITTED and attempt.score == 0.0  # nothing was saved in time

    def test_the_sweep_submits_attempts_left_open_past_their_limit(self, app, client, login_as, auth, runner):
        user = login_as("learner")
        with freeze_time("2026-05-01 10:00:00", tick=True) as clock:
            auth.login(user.email)
            start_quiz(client)
            assert "0 overdue" in runner.invoke(args=["quiz", "close-overdue"]).stderr
            clock.tick(timedelta(minutes=30))
            result = runner.invoke(args=["quiz", "close-overdue"])
        assert result.exit_code == 0 and "1 overdue attempt(s) submitted." in result.stderr
        attempt = db.session.scalar(sa.select(QuizAttempt).where(QuizAttempt.user_id == user.id))
        db.session.refresh(attempt)
        assert attempt.state == AttemptState.SUBMITTED and attempt.score == 0.0

    def _all_but_the_timed_quiz(self, client, user, auth) -> tuple[list[str], dict]:
        """Every lesson read and the beta quiz passed; the alpha quiz (20 minutes) started over
        HTTP with right answers saved. Returns the questions drawn and the form's fields."""
        catalogue = get_catalogue()
        for unit in catalogue.units:
            for lesson in unit.lessons:
                read_lesson(user, unit.id, lesson.id, utcnow())
        assert take_quiz(user, "beta-quiz", correct_answers(catalogue.quiz("beta-quiz")), utcnow()) == 1.0
        auth.login(user.email)
        page = start_quiz(client)
        quiz = catalogue.quiz("alpha-quiz")
        asked = set(re.findall(r'name="q-([a-z-]+?)(?:-v[0-9a-f]{15})?"', page))
        answers = {k: v for k, v in correct_answers(quiz).items() if k in asked}
        assert submit_quiz(client, page, page_form(page, quiz, answers), action="save").status_code == 200
        assert _certificates(user.id) == []
        return sorted(asked), _hidden(page)

    def test_the_sweep_issues_the_certificate_of_a_pass_that_completes_the_course(
        self, app, client, login_as, auth, runner
    ):
        user = login_as("learner", name="Amina Yusuf")
        with freeze_time("2026-05-01 10:00:00", tick=True) as clock:
            self._all_but_the_timed_quiz(client, user, auth)
            clock.tick(timedelta(minutes=30))
            result = runner.invoke(args=["quiz", "close-overdue"])
            assert result.exit_code == 0 and "1 overdue attempt(s) submitted." in result.stderr
            [certificate] = _certificates(user.id)
            assert certificate.name == "Amina Yusuf" and certificate.mode == "online"
            # The learner's next visit finds the course complete and the same certificate.
            page = client.get("/completed").get_data(as_text=True)
            assert "You have completed the course" in page and f"/verify/{certificate.code}" in page
            assert runner.invoke(args=["quiz", "close-overdue"]).stderr.startswith("0 overdue")
        assert len(_certificates(user.id)) == 1

    def test_the_next_request_past_the_limit_issues_the_certificate_and_leads_to_it(self, app, client, login_as, auth):
        user = login_as("learner", name="Amina Yusuf")
        with freeze_time("2026-05-01 10:00:00", tick=True) as clock:
            self._all_but_the_timed_quiz(client, user, auth)
            clock.tick(timedelta(minutes=30))
            response = client.get("/quizzes/alpha-quiz")
            assert response.status_code == 303 and response.headers["Location"].endswith("/completed")
            page = client.get(response.headers["Location"]).get_data(as_text=True)
            assert "You passed “Alpha quiz”." in page and "You have completed the course" in page
            [certificate] = _certificates(user.id)
            assert f"/verify/{certificate.code}" in page
            assert client.get("/quizzes/alpha-quiz").status_code == 200  # its start page, nothing more
        assert len(_certificates(user.id)) == 1
        attempt = db.session.scalar(sa.select(QuizAttempt).where(QuizAttempt.user_id == user.id))
        assert attempt.state == AttemptState.SUBMITTED and attempt.passed


def _certificates(user_id: int) -> list[Certificate]:
    db.session.rollback()  # end the test's own read snapshot
    return list(db.session.scalars(sa.select(Certificate).where(Certificate.user_id == user_id)))


def _hidden(page: str) -> dict:
    return {
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page).group(1),
        "attempt": re.search(r'name="attempt" value="(\d+)"', page).group(1),
    }
