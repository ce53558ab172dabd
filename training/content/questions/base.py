"""What every question type knows, and the records its parts hand to each other.

A question type is one module in this package holding one :class:`QuestionKind`: how its
answer lines read and are checked in a quiz file, how it converts to and from Moodle's GIFT,
what the learner's browser gets (never the key), how a submitted form becomes an answer, how
an answer is graded, which templates show it (``quiz/types/<name>_take.html`` and
``_result.html``) and what the demo's learners answer. :data:`QUESTION_TYPES` in
``__init__`` lists them; the quiz parser, the grader, the GIFT converter, the demo and the
templates go through it, so a new type is one module plus its templates.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from ..giftio import Answers, Context, GiftQuestion
from ..model import Option, Question, QuestionType
from ..quizraw import ErrorAt, RawAnswer, RawQuestion

FORM_PREFIX = "q-"
MAX_TEXT_ANSWER = 200

Form = Mapping[str, Sequence[str]]
Answer = dict[str, Any]
Token = Callable[[str], str]
"""Option id -> the value that stands for it in one attempt's form (opaque, per attempt)."""


def N_(message: str) -> str:
    """Marks a message for the catalogues (``make messages`` collects ``N_``); whoever shows
    it translates it. The content pipeline imports nothing else of the package, so it keeps
    its own marker rather than ``training.translatable``'s."""
    return message


class InvalidSubmission(ValueError):
    """The form does not fit the quiz: an unknown field or option, or a malformed value."""


@dataclass(frozen=True, slots=True)
class PublicChoice:
    id: str
    """The value the form sends for this choice: opaque, never the authored id or position."""
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
    template: str = ""
    """The template that shows the question in the quiz form."""

    def field(self, item_id: str | None = None) -> str:
        return f"{FORM_PREFIX}{self.id}" + (f"-{item_id}" if item_id else "")

    @property
    def rich_prompt(self) -> bool:
        """The prompt holds more than a legend can show (a long text, a table, a list, an
        image): the form shows it in full under the legend."""
        return len(self.prompt_html) > 400 or any(tag in self.prompt_html for tag in ("<table", "<ul", "<ol", "<img"))


@dataclass(frozen=True, slots=True)
class Mark:
    """One part of a graded answer, kept with the attempt so its review never changes.

    ``item``: the option the mark is about (the option chosen; the item placed or matched);
    ``given``: what the learner gave for it that is not an option id (a position, the text
    typed) or, for matching, the id of the pair whose right side was chosen; ``feedback``: the
    id of the option whose feedback belongs to this answer, "" when none does.
    """

    item: str
    given: str
    correct: bool
    feedback: str


@dataclass(frozen=True, slots=True)
class Graded:
    """A graded answer, as stored: credit 0..1 and what the review shows."""

    credit: float
    answered: bool
    simple_answer: str = ""
    marks: tuple[Mark, ...] = ()
    missed: tuple[str, ...] = ()
    """Correct options the learner did not choose (choose all that apply)."""
    key: tuple[str, ...] = ()
    """The right answer when graded: option ids in order, or accepted texts."""

    @property
    def correct(self) -> bool:
        return self.credit >= 1.0

    def stored(self) -> dict[str, Any]:
        """What the response row keeps (JSON)."""
        return {
            "answered": self.answered,
            "marks": [[m.item, m.given, m.correct, m.feedback] for m in self.marks],
            "missed": list(self.missed),
            "key": list(self.key),
        }

    @classmethod
    def from_stored(cls, credit: float, simple_answer: str, data: Mapping[str, Any] | None) -> Graded:
        data = data or {}
        marks = tuple(Mark(str(i), str(g), bool(c), str(f)) for i, g, c, f in data.get("marks", ()))
        return cls(
            credit,
            bool(data.get("answered", bool(simple_answer))),
            simple_answer,
            marks,
            tuple(data.get("missed", ())),
            tuple(data.get("key", ())),
        )


NOT_ANSWERED = Graded(0.0, False)


def values(form: Form, name: str) -> list[str]:
    return [v for v in form.get(name, ()) if v != ""]


def one(form: Form, name: str) -> str | None:
    found = values(form, name)
    if len(found) > 1:
        raise InvalidSubmission(f"{name}: one answer expected")
    return found[0] if found else None


def reverse(q: Question, token: Token, ids: Iterable[str] | None = None) -> dict[str, str]:
    """Form value -> option id, for the question's options (or the ``ids`` given)."""
    return {token(i): i for i in (ids if ids is not None else (o.id for o in q.options))}


def shuffled(items: list[PublicChoice], rng: random.Random, authored: list[str]) -> tuple[PublicChoice, ...]:
    """``items`` in a random order that is never ``authored`` (the order that is the answer)."""
    order = list(items)
    rng.shuffle(order)
    if [c.id for c in order] == authored and len(order) > 1:
        order = order[1:] + order[:1]
    return tuple(order)


class QuestionKind:
    """The base every question type extends; the defaults suit option-based types."""

    type: ClassVar[QuestionType]
    take_template: ClassVar[str] = "quiz/types/choice_take.html"
    result_template: ClassVar[str] = "quiz/types/choice_result.html"
    authored_ids: ClassVar[bool] = True
    """Each option carries an ``{#id}`` that saved answers point at; False for types whose
    answers are compared by text, each language its own."""
    gift_kinds: ClassVar[tuple[str, ...]] = ()
    """The Moodle question kinds (as Moodle's GIFT reader names them) this type imports."""
    paper_instruction: ClassVar[str] = ""
    """What the printed quiz sheet tells participants to do."""

    # --- the quiz file -------------------------------------------------------------------

    def read_answer_line(self, text: str, lineno: int) -> RawAnswer | None:
        """An answer line of this type, or None when ``text`` is not one."""
        raise NotImplementedError

    def write_answer_line(self, answer: RawAnswer) -> tuple[str, str]:
        """The answer line (without its id) and the indent of its feedback lines."""
        return f"- [{'x' if answer.correct else ' '}] {answer.text}", "  "

    def check(self, q: RawQuestion, error: ErrorAt, translation: bool) -> None:
        """Problems with the question's answers for this type (one error call each)."""
        raise NotImplementedError

    # --- GIFT ----------------------------------------------------------------------------

    def to_gift(self, q: RawQuestion) -> list[str]:
        """The answers inside the braces, one GIFT line each (``Unmappable`` if impossible)."""
        raise NotImplementedError

    def gift_tags(self, q: RawQuestion) -> list[str]:
        """Extra ``[tag:...]`` markers that bring the type back on import."""
        return []

    def reads_gift(self, question: GiftQuestion) -> bool:
        """Whether a GIFT question of one of :attr:`gift_kinds` is this type's."""
        return True

    def from_gift(self, question: GiftQuestion, ctx: Context) -> Answers:
        raise NotImplementedError

    # --- the learner's form --------------------------------------------------------------

    def public(self, q: Question, number: int, rng: random.Random, shuffle: bool, token: Token) -> PublicQuestion:
        raise NotImplementedError

    def fields(self, q: Question, token: Token) -> set[str]:
        """Every form field this question may send."""
        return {FORM_PREFIX + q.id}

    def read(self, q: Question, form: Form, token: Token) -> Answer:
        """The answer in a submitted form (:class:`InvalidSubmission` when it cannot be one)."""
        raise NotImplementedError

    def to_form(self, q: Question, answer: Answer, token: Token) -> dict[str, list[str]]:
        """A saved answer back into form values."""
        raise NotImplementedError

    # --- grading and review --------------------------------------------------------------

    def grade(self, q: Question, answer: Answer) -> Graded:
        raise NotImplementedError

    def key_text(self, q: Question, key: Sequence[str]) -> str:
        """The right answer as stored when graded, in words (option texts of today's quiz)."""
        return "; ".join(o.text for i in key if (o := q.find(i)) is not None)

    def answer_text(self, q: Question) -> str:
        """The right answer today, in words (the printed answer key)."""
        return self.key_text(q, self.key(q))

    def key(self, q: Question) -> tuple[str, ...]:
        return tuple(o.id for o in q.options if o.correct)

    # --- demo ----------------------------------------------------------------------------

    def demo_answer(self, q: Question, right: bool, rng: random.Random) -> Answer:
        """A plausible answer: the key when ``right``, otherwise a typical mistake."""
        raise NotImplementedError


def chosen_options(q: Question, ids: Iterable[str]) -> list[Option]:
    return [o for i in ids if (o := q.find(i)) is not None]
