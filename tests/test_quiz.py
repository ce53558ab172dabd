"""Grading rules, without an app: the registry of question types over the fixture quiz."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from training.content.model import QuestionType
from training.quiz import (
    FORM_PREFIX,
    GONE,
    InvalidSubmission,
    answers_to_form,
    grade,
    normalise_text,
    parse_answers,
    public_view,
)

from .helpers import MINIMAL, cached_catalogue, correct_form

CATALOGUE = cached_catalogue(MINIMAL)
QUIZ = CATALOGUE.quiz("alpha-quiz")


def test_all_correct_answers_score_100_and_pass():
    result = grade(QUIZ, parse_answers(QUIZ, correct_form()))
    assert result.percent == 100 and result.passed
    assert all(r.correct for r in result.questions)


def test_no_answers_score_0_and_fail():
    result = grade(QUIZ, parse_answers(QUIZ, {}))
    assert result.score == 0 and not result.passed
    assert not any(r.graded.answered for r in result.questions)


def test_multiple_choice_partial_credit_subtracts_wrong_choices():
    q = QUIZ.question("pick-many")  # two correct options (alpha, beta), one wrong (apple)

    def credit(choices):
        return grade(QUIZ, parse_answers(QUIZ, {FORM_PREFIX + q.id: choices})).questions[1].graded.credit

    assert credit(["alpha", "beta"]) == 1.0
    assert credit(["alpha"]) == 0.5
    assert credit(["alpha", "apple"]) == 0.0  # one right minus one wrong
    assert credit(["apple"]) == 0.0  # never below zero


@pytest.mark.parametrize(
    "answer, correct",
    [
        ("stride", True),
        ("  Stride ", True),
        ("STRIDE.", True),
        ("schritt", True),
        ("Schrítt", True),
        ("step", False),
        ("strides and more", False),
        ("", False),
    ],
)
def test_short_answers_ignore_case_accents_and_surrounding_space(answer: str, correct: bool):
    result = grade(QUIZ, parse_answers(QUIZ, {FORM_PREFIX + "word": [answer]}))
    graded = result.questions[3].graded
    assert (graded.credit == 1.0) is correct
    if answer.strip() == "step":
        assert "a stride is a long step" in graded.feedback[0].html


def test_matching_and_ordering_give_credit_per_pair_and_position():
    q = QUIZ.question("pairs")
    swapped = {
        f"{FORM_PREFIX}pairs-{q.options[0].id}": [q.options[1].match_id],
        f"{FORM_PREFIX}pairs-{q.options[1].id}": [q.options[0].match_id],
        f"{FORM_PREFIX}pairs-{q.options[2].id}": [q.options[2].match_id],
    }
    result = grade(QUIZ, parse_answers(QUIZ, swapped))
    assert result.questions[4].graded.credit == pytest.approx(1 / 3)
    order = QUIZ.question("sequence")
    reversed_form = {f"{FORM_PREFIX}sequence-{o.id}": [str(3 - i)] for i, o in enumerate(order.options)}
    assert grade(QUIZ, parse_answers(QUIZ, reversed_form)).questions[5].graded.credit == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    "form",
    [
        {FORM_PREFIX + "pick-one": ["zz"]},  # not an option of that question
        {FORM_PREFIX + "pick-one": ["alpha", "beta"]},  # two answers to a single-choice question
        {FORM_PREFIX + "pick-many": ["alpha", "alpha"]},
        {FORM_PREFIX + "nope": ["alpha"]},  # no such question
        {FORM_PREFIX + "pick-one": ["a"]},  # a letter is no longer an option id
        {"score": ["100"]},  # a client-sent score is refused, never trusted
        {FORM_PREFIX + "sequence-" + QUIZ.question("sequence").options[0].id: ["9"]},
        {FORM_PREFIX + "pairs-alpha": ["not-a-choice"]},
        {FORM_PREFIX + "word": ["x" * 201]},
    ],
)
def test_forged_or_malformed_submissions_are_refused(form: dict):
    with pytest.raises(InvalidSubmission):
        parse_answers(QUIZ, form)


def test_option_ids_of_another_question_are_refused():
    beta = CATALOGUE.quiz("beta-quiz")
    with pytest.raises(InvalidSubmission):
        parse_answers(QUIZ, {FORM_PREFIX + "pick-one": [beta.questions[0].options[0].id + "x"]})


def test_public_view_holds_no_answer_key_and_hides_authored_order():
    for seed in range(20):
        view = public_view(QUIZ, seed)
        text = repr(view)
        assert "Right:" not in text and "feedback" not in text.lower()
        ordering = next(q for q in view if q.type == QuestionType.ORDERING)
        assert [i.id for i in ordering.items] != [o.id for o in QUIZ.question("sequence").options]
        matching = next(q for q in view if q.type == QuestionType.MATCHING)
        assert [c.id for c in matching.choices] == sorted(c.id for c in matching.choices)


def test_option_ids_are_the_authored_ones():
    assert [o.id for o in QUIZ.question("pick-one").options] == ["alpha", "beta", "gamma"]
    assert [o.id for o in QUIZ.question("is-true").options] == ["true", "false"]
    assert [o.id for o in QUIZ.question("sequence").options] == ["alpha", "beta", "gamma"]


def test_a_stored_answer_whose_option_was_removed_grades_as_wrong_and_says_so():
    """An attempt saved before an author removed the chosen option still has a result page."""
    result = grade(QUIZ, {"pick-one": {"choice": "delta"}, "pick-many": {"choices": ["alpha", "delta"]}})
    single, multiple = result.questions[0].graded, result.questions[1].graded
    assert (single.credit, single.answered, single.simple_answer) == (0.0, True, GONE)
    assert multiple.credit == 0.0  # one right, one that is no longer in the question
    assert [f.label for f in multiple.feedback] == ["Alpha", GONE]


def test_saved_answers_fill_the_form_again():
    form = correct_form()
    assert parse_answers(QUIZ, answers_to_form(QUIZ, parse_answers(QUIZ, form))) == parse_answers(QUIZ, form)


def test_normalise_text():
    assert normalise_text("  Émigration  nette. ") == "emigration nette"


# --- properties ------------------------------------------------------------------------


@st.composite
def answer_forms(draw: st.DrawFn) -> dict[str, list[str]]:
    """Any form a learner could send for the alpha quiz: each question left blank or answered
    with any of its options, matches and positions (right, wrong or repeated)."""
    form: dict[str, list[str]] = {}
    for q in QUIZ.questions:
        name = FORM_PREFIX + q.id
        option_ids = [o.id for o in q.options]
        if q.type in (QuestionType.SINGLE, QuestionType.TRUE_FALSE):
            choice = draw(st.none() | st.sampled_from(option_ids))
            if choice is not None:
                form[name] = [choice]
        elif q.type == QuestionType.MULTIPLE:
            form[name] = draw(st.lists(st.sampled_from(option_ids), unique=True))
        elif q.type == QuestionType.SHORT:
            accepted = [o.text for o in q.options]
            form[name] = [draw(st.sampled_from(accepted) | st.text(max_size=20))]
        elif q.type == QuestionType.MATCHING:
            matches = [o.match_id for o in q.options]
            for o in q.options:
                form[f"{name}-{o.id}"] = [draw(st.sampled_from(matches))]
        else:
            for o in q.options:
                form[f"{name}-{o.id}"] = [str(draw(st.integers(1, len(q.options))))]
    return form


@settings(max_examples=200, deadline=None)
@given(answer_forms())
def test_score_is_always_between_0_and_100(form: dict[str, list[str]]):
    result = grade(QUIZ, parse_answers(QUIZ, form))
    assert 0.0 <= result.score <= 1.0
    assert all(0.0 <= r.graded.credit <= 1.0 for r in result.questions)
    assert result.passed == (result.score * 100 >= QUIZ.pass_mark - 1e-6)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_order_of_submitted_fields_does_not_matter(data: st.DataObject):
    form = data.draw(answer_forms())
    items = data.draw(st.permutations(list(form.items())))
    shuffled = {k: list(reversed(v)) if len(set(v)) == len(v) else v for k, v in items}
    assert grade(QUIZ, parse_answers(QUIZ, form)).score == grade(QUIZ, parse_answers(QUIZ, shuffled)).score
