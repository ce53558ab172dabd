"""Ordering: put the items in order; credit per item in its right position.

The items are shuffled for every attempt and never start in the right order (whatever the
seed). The answer stores each item's position.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from ..giftio import Answers, Context, GiftQuestion, escape, feedback_text, gift_text, id_line
from ..model import Question, QuestionType
from ..quizraw import ErrorAt, RawAnswer, RawQuestion, unique
from .base import (
    N_,
    NOT_ANSWERED,
    Answer,
    Form,
    Graded,
    InvalidSubmission,
    Mark,
    PublicChoice,
    PublicQuestion,
    QuestionKind,
    Token,
    one,
    shuffled,
)
from .paired import declared_ordering, is_sequence, read_pairs

_ITEM = re.compile(r"^(\d+)[.)]\s+(.*?)\s*$")


class Ordering(QuestionKind):
    type = QuestionType.ORDERING
    take_template = "quiz/types/ordering_take.html"
    result_template = "quiz/types/placed_result.html"
    gift_kinds = ("match",)
    paper_instruction = N_("Number the items in the right order, starting with 1.")

    def read_answer_line(self, text: str, lineno: int) -> RawAnswer | None:
        found = _ITEM.match(text)
        return RawAnswer(found.group(2), lineno, correct=True, position=int(found.group(1))) if found else None

    def write_answer_line(self, answer: RawAnswer) -> tuple[str, str]:
        return f"{answer.position}. {answer.text}", "   "

    def check(self, q: RawQuestion, error: ErrorAt, translation: bool) -> None:
        positions = [a.position for a in q.answers]
        if positions != list(range(1, len(positions) + 1)):
            error(q.line, "ordering items must be numbered 1, 2, 3, ... in the correct order")
        unique(q.answers, lambda a: a.text.lower(), "item", error)
        if len(q.answers) < 3:
            error(q.line, "an ordering question needs at least three items")

    def public(self, q: Question, number: int, rng: random.Random, shuffle: bool, token: Token) -> PublicQuestion:
        items = [PublicChoice(token(o.id), o.html) for o in q.options]
        shown = shuffled(items, rng, [c.id for c in items])
        return PublicQuestion(q.id, q.type, number, q.prompt_html, (), shown, template=self.take_template)

    def fields(self, q: Question, token: Token) -> set[str]:
        return {f"q-{q.id}-{token(o.id)}" for o in q.options}

    def read(self, q: Question, form: Form, token: Token) -> Answer:
        positions = {}
        for option in q.options:
            value = one(form, f"q-{q.id}-{token(option.id)}")
            if value is not None:
                # ASCII digits only: str.isdigit() accepts "²", which int() refuses.
                if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= len(q.options):
                    raise InvalidSubmission(f"{q.id}: position out of range")
                positions[option.id] = int(value)
        return {"positions": positions}

    def to_form(self, q: Question, answer: Answer, token: Token) -> dict[str, list[str]]:
        positions = answer.get("positions") or {}
        return {f"q-{q.id}-{token(item)}": [str(p)] for item, p in positions.items() if q.find(item)}

    def grade(self, q: Question, answer: Answer) -> Graded:
        positions = answer.get("positions") or {}
        if not positions:
            return NOT_ANSWERED
        marks = []
        for index, option in enumerate(q.options, start=1):
            given = positions.get(option.id)
            ok = given == index
            marks.append(Mark(option.id, str(given or ""), ok, option.id if ok else ""))
        order = sorted((p, o.text) for o in q.options if (p := positions.get(o.id)))
        right = sum(m.correct for m in marks)
        return Graded(
            right / len(q.options), True, " | ".join(f"{p}. {t}" for p, t in order), tuple(marks), key=self.key(q)
        )

    def key(self, q: Question) -> tuple[str, ...]:
        return tuple(o.id for o in q.options)

    def key_text(self, q: Question, key: Sequence[str]) -> str:
        found = [o for i in key if (o := q.find(i)) is not None]
        return " | ".join(f"{n}. {o.text}" for n, o in enumerate(found, start=1))

    def demo_answer(self, q: Question, right: bool, rng: random.Random) -> Answer:
        positions = list(range(1, len(q.options) + 1))
        if not right:
            positions[0], positions[1] = positions[1], positions[0]
        return {"positions": {o.id: p for o, p in zip(q.options, positions, strict=True)}}

    def to_gift(self, q: RawQuestion) -> list[str]:
        """Moodle's GIFT has no ordering type: each item is matched with its position (1, 2, ...),
        which any Moodle can grade, and ``[tag:type:ordering]`` brings it back as ordering."""
        lines = []
        for position, answer in enumerate(q.answers, start=1):
            lines.append(f"={gift_text(answer.text)} -> {position}")
            lines.append(f"// feedback: {escape(feedback_text(answer))}")
            lines += id_line(answer)
        return lines

    def gift_tags(self, q: RawQuestion) -> list[str]:
        return ["[tag:type:ordering]"]

    def reads_gift(self, question: GiftQuestion) -> bool:
        return declared_ordering(question)

    def from_gift(self, question: GiftQuestion, ctx: Context) -> Answers:
        pairs = read_pairs(question, ctx, ordering=True)
        if not is_sequence(pairs):
            ctx.error(
                question.answer_line,
                "an ordering question matches each item with its position: =item -> 1, =item -> 2, ... "
                "(each number once)",
            )
            return Answers(QuestionType.ORDERING, [])
        ordered = sorted(pairs, key=lambda pair: int(pair[1]))
        return Answers(
            QuestionType.ORDERING,
            [
                RawAnswer(left, line, correct=True, position=int(right), feedback=feedback, id=option_id)
                for left, right, line, feedback, option_id in ordered
            ],
        )


KIND = Ordering()
