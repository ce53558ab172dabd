"""What short answers and numeric answers share: the learner types the answer.

Answers are compared by text (or value), so options carry no authored ids; a ``- [ ] *``
line gives the feedback for any other answer. The answer stores the text typed.
"""

from __future__ import annotations

import random
from typing import ClassVar

from ..model import Option, Question
from ..quizraw import FALLBACK, ErrorAt, RawAnswer, RawQuestion
from .base import (
    FORM_PREFIX,
    MAX_TEXT_ANSWER,
    NOT_ANSWERED,
    Answer,
    Form,
    Graded,
    InvalidSubmission,
    Mark,
    PublicQuestion,
    QuestionKind,
    Token,
    one,
)
from .choice import _CHOICE


class TypedKind(QuestionKind):
    authored_ids = False
    result_template = "quiz/types/typed_result.html"
    what: ClassVar[str] = ""
    """How the checks name the type ("short-answer")."""

    def read_answer_line(self, text: str, lineno: int) -> RawAnswer | None:
        found = _CHOICE.match(text)
        return RawAnswer(found.group(2), lineno, correct=found.group(1).lower() == "x") if found else None

    def check(self, q: RawQuestion, error: ErrorAt, translation: bool) -> None:
        accepted = [a for a in q.answers if a.correct and a.text != FALLBACK]
        if not accepted:
            error(q.line, f"a {self.what} question needs at least one accepted answer [x]")
        fallbacks = [a for a in q.answers if a.text == FALLBACK]
        if not fallbacks:
            error(q.line, f"a {self.what} question needs '- [ ] *' with feedback for any other answer", gap=True)
        for fallback in fallbacks:
            if fallback.correct:
                error(fallback.line, "the '*' fallback cannot be marked correct")
        for answer in q.answers:
            if answer.id:
                error(answer.line, f"{self.what} answers take no id: they are compared by their text")

    def public(self, q: Question, number: int, rng: random.Random, shuffle: bool, token: Token) -> PublicQuestion:
        return PublicQuestion(q.id, q.type, number, q.prompt_html, template=self.take_template)

    def read(self, q: Question, form: Form, token: Token) -> Answer:
        text = one(form, FORM_PREFIX + q.id)
        if text is not None and len(text) > MAX_TEXT_ANSWER:
            raise InvalidSubmission(f"{q.id}: answer longer than {MAX_TEXT_ANSWER} characters")
        return {"text": (text or "").strip()}

    def to_form(self, q: Question, answer: Answer, token: Token) -> dict[str, list[str]]:
        return {FORM_PREFIX + q.id: [answer["text"]]} if answer.get("text") else {}

    def matching_option(self, q: Question, text: str) -> Option | None:
        """The option the typed ``text`` is (not the fallback), or None."""
        raise NotImplementedError

    def grade(self, q: Question, answer: Answer) -> Graded:
        text = str(answer.get("text") or "").strip()
        if not text:
            return NOT_ANSWERED
        match = self.matching_option(q, text)
        if match is None:
            match = next(o for o in q.options if o.text == FALLBACK)
        mark = Mark("", text, match.correct, match.id)
        return Graded(1.0 if match.correct else 0.0, True, text, (mark,), key=self.key(q))

    def key(self, q: Question) -> tuple[str, ...]:
        return tuple(o.id for o in q.options if o.correct and o.text != FALLBACK)

    def demo_answer(self, q: Question, right: bool, rng: random.Random) -> Answer:
        texts = [o.text for o in q.options if o.correct and o.text != FALLBACK]
        mistakes = [o.text for o in q.options if not o.correct and o.text != FALLBACK] or [self.demo_mistake(q)]
        return {"text": rng.choice(texts if right else mistakes)}

    def demo_mistake(self, q: Question) -> str:
        return "I am not sure"
