"""Single choice: one option is right; 1 or 0."""

from __future__ import annotations

from ..giftio import WEIGHT, GiftQuestion, feedback_text, gift_text, id_line
from ..model import QuestionType
from ..quizraw import ErrorAt, RawQuestion
from .base import N_
from .choice import ChoiceKind, at_least_two


class Single(ChoiceKind):
    type = QuestionType.SINGLE
    paper_instruction = N_("Tick one answer.")

    def check(self, q: RawQuestion, error: ErrorAt, translation: bool) -> None:
        at_least_two(q, error, "single-choice")
        correct = sum(a.correct for a in q.answers)
        if correct != 1:
            error(q.line, f"a single-choice question needs exactly one correct option [x], found {correct}")

    def to_gift(self, q: RawQuestion) -> list[str]:
        """``=right#feedback`` and ``~wrong#feedback``; ``~%0%`` keeps a leading ``%5%`` text a text."""
        lines = []
        for answer in q.answers:
            marker = "=" if answer.correct else ("~%0%" if WEIGHT.match(answer.text) else "~")
            lines.append(f"{marker}{gift_text(answer.text)}#{gift_text(feedback_text(answer))}")
            lines += id_line(answer)
        return lines

    def reads_gift(self, question: GiftQuestion) -> bool:
        return "=" in question.answer


KIND = Single()
