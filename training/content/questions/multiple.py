"""Choose all that apply: (correct chosen - wrong chosen) / correct options, never below 0.

The review names the correct options the learner missed (once answers may be shown).
"""

from __future__ import annotations

import random

from ..giftio import GiftQuestion, feedback_text, gift_text, id_line, percent
from ..model import Question, QuestionType
from ..quizraw import ErrorAt, RawQuestion
from .base import (
    FORM_PREFIX,
    N_,
    NOT_ANSWERED,
    Answer,
    Form,
    Graded,
    InvalidSubmission,
    Mark,
    Token,
    chosen_options,
    reverse,
    values,
)
from .choice import ChoiceKind, at_least_two


class Multiple(ChoiceKind):
    type = QuestionType.MULTIPLE
    paper_instruction = N_("Tick every correct answer.")

    def check(self, q: RawQuestion, error: ErrorAt, translation: bool) -> None:
        at_least_two(q, error, "multiple-choice")
        if not any(a.correct for a in q.answers):
            error(q.line, "a multiple-choice question needs at least one correct option [x]")

    def read(self, q: Question, form: Form, token: Token) -> Answer:
        ids = reverse(q, token)
        given = values(form, FORM_PREFIX + q.id)
        if not set(given) <= set(ids) or len(set(given)) != len(given):
            raise InvalidSubmission(f"{q.id}: unknown or repeated option")
        return {"choices": sorted(ids[v] for v in given)}

    def to_form(self, q: Question, answer: Answer, token: Token) -> dict[str, list[str]]:
        chosen = answer.get("choices") or []
        return {FORM_PREFIX + q.id: [token(c) for c in chosen]} if chosen else {}

    def grade(self, q: Question, answer: Answer) -> Graded:
        given = list(answer.get("choices") or [])
        if not given:
            return NOT_ANSWERED
        chosen = {o.id for o in chosen_options(q, given)}
        right = sum(1 for o in q.options if o.correct and o.id in chosen)
        total = sum(1 for o in q.options if o.correct)
        credit = max(0.0, (right - (len(given) - right)) / total) if total else 0.0
        # Marks in the quiz's order; an option no longer in the quiz counts as a wrong choice.
        order = {o.id: n for n, o in enumerate(q.options)}
        marks = tuple(
            Mark(i, "", i in chosen and q.option(i).correct, i) for i in sorted(given, key=lambda i: order.get(i, 99))
        )
        missed = tuple(o.id for o in q.options if o.correct and o.id not in chosen)
        label = "; ".join(o.text for o in chosen_options(q, (m.item for m in marks)))
        return Graded(credit, True, label, marks, missed, self.key(q))

    def demo_answer(self, q: Question, right: bool, rng: random.Random) -> Answer:
        chosen = {o.id for o in q.options if o.correct}
        wrong = [o for o in q.options if not o.correct]
        if not right:
            chosen.discard(rng.choice(sorted(chosen)))
            if wrong:
                chosen.add(wrong[0].id)
        return {"choices": sorted(chosen)}

    def to_gift(self, q: RawQuestion) -> list[str]:
        """Each correct option ``~%100/k%``, each wrong one ``~%-100/k%``: Moodle's sum of weights
        is then exactly our rule, (correct chosen - wrong chosen) / correct options, floored at 0."""
        share = 100 / max(1, sum(a.correct for a in q.answers))
        lines = []
        for answer in q.answers:
            weight = percent(share if answer.correct else -share)
            lines.append(f"~%{weight}%{gift_text(answer.text)}#{gift_text(feedback_text(answer))}")
            lines += id_line(answer)
        return lines

    def reads_gift(self, question: GiftQuestion) -> bool:
        return "=" not in question.answer


KIND = Multiple()
