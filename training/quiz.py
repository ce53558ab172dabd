"""Quiz rules as plain functions: one attempt's paper, what the learner sees, how a form
becomes answers, grading, and the review of a graded attempt.

Every question type lives in :mod:`training.content.questions` (``QUESTION_TYPES``): this
module only goes through that registry.

* **Paper.** An attempt draws its questions (all of them, or ``draw`` of them at random from
  the quiz's pool), once, and keeps the draw. Its form names options by an HMAC of the
  attempt's secret and the option id: nothing in the page carries an authored id, letter or
  position, and the values change from one attempt to the next.
* **Credit.** Single, true-false, short and numeric answers score 1 or 0. Multiple choice
  scores (correct options chosen - wrong options chosen) / correct options, never below 0.
  Matching scores the share of pairs matched correctly; ordering the share of items in their
  correct position. The quiz score is the points-weighted mean of the credits.
* **Review.** A graded attempt keeps, per question, the answer, the credit and what its review
  shows (the marks, the feedback keys, the options missed, the key as it was): its result page
  reads them and never grades again, so editing a quiz never rewrites an old result.
* **Reveal.** Whether a result shows the right answers and explanations is the quiz's
  ``reveal`` setting, kept with the attempt: ``after-each-attempt``, ``after-passing`` or
  ``after-last-attempt`` (the default). Until then the page shows the score, which questions
  were wrong and the learner's own answers, not which options, pairs or order were right.
"""

from __future__ import annotations

import hmac
import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from .content.model import Question, Quiz
from .content.questions import (
    FORM_PREFIX,
    MAX_TEXT_ANSWER,
    QUESTION_TYPES,
    Answer,
    Form,
    Graded,
    InvalidSubmission,
    PublicChoice,
    PublicQuestion,
    QuestionKind,
    normalise_text,
)
from .progress import percent_of

__all__ = [
    "FORM_PREFIX",
    "MAX_TEXT_ANSWER",
    "QUESTION_TYPES",
    "Answer",
    "Graded",
    "InvalidSubmission",
    "Paper",
    "PublicChoice",
    "PublicQuestion",
    "QuizResult",
    "Reveal",
    "Review",
    "StoredResponse",
    "answers_to_form",
    "deadline",
    "draw_questions",
    "grade",
    "normalise_text",
    "parse_answers",
    "public_view",
    "review",
    "reveals",
]

ALLOWED_EXTRA_FIELDS = frozenset({"csrf_token", "attempt", "seq", "action"})
SUBMIT_GRACE = timedelta(seconds=30)
"""A submit that reaches the server this long after the time limit is still taken as sent (the
page was posted in time over a slow link); later, the answers saved by then are graded."""


class Reveal(StrEnum):
    """When a result page shows the right answers and the explanations."""

    AFTER_EACH_ATTEMPT = "after-each-attempt"
    AFTER_PASSING = "after-passing"
    AFTER_LAST_ATTEMPT = "after-last-attempt"


def reveals(policy: str, passed: bool, attempts_left: bool) -> bool:
    """Whether an attempt's result may show the key: by its quiz's policy (kept with the
    attempt), whether it passed, and whether the learner may try again. An unknown policy
    is read as the safest one."""
    if policy == Reveal.AFTER_EACH_ATTEMPT:
        return True
    if policy == Reveal.AFTER_PASSING:
        return passed or not attempts_left
    return not attempts_left


# --- one attempt's paper -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Paper:
    """The quiz as one attempt gets it: which questions, in which order, under which values.

    ``secret`` makes the form's option values opaque; an empty secret is the printed sheet,
    whose values are the option ids. ``question_ids`` is the attempt's draw (None: all).
    """

    seed: int
    secret: str = ""
    question_ids: tuple[str, ...] | None = None

    @classmethod
    def printed(cls, seed: int) -> Paper:
        return cls(seed)

    def token(self, question_id: str, option_id: str) -> str:
        if not self.secret:
            return option_id
        return "v" + hmac.digest(self.secret.encode(), f"{question_id}\0{option_id}".encode(), "sha256").hex()[:15]

    def questions(self, quiz: Quiz) -> tuple[Question, ...]:
        """The attempt's questions in the quiz's order (one removed since is left out)."""
        if self.question_ids is None:
            return quiz.questions
        drawn = set(self.question_ids)
        return tuple(q for q in quiz.questions if q.id in drawn)

    def tokens_for(self, question: Question):
        return lambda option_id: self.token(question.id, option_id)


def draw_questions(quiz: Quiz, rng: random.Random) -> tuple[str, ...] | None:
    """A new attempt's questions: ``quiz.draw`` of the pool at random (in the quiz's order),
    or None for all of them."""
    if not quiz.draw or quiz.draw >= len(quiz.questions):
        return None
    chosen = set(rng.sample([q.id for q in quiz.questions], quiz.draw))
    return tuple(q.id for q in quiz.questions if q.id in chosen)


def deadline(quiz: Quiz, started_at: datetime) -> datetime | None:
    """When an attempt started at ``started_at`` must be in, or None without a time limit."""
    return started_at + timedelta(minutes=quiz.time_limit) if quiz.time_limit else None


def _kind(question: Question) -> QuestionKind:
    return QUESTION_TYPES[question.type]


def public_view(quiz: Quiz, paper: Paper) -> tuple[PublicQuestion, ...]:
    """The attempt's questions for the browser: no key, no feedback, opaque values. Orders
    that could reveal an answer (matching, ordering) are never the authored order."""
    return tuple(
        _kind(q).public(
            q,
            number,
            random.Random(f"{paper.seed}:{q.id}"),  # noqa: S311 - display order, not security
            quiz.shuffle,
            paper.tokens_for(q),
        )
        for number, q in enumerate(paper.questions(quiz), start=1)
    )


def parse_answers(quiz: Quiz, form: Form, paper: Paper) -> dict[str, Answer]:
    """Read every question's answer from a submitted form.

    Raises :class:`InvalidSubmission` for a field that belongs to no question of the attempt,
    a value that names no option of the question, or a malformed value; anything else the
    client sends (a score, say) is refused the same way rather than trusted.
    """
    questions = paper.questions(quiz)
    known = set(ALLOWED_EXTRA_FIELDS)
    for q in questions:
        known |= _kind(q).fields(q, paper.tokens_for(q))
    unknown = set(form) - known
    if unknown:
        raise InvalidSubmission(f"unexpected field(s): {', '.join(sorted(unknown))[:200]}")
    return {q.id: _kind(q).read(q, form, paper.tokens_for(q)) for q in questions}


def answers_to_form(quiz: Quiz, answers: Mapping[str, Answer], paper: Paper) -> dict[str, list[str]]:
    """Saved answers back into form values, to fill the quiz page in again."""
    form: dict[str, list[str]] = {}
    for q in paper.questions(quiz):
        answer = answers.get(q.id) or {}
        if answer:
            form.update(_kind(q).to_form(q, answer, paper.tokens_for(q)))
    return form


# --- grading -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuestionResult:
    question: Question
    graded: Graded
    answer: Answer

    @property
    def correct(self) -> bool:
        return self.graded.correct


@dataclass(frozen=True, slots=True)
class QuizResult:
    score: float
    """0..1, the points-weighted mean credit."""
    passed: bool
    questions: tuple[QuestionResult, ...]

    @property
    def percent(self) -> int:
        return percent_of(self.score)


def score_of(credits: list[tuple[float, int]]) -> float:
    """The points-weighted mean of (credit, points), 0..1, rounded as stored."""
    total = sum(points for _credit, points in credits)
    score = sum(credit * points for credit, points in credits) / total if total else 0.0
    return min(1.0, max(0.0, round(score, 6)))


def grade(
    quiz: Quiz, answers: Mapping[str, Answer], pass_mark: float | None = None, paper: Paper | None = None
) -> QuizResult:
    """Grade answers (as from :func:`parse_answers`) against the quiz's key.

    ``pass_mark`` (0..1) is the attempt's own snapshot; by default the quiz's current one.
    ``paper`` limits grading to the attempt's draw.
    """
    results = []
    for q in (paper or Paper(0)).questions(quiz):
        answer = answers.get(q.id) or {}
        results.append(QuestionResult(q, _kind(q).grade(q, answer), answer))
    score = score_of([(r.graded.credit, r.question.points) for r in results])
    threshold = quiz.pass_mark / 100 if pass_mark is None else pass_mark
    return QuizResult(score, score + 1e-9 >= threshold, tuple(results))


# --- the review of a graded attempt --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """A question's response as the attempt stored it."""

    question_id: str
    answer: Mapping[str, Any]
    simple_answer: str
    credit: float
    review: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """One question of a result page: today's wording, the stored verdict and marks."""

    number: int
    question_id: str
    question: Question | None
    """Today's question (its wording), None when it has since been removed from the quiz."""
    graded: Graded
    reveal: bool

    @property
    def kind(self) -> QuestionKind | None:
        return QUESTION_TYPES[self.question.type] if self.question is not None else None

    @property
    def template(self) -> str:
        return self.kind.result_template if self.kind is not None else "quiz/types/removed_result.html"

    @property
    def verdict(self) -> str:
        """right, partial, wrong or unanswered."""
        if self.graded.correct:
            return "right"
        if self.graded.credit > 0:
            return "partial"
        return "wrong" if self.graded.answered else "unanswered"

    @property
    def key_text(self) -> str:
        """The right answer as it was when graded (in today's words), once it may be shown."""
        if not self.reveal or self.question is None or self.kind is None:
            return ""
        return self.kind.key_text(self.question, self.graded.key)

    def option(self, option_id: str):
        return self.question.find(option_id) if self.question is not None else None


@dataclass(frozen=True, slots=True)
class Review:
    items: tuple[ReviewItem, ...]
    reveal: bool
    edited: bool
    """The quiz has changed since the attempt: its result stands as graded then."""

    @property
    def wrong(self) -> int:
        return sum(1 for item in self.items if not item.graded.correct)


def review(quiz: Quiz, responses: list[StoredResponse], *, reveal: bool, content_version: str) -> Review:
    """A graded attempt's result page from what it stored, never graded again."""
    by_id = {q.id: q for q in quiz.questions}
    items = tuple(
        ReviewItem(
            number,
            r.question_id,
            by_id.get(r.question_id),
            Graded.from_stored(r.credit, r.simple_answer, r.review),
            reveal,
        )
        for number, r in enumerate(responses, start=1)
    )
    return Review(items, reveal, content_version != quiz.version)
