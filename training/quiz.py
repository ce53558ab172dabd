"""Quiz rules as plain functions: what the learner sees, how a form becomes answers, grading.

Grading goes through ``QUESTION_TYPES``, a registry with one entry per question type. Each
entry knows how to read its answer from the submitted form (refusing ids that do not belong
to the question), how to grade it (credit from 0 to 1) and how to show it in words.

Credit rules: single, true-false and short answers score 1 or 0. Multiple choice scores
(correct options chosen - wrong options chosen) / correct options, never below 0. Matching
scores the share of pairs matched correctly; ordering the share of items in their correct
position. The quiz score is the points-weighted mean of the credits.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .content.model import Question, QuestionType, Quiz
from .content.quizfile import FALLBACK
from .fields import whole_number
from .progress import percent_of
from .translatable import N_, gettext

MAX_TEXT_ANSWER = 200
FORM_PREFIX = "q-"
ALLOWED_EXTRA_FIELDS = frozenset({"csrf_token", "attempt", "seq", "action"})

Form = Mapping[str, Sequence[str]]
Answer = dict[str, Any]

GONE = N_("(an answer no longer in this question)")
"""How a stored option id that the quiz no longer has is shown: option ids are stable, so this
happens only when an author removes an option after learners chose it."""


class InvalidSubmission(ValueError):
    """The form does not fit the quiz: an unknown field or option, or a malformed value."""


# --- what the learner sees -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PublicChoice:
    id: str
    html: str


@dataclass(frozen=True, slots=True)
class PublicQuestion:
    """A question as sent to the browser: text and choices only, never marks or feedback."""

    id: str
    type: QuestionType
    number: int
    prompt_html: str
    choices: tuple[PublicChoice, ...] = ()
    """single, multiple, true-false: the options; matching: the right-hand choices."""
    items: tuple[PublicChoice, ...] = ()
    """matching: the left-hand items; ordering: the items to put in order."""

    def field(self, item_id: str | None = None) -> str:
        return f"{FORM_PREFIX}{self.id}" + (f"-{item_id}" if item_id else "")


def public_view(quiz: Quiz, seed: int) -> tuple[PublicQuestion, ...]:
    """The quiz for the browser. ``seed`` orders options per attempt when the quiz shuffles;
    orders that could reveal an answer (matching, ordering) are never the authored order."""
    questions = []
    for number, q in enumerate(quiz.questions, start=1):
        rng = random.Random(f"{seed}:{q.id}")  # noqa: S311 - display order, not security
        if q.type == QuestionType.MATCHING:
            rights = sorted((PublicChoice(o.match_id, o.match_html) for o in q.options), key=lambda c: c.id)
            lefts = tuple(PublicChoice(o.id, o.html) for o in q.options)
            questions.append(PublicQuestion(q.id, q.type, number, q.prompt_html, tuple(rights), lefts))
        elif q.type == QuestionType.ORDERING:
            items = [PublicChoice(o.id, o.html) for o in q.options]
            shuffled = sorted(items, key=lambda c: c.id)
            if quiz.shuffle:
                rng.shuffle(shuffled)
            if shuffled == items:  # never show the answer as the starting order
                shuffled = shuffled[1:] + shuffled[:1]
            questions.append(PublicQuestion(q.id, q.type, number, q.prompt_html, (), tuple(shuffled)))
        elif q.type == QuestionType.SHORT:
            questions.append(PublicQuestion(q.id, q.type, number, q.prompt_html))
        else:
            choices = [PublicChoice(o.id, o.html) for o in q.options]
            if quiz.shuffle and q.type != QuestionType.TRUE_FALSE:
                rng.shuffle(choices)
            questions.append(PublicQuestion(q.id, q.type, number, q.prompt_html, tuple(choices)))
    return tuple(questions)


# --- reading and grading answers ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Feedback:
    """One line of feedback on a submitted answer."""

    label: str
    """What the learner answered, as text (e.g. the option, or "Refugee -> 1951 Convention")."""
    html: str
    correct: bool


@dataclass(frozen=True, slots=True)
class Graded:
    credit: float
    feedback: tuple[Feedback, ...]
    simple_answer: str
    answered: bool


@dataclass(frozen=True, slots=True)
class QuestionKind:
    parse: Callable[[Question, Form], Answer]
    grade: Callable[[Question, Answer], Graded]
    correct_answer: Callable[[Question], str]
    """The right answer in words, shown once the learner may see it."""


def _values(form: Form, name: str) -> list[str]:
    return [v for v in form.get(name, ()) if v != ""]


def _one(form: Form, name: str) -> str | None:
    values = _values(form, name)
    if len(values) > 1:
        raise InvalidSubmission(f"{name}: one answer expected")
    return values[0] if values else None


def _option_ids(q: Question) -> set[str]:
    return {o.id for o in q.options}


def _parse_single(q: Question, form: Form) -> Answer:
    choice = _one(form, FORM_PREFIX + q.id)
    if choice is not None and choice not in _option_ids(q):
        raise InvalidSubmission(f"{q.id}: unknown option")
    return {"choice": choice}


def _grade_single(q: Question, answer: Answer) -> Graded:
    choice = answer.get("choice")
    if choice is None:
        return Graded(0.0, (), "", False)
    if choice not in _option_ids(q):
        return Graded(0.0, (Feedback(gettext(GONE), "", False),), gettext(GONE), True)
    option = q.option(choice)
    return Graded(
        1.0 if option.correct else 0.0,
        (Feedback(option.text, option.feedback_html, option.correct),),
        option.text,
        True,
    )


def _parse_multiple(q: Question, form: Form) -> Answer:
    choices = _values(form, FORM_PREFIX + q.id)
    if not set(choices) <= _option_ids(q) or len(set(choices)) != len(choices):
        raise InvalidSubmission(f"{q.id}: unknown or repeated option")
    return {"choices": sorted(choices)}


def _grade_multiple(q: Question, answer: Answer) -> Graded:
    given = answer.get("choices", [])
    chosen = [q.option(c) for c in given if c in _option_ids(q)]
    if not given:
        return Graded(0.0, (), "", False)
    right = sum(1 for o in chosen if o.correct)
    wrong = len(given) - right
    total = sum(1 for o in q.options if o.correct)
    credit = max(0.0, (right - wrong) / total)
    gone = (Feedback(gettext(GONE), "", False),) if len(chosen) < len(given) else ()
    feedback = tuple(Feedback(o.text, o.feedback_html, o.correct) for o in q.options if o in chosen) + gone
    return Graded(credit, feedback, "; ".join(f.label for f in feedback), True)


def normalise_text(text: str) -> str:
    """Compare short answers ignoring case, accents, surrounding punctuation and extra spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    collapsed = re.sub(r"\s+", " ", stripped.casefold()).strip()
    return collapsed.strip(" .,;:!?\"'()[]«»“”‘’")


def _parse_short(q: Question, form: Form) -> Answer:
    text = _one(form, FORM_PREFIX + q.id)
    if text is not None and len(text) > MAX_TEXT_ANSWER:
        raise InvalidSubmission(f"{q.id}: answer longer than {MAX_TEXT_ANSWER} characters")
    return {"text": (text or "").strip()}


def _grade_short(q: Question, answer: Answer) -> Graded:
    text = answer.get("text", "")
    if not normalise_text(text):
        return Graded(0.0, (), "", False)
    wanted = normalise_text(text)
    match = next((o for o in q.options if o.text != FALLBACK and normalise_text(o.text) == wanted), None)
    if match is None and any(normalise_text(other) == wanted for other in q.also_accepted):
        # accepted in another language of the course: the same grade, this language's feedback
        match = next(o for o in q.options if o.correct)
    if match is None:
        match = next(o for o in q.options if o.text == FALLBACK)
    return Graded(1.0 if match.correct else 0.0, (Feedback(text, match.feedback_html, match.correct),), text, True)


def _parse_matching(q: Question, form: Form) -> Answer:
    """The form offers right sides by ``match_id``; the answer stores the id of the pair whose
    right side was chosen, which stays the same when the right side is reworded."""
    pair_of = {o.match_id: o.id for o in q.options}
    pairs = {}
    for option in q.options:
        value = _one(form, f"{FORM_PREFIX}{q.id}-{option.id}")
        if value is not None:
            if value not in pair_of:
                raise InvalidSubmission(f"{q.id}: unknown choice")
            pairs[option.id] = pair_of[value]
    return {"pairs": pairs}


def _grade_matching(q: Question, answer: Answer) -> Graded:
    pairs = answer.get("pairs", {})
    if not pairs:
        return Graded(0.0, (), "", False)
    by_id = {o.id: o for o in q.options}
    by_match = {o.match_id: o for o in q.options}  # answers stored by match_id (demo data)
    feedback, words, right = [], [], 0
    for option in q.options:
        given = pairs.get(option.id, "")
        chosen = by_id.get(given) or by_match.get(given)
        ok = chosen is option
        right += ok
        label = f"{option.text} → {chosen.match if chosen else (gettext(GONE) if given else gettext('(no answer)'))}"
        words.append(label)
        feedback.append(Feedback(label, option.feedback_html, ok))
    return Graded(right / len(q.options), tuple(feedback), "; ".join(words), True)


def _parse_ordering(q: Question, form: Form) -> Answer:
    positions = {}
    for option in q.options:
        value = _one(form, f"{FORM_PREFIX}{q.id}-{option.id}")
        if value is not None:
            position = whole_number(value, 1, len(q.options))  # not str.isdigit: "²" passes it
            if position is None:
                raise InvalidSubmission(f"{q.id}: position out of range")
            positions[option.id] = position
    return {"positions": positions}


def _grade_ordering(q: Question, answer: Answer) -> Graded:
    positions = answer.get("positions", {})
    if not positions:
        return Graded(0.0, (), "", False)
    feedback, right = [], 0
    for index, option in enumerate(q.options, start=1):
        given = positions.get(option.id)
        ok = given == index
        right += ok
        label = gettext(
            "%(item)s: position %(position)s", item=option.text, position=given if given else gettext("(none)")
        )
        feedback.append(Feedback(label, option.feedback_html, ok))
    order = sorted((p, o.text) for o in q.options if (p := positions.get(o.id)))
    return Graded(right / len(q.options), tuple(feedback), " | ".join(f"{p}. {t}" for p, t in order), True)


def _correct_choices(q: Question) -> str:
    return "; ".join(o.text for o in q.options if o.correct and o.text != FALLBACK)


QUESTION_TYPES: dict[QuestionType, QuestionKind] = {
    QuestionType.SINGLE: QuestionKind(_parse_single, _grade_single, _correct_choices),
    QuestionType.TRUE_FALSE: QuestionKind(_parse_single, _grade_single, _correct_choices),
    QuestionType.MULTIPLE: QuestionKind(_parse_multiple, _grade_multiple, _correct_choices),
    QuestionType.SHORT: QuestionKind(_parse_short, _grade_short, _correct_choices),
    QuestionType.MATCHING: QuestionKind(
        _parse_matching, _grade_matching, lambda q: "; ".join(f"{o.text} → {o.match}" for o in q.options)
    ),
    QuestionType.ORDERING: QuestionKind(
        _parse_ordering, _grade_ordering, lambda q: " | ".join(f"{i}. {o.text}" for i, o in enumerate(q.options, 1))
    ),
}


def parse_answers(quiz: Quiz, form: Form) -> dict[str, Answer]:
    """Read every question's answer from a submitted form.

    Raises :class:`InvalidSubmission` for a field that belongs to no question, an option id
    from another question, or a malformed value; anything else the client sends (a score,
    say) is refused the same way rather than trusted.
    """
    known = set(ALLOWED_EXTRA_FIELDS)
    for q in quiz.questions:
        known.add(FORM_PREFIX + q.id)
        known.update(f"{FORM_PREFIX}{q.id}-{o.id}" for o in q.options)
    unknown = set(form) - known
    if unknown:
        raise InvalidSubmission(f"unexpected field(s): {', '.join(sorted(unknown))[:200]}")
    return {q.id: QUESTION_TYPES[q.type].parse(q, form) for q in quiz.questions}


@dataclass(frozen=True, slots=True)
class QuestionResult:
    question: Question
    graded: Graded
    answer: Answer

    @property
    def correct(self) -> bool:
        return self.graded.credit >= 1.0

    @property
    def correct_answer(self) -> str:
        return QUESTION_TYPES[self.question.type].correct_answer(self.question)


@dataclass(frozen=True, slots=True)
class QuizResult:
    score: float
    """0..1, the points-weighted mean credit."""
    passed: bool
    questions: tuple[QuestionResult, ...]

    @property
    def percent(self) -> int:
        return percent_of(self.score)


def grade(quiz: Quiz, answers: Mapping[str, Answer], pass_mark: float | None = None) -> QuizResult:
    """Grade answers (as from :func:`parse_answers`) against the quiz's key.

    ``pass_mark`` (0..1) is the attempt's own snapshot; by default the quiz's current one.
    """
    results = []
    for q in quiz.questions:
        answer = answers.get(q.id) or {}
        results.append(QuestionResult(q, QUESTION_TYPES[q.type].grade(q, answer), answer))
    total = sum(q.points for q in quiz.questions)
    score = sum(r.graded.credit * r.question.points for r in results) / total if total else 0.0
    score = min(1.0, max(0.0, round(score, 6)))
    threshold = quiz.pass_mark / 100 if pass_mark is None else pass_mark
    return QuizResult(score, score + 1e-9 >= threshold, tuple(results))


def answers_to_form(quiz: Quiz, answers: Mapping[str, Answer]) -> dict[str, list[str]]:
    """Saved answers back into form values, to fill the quiz page in again."""
    form: dict[str, list[str]] = {}
    for q in quiz.questions:
        answer = answers.get(q.id) or {}
        name = FORM_PREFIX + q.id
        if answer.get("choice"):
            form[name] = [answer["choice"]]
        if answer.get("choices"):
            form[name] = list(answer["choices"])
        if answer.get("text"):
            form[name] = [answer["text"]]
        match_of = {o.id: o.match_id for o in q.options}
        for left, right in (answer.get("pairs") or {}).items():
            form[f"{name}-{left}"] = [match_of.get(right, right)]
        for item, position in (answer.get("positions") or {}).items():
            form[f"{name}-{item}"] = [str(position)]
    return form
