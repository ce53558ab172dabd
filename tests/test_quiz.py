"""Grading rules, without an app: the registry of question types over the fixture quizzes."""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from training.content.model import QuestionType
from training.content.questions import QUESTION_TYPES, Graded
from training.content.questions.numeric import read_number
from training.quiz import (
    FORM_PREFIX,
    InvalidSubmission,
    Paper,
    Reveal,
    StoredResponse,
    answers_to_form,
    draw_questions,
    grade,
    normalise_text,
    parse_answers,
    public_view,
    reveals,
    review,
    score_of,
)

from .helpers import FIXTURES, MINIMAL, cached_catalogue, correct_answers

CATALOGUE = cached_catalogue(MINIMAL)
QUIZ = CATALOGUE.quiz("alpha-quiz")
RULES = cached_catalogue(FIXTURES / "content" / "quiz_rules").quiz("alpha-quiz")
"""The alpha quiz with a numeric question, a pool (draw 5 of 7), a time limit, reveal after passing."""
PRINTED = Paper(0)
"""A paper whose form values are the option ids: the rules read the same either way."""


def form_of(quiz, answers, paper=PRINTED):
    return answers_to_form(quiz, answers, paper)


def test_all_correct_answers_score_100_and_pass():
    result = grade(QUIZ, parse_answers(QUIZ, form_of(QUIZ, correct_answers(QUIZ)), PRINTED))
    assert result.percent == 100 and result.passed
    assert all(r.correct for r in result.questions)


def test_no_answers_score_0_and_fail():
    result = grade(QUIZ, parse_answers(QUIZ, {}, PRINTED))
    assert result.score == 0 and not result.passed
    assert not any(r.graded.answered for r in result.questions)


def test_multiple_choice_partial_credit_subtracts_wrong_choices_and_names_the_missed():
    q = QUIZ.question("pick-many")  # two correct options (alpha, beta), one wrong (apple)

    def graded(choices) -> Graded:
        return grade(QUIZ, parse_answers(QUIZ, {FORM_PREFIX + q.id: choices}, PRINTED)).questions[1].graded

    assert graded(["alpha", "beta"]).credit == 1.0
    assert graded(["alpha"]).credit == 0.5
    assert graded(["alpha"]).missed == ("beta",)
    assert graded(["alpha", "apple"]).credit == 0.0  # one right minus one wrong
    assert graded(["apple"]).credit == 0.0  # never below zero
    assert graded(["apple"]).missed == ("alpha", "beta")


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
    q = QUIZ.question("word")
    graded = grade(QUIZ, parse_answers(QUIZ, {FORM_PREFIX + "word": [answer]}, PRINTED)).questions[3].graded
    assert (graded.credit == 1.0) is correct
    if answer.strip() == "step":  # the known mistake gets its own feedback, not the fallback's
        assert "a stride is a long step" in q.option(graded.marks[0].feedback).feedback_html


def test_matching_and_ordering_give_credit_per_pair_and_position():
    swapped = {"pairs": {"alpha": "beta", "beta": "alpha", "gamma": "gamma"}}
    result = grade(QUIZ, {"pairs": swapped})
    assert result.questions[4].graded.credit == pytest.approx(1 / 3)
    reversed_order = {"positions": {"alpha": 3, "beta": 2, "gamma": 1}}
    assert grade(QUIZ, {"sequence": reversed_order}).questions[5].graded.credit == pytest.approx(1 / 3)


def test_a_matching_answer_saved_by_right_side_ids_still_grades_and_fills_the_form():
    """Answers saved before the form's values were opaque name each right side by its match_id."""
    q = QUIZ.question("pairs")
    old_style = {"pairs": {o.id: o.match_id for o in q.options}}
    assert grade(QUIZ, {"pairs": old_style}).questions[4].graded.credit == 1.0
    paper = Paper(1, "secret")
    assert parse_answers(QUIZ, answers_to_form(QUIZ, {"pairs": old_style}, paper), paper)["pairs"] == {
        "pairs": {o.id: o.id for o in q.options}
    }


def test_a_wrong_pairing_never_gets_the_right_pairings_feedback():
    graded = grade(QUIZ, {"pairs": {"pairs": {"alpha": "beta", "beta": "alpha", "gamma": "gamma"}}}).questions[4]
    marks = {m.item: m for m in graded.graded.marks}
    assert marks["alpha"].correct is False and marks["alpha"].feedback == ""
    assert marks["gamma"].correct is True and marks["gamma"].feedback == "gamma"


@pytest.mark.parametrize(
    "text, value",
    [("75", 75), ("1 822", 1822), ("1,822", 1822), ("3,6", 3.6), ("3.6", 3.6), ("1.234,5", 1234.5), ("−5", -5)],
)
def test_numbers_are_read_as_people_write_them(text: str, value: float):
    assert read_number(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["abc", "", "1e5", "7 5 x", "--3"])
def test_what_is_not_a_number_is_not_read_as_one(text: str):
    assert read_number(text) is None


@pytest.mark.parametrize(
    "typed, credit, feedback",
    [
        ("75", 1.0, "Right: a stride"),
        ("65", 1.0, "Right: a stride"),  # the tolerance's edge counts
        ("85,0", 1.0, "Right: a stride"),
        ("86", 0.0, "A stride is about 75"),
        ("0.75", 0.0, "That is the length in metres"),  # a known mistake, with its own feedback
        ("about seventy", 0.0, "A stride is about 75"),  # not a number: any other answer
    ],
)
def test_numeric_answers_are_right_within_the_tolerance(typed: str, credit: float, feedback: str):
    q = RULES.question("stride-length")
    graded = QUESTION_TYPES[q.type].grade(q, {"text": typed})
    assert graded.credit == credit and graded.answered
    assert feedback in q.option(graded.marks[0].feedback).feedback_html


@pytest.mark.parametrize(
    "form",
    [
        {FORM_PREFIX + "pick-one": ["zz"]},  # not an option of that question
        {FORM_PREFIX + "pick-one": ["alpha", "beta"]},  # two answers to a single-choice question
        {FORM_PREFIX + "pick-many": ["alpha", "alpha"]},
        {FORM_PREFIX + "nope": ["alpha"]},  # no such question
        {FORM_PREFIX + "pick-one": ["a"]},  # a letter is no option id
        {"score": ["100"]},  # a client-sent score is refused, never trusted
        {FORM_PREFIX + "sequence-alpha": ["9"]},
        {FORM_PREFIX + "pairs-alpha": ["not-a-choice"]},
        {FORM_PREFIX + "word": ["x" * 201]},
    ],
)
def test_forged_or_malformed_submissions_are_refused(form: dict):
    with pytest.raises(InvalidSubmission):
        parse_answers(QUIZ, form, PRINTED)


# --- opaque values, orders that never give the answer away --------------------------------


def test_form_values_are_opaque_and_differ_from_one_attempt_to_the_next():
    one, two = Paper(1, "first-secret"), Paper(1, "second-secret")
    authored = {o.id for q in QUIZ.questions for o in q.options} | {
        o.match_id for q in QUIZ.questions for o in q.options
    }
    for paper in (one, two):
        values = {c.id for q in public_view(QUIZ, paper) for c in (*q.choices, *q.items)}
        assert values and not values & authored
        assert all(re.fullmatch(r"v[0-9a-f]{15}", v) for v in values)
        assert not any(len(v) == 1 or v.isdigit() for v in values)  # no letters, no positions
    answers = correct_answers(QUIZ)
    form = form_of(QUIZ, answers, one)
    assert form != form_of(QUIZ, answers, two)
    assert parse_answers(QUIZ, form, one) == parse_answers(QUIZ, form_of(QUIZ, answers), PRINTED)
    with pytest.raises(InvalidSubmission):  # another attempt's values mean nothing here
        parse_answers(QUIZ, form, two)


def test_the_authored_ids_never_reach_the_form():
    paper = Paper(7, "a-secret")
    text = repr(public_view(QUIZ, paper))
    for q in QUIZ.questions:
        assert "Right:" not in text and "feedback" not in text.lower()
        for option in q.options:
            assert f"'{option.id}'" not in text


@settings(max_examples=300, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), secret=st.text(min_size=1, max_size=12), shuffle=st.booleans())
def test_matching_and_ordering_choices_are_never_in_the_authored_order(seed: int, secret: str, shuffle: bool):
    quiz = QUIZ if shuffle else CATALOGUE.quiz("alpha-quiz").__class__(**{**_fields(QUIZ), "shuffle": False})
    paper = Paper(seed, secret)
    view = {q.id: q for q in public_view(quiz, paper)}
    order = quiz.question("sequence")
    assert [i.id for i in view["sequence"].items] != [paper.token("sequence", o.id) for o in order.options]
    pairs = quiz.question("pairs")
    fits = {paper.token("pairs", o.id): paper.token("pairs", o.match_id) for o in pairs.options}
    shown = view["pairs"]
    assert [c.id for c in shown.choices] != [fits[item.id] for item in shown.items]


def _fields(quiz) -> dict:
    return {name: getattr(quiz, name) for name in quiz.__dataclass_fields__}


def test_the_printed_sheet_orders_are_never_the_answer_either():
    for seed in range(200):
        view = {q.id: q for q in public_view(QUIZ, Paper(seed))}
        assert [i.id for i in view["sequence"].items] != ["alpha", "beta", "gamma"]
        assert [c.id for c in view["pairs"].choices] != [
            QUIZ.question("pairs").option(i.id).match_id for i in view["pairs"].items
        ]


# --- pools --------------------------------------------------------------------------------


def test_an_attempt_draws_its_questions_from_the_pool_and_keeps_them():
    draws = {draw_questions(RULES, random.Random(n)) for n in range(60)}
    assert all(d is not None and len(d) == RULES.draw == 5 for d in draws)
    assert len(draws) > 5  # different attempts get different questions
    assert {q for d in draws for q in d} == {q.id for q in RULES.questions}  # every question can come up
    drawn = draw_questions(RULES, random.Random(3))
    paper = Paper(3, "s", drawn)
    assert [q.id for q in public_view(RULES, paper)] == list(drawn)
    assert [q.id for q in public_view(RULES, paper)] == [q.id for q in public_view(RULES, paper)]
    result = grade(RULES, correct_answers(RULES), paper=paper)
    assert [r.question.id for r in result.questions] == list(drawn) and result.percent == 100
    left_out = next(q for q in RULES.questions if q.id not in drawn)
    with pytest.raises(InvalidSubmission):  # a question the attempt did not draw
        parse_answers(RULES, form_of(RULES, {left_out.id: correct_answers(RULES)[left_out.id]}), paper)
    assert draw_questions(QUIZ, random.Random(1)) is None  # no pool: every question


# --- reveal -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "policy, passed, attempts_left, shown",
    [
        (Reveal.AFTER_EACH_ATTEMPT, False, True, True),
        (Reveal.AFTER_PASSING, False, True, False),
        (Reveal.AFTER_PASSING, True, True, True),
        (Reveal.AFTER_PASSING, False, False, True),
        (Reveal.AFTER_LAST_ATTEMPT, True, True, False),
        (Reveal.AFTER_LAST_ATTEMPT, False, True, False),
        (Reveal.AFTER_LAST_ATTEMPT, False, False, True),
        ("something-else", False, True, False),  # unknown: the safest
    ],
)
def test_when_the_key_is_shown(policy: str, passed: bool, attempts_left: bool, shown: bool):
    assert reveals(policy, passed, attempts_left) is shown


# --- review from what was stored ----------------------------------------------------------


def stored(quiz, answers, paper=PRINTED) -> list[StoredResponse]:
    result = grade(quiz, answers, paper=paper)
    return [
        StoredResponse(r.question.id, r.answer, r.graded.simple_answer, r.graded.credit, r.graded.stored())
        for r in result.questions
    ]


def test_a_review_is_the_stored_grading_whatever_the_key_says_today():
    import dataclasses

    answers = {"pick-one": {"choice": "alpha"}}
    responses = stored(QUIZ, answers)
    # The author now makes gamma the right answer: the old result stands.
    q = QUIZ.question("pick-one")
    edited_q = dataclasses.replace(q, options=tuple(dataclasses.replace(o, correct=o.id == "gamma") for o in q.options))
    edited = dataclasses.replace(QUIZ, questions=(edited_q, *QUIZ.questions[1:]), version="edited")
    page = review(edited, responses, reveal=True, content_version=QUIZ.version)
    first = page.items[0]
    assert first.verdict == "right" and first.graded.marks[0].correct and page.edited
    assert grade(edited, answers).questions[0].graded.credit == 0.0  # grading again would say otherwise


def test_a_stored_answer_whose_option_was_removed_still_has_a_review():
    import dataclasses

    responses = stored(QUIZ, {"pick-one": {"choice": "gamma"}})
    q = QUIZ.question("pick-one")
    without = dataclasses.replace(q, options=tuple(o for o in q.options if o.id != "gamma"))
    quiz = dataclasses.replace(QUIZ, questions=(without, *QUIZ.questions[1:]))
    item = review(quiz, responses, reveal=True, content_version="x").items[0]
    assert item.verdict == "wrong" and item.option(item.graded.marks[0].item) is None


def test_saved_answers_fill_the_form_again():
    paper = Paper(5, "secret")
    answers = parse_answers(QUIZ, form_of(QUIZ, correct_answers(QUIZ), paper), paper)
    assert parse_answers(QUIZ, answers_to_form(QUIZ, answers, paper), paper) == answers


def test_normalise_text():
    assert normalise_text("  Émigration  nette. ") == "emigration nette"


# --- properties ------------------------------------------------------------------------


@st.composite
def any_answers(draw: st.DrawFn, quiz=RULES) -> dict[str, dict]:
    """Any answers a learner could give: each question blank or answered with any of its
    options, pairs and positions (right, wrong or repeated), or any text."""
    answers: dict[str, dict] = {}
    for q in quiz.questions:
        ids = [o.id for o in q.options]
        if draw(st.booleans()):
            continue
        if q.type in (QuestionType.SINGLE, QuestionType.TRUE_FALSE):
            answers[q.id] = {"choice": draw(st.sampled_from(ids))}
        elif q.type == QuestionType.MULTIPLE:
            answers[q.id] = {"choices": sorted(draw(st.lists(st.sampled_from(ids), unique=True)))}
        elif q.type in (QuestionType.SHORT, QuestionType.NUMERIC):
            texts = [o.text for o in q.options] + ["75", "70", "1", "0,9", "stride", "step"]
            answers[q.id] = {"text": draw(st.sampled_from(texts) | st.text(max_size=12))}
        elif q.type == QuestionType.MATCHING:
            answers[q.id] = {"pairs": {o.id: draw(st.sampled_from(ids)) for o in q.options}}
        else:
            answers[q.id] = {"positions": {o.id: draw(st.integers(1, len(ids))) for o in q.options}}
    return answers


@settings(max_examples=300, deadline=None)
@given(answers=any_answers())
def test_the_feedback_shown_belongs_to_the_answer_given(answers: dict[str, dict]):
    """For every type: each piece of feedback the review shows is that of the option the
    learner chose, of the item where the learner put it (right), or of the answer typed."""
    assert {q.type for q in RULES.questions} == set(QuestionType)
    page = review(RULES, stored(RULES, answers), reveal=True, content_version=RULES.version)
    for item in page.items:
        q, answer = item.question, answers.get(item.question_id, {})
        assert q is not None
        for mark in item.graded.marks:
            if not mark.feedback:
                continue
            shown = q.option(mark.feedback)
            if q.type in (QuestionType.SINGLE, QuestionType.TRUE_FALSE):
                assert shown.id == answer["choice"] == mark.item
            elif q.type == QuestionType.MULTIPLE:
                assert shown.id == mark.item and shown.id in answer["choices"]
            elif q.type == QuestionType.MATCHING:
                assert answer["pairs"][shown.id] == shown.id and mark.correct  # the learner made this very pair
            elif q.type == QuestionType.ORDERING:
                assert answer["positions"][shown.id] == q.options.index(shown) + 1 and mark.correct
            else:  # typed: the option the text matched, or the one for any other answer
                kind = QUESTION_TYPES[q.type]
                matched = kind.matching_option(q, answer["text"])  # type: ignore[attr-defined]
                assert shown == (matched or next(o for o in q.options if o.text == "*"))
                assert mark.given == answer["text"].strip()
            assert mark.correct == shown.correct or q.type in (QuestionType.MATCHING, QuestionType.ORDERING)
        if q.type == QuestionType.MULTIPLE and item.graded.answered:
            assert set(item.graded.missed) == {o.id for o in q.options if o.correct} - set(answer["choices"])


@settings(max_examples=300, deadline=None)
@given(answers=any_answers(), seed=st.integers(0, 10**6))
def test_the_stored_score_is_the_points_weighted_mean_of_the_stored_credits(answers: dict[str, dict], seed: int):
    paper = Paper(seed, "s", draw_questions(RULES, random.Random(seed)))
    result = grade(RULES, answers, paper=paper)
    responses = stored(RULES, answers, paper)
    points = {q.id: q.points for q in RULES.questions}
    assert result.score == score_of([(r.credit, points[r.question_id]) for r in responses])
    weighted = sum(r.credit * points[r.question_id] for r in responses) / sum(points[r.question_id] for r in responses)
    assert result.score == pytest.approx(weighted, abs=1e-6)
    assert 0.0 <= result.score <= 1.0
    assert result.passed == (result.score * 100 >= RULES.pass_mark - 1e-6)


@settings(max_examples=100, deadline=None)
@given(st.data())
def test_order_of_submitted_fields_does_not_matter(data: st.DataObject):
    paper = Paper(data.draw(st.integers(0, 99)), "secret")
    form = form_of(QUIZ, data.draw(any_answers(QUIZ)), paper)
    items = data.draw(st.permutations(list(form.items())))
    shuffled = {k: list(reversed(v)) if len(set(v)) == len(v) else v for k, v in items}
    assert (
        grade(QUIZ, parse_answers(QUIZ, form, paper)).score == grade(QUIZ, parse_answers(QUIZ, shuffled, paper)).score
    )
