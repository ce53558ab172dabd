"""Matching: each item on the left with its answer on the right; credit per pair right.

The right-hand choices are shuffled for every attempt and never stand in the order of the
items (whatever the seed), so "the n-th answer for the n-th item" never works. The answer
stores, per item, the id of the pair whose right side was chosen.
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

_PAIR = re.compile(r"^[-*]\s+(.*?)\s*->\s*(.*?)\s*$")


def _pairs(q: Question, answer: Answer) -> dict[str, str]:
    """Item id -> the id of the pair whose right side was chosen. Answers saved before the
    form's values became opaque may name the right side by its ``match_id``: read as its pair."""
    by_match = {o.match_id: o.id for o in q.options}
    return {
        str(left): str(right) if q.find(str(right)) is not None else by_match.get(str(right), str(right))
        for left, right in (answer.get("pairs") or {}).items()
    }


class Matching(QuestionKind):
    type = QuestionType.MATCHING
    take_template = "quiz/types/matching_take.html"
    result_template = "quiz/types/placed_result.html"
    gift_kinds = ("match",)
    paper_instruction = N_("Write the letter of the matching answer next to each item.")

    def read_answer_line(self, text: str, lineno: int) -> RawAnswer | None:
        found = _PAIR.match(text)
        if found:
            return RawAnswer(found.group(1), lineno, correct=True, match=found.group(2))
        if re.match(r"^[-*]\s+\S", text):
            return RawAnswer(text.lstrip("-* ").strip(), lineno, correct=True, match="")
        return None

    def write_answer_line(self, answer: RawAnswer) -> tuple[str, str]:
        return f"- {answer.text} -> {answer.match}", "  "

    def check(self, q: RawQuestion, error: ErrorAt, translation: bool) -> None:
        for answer in q.answers:
            if not answer.match or not answer.text:
                error(answer.line, "a matching pair needs text on both sides: '- left -> right'")
        unique(q.answers, lambda a: a.text.lower(), "left side", error)
        unique(q.answers, lambda a: a.match.lower(), "right side", error)
        if len(q.answers) < 3:
            error(q.line, "a matching question needs at least three pairs")

    def public(self, q: Question, number: int, rng: random.Random, shuffle: bool, token: Token) -> PublicQuestion:
        lefts = [PublicChoice(token(o.id), o.html) for o in q.options]
        if shuffle:
            rng.shuffle(lefts)
        # The right side that fits each left item, in the items' order: never shown that way.
        fits = {token(o.id): token(o.match_id) for o in q.options}
        rights = [PublicChoice(token(o.match_id), o.match_html) for o in q.options]
        shown = shuffled(rights, rng, [fits[left.id] for left in lefts])
        return PublicQuestion(q.id, q.type, number, q.prompt_html, shown, tuple(lefts), template=self.take_template)

    def fields(self, q: Question, token: Token) -> set[str]:
        return {f"q-{q.id}-{token(o.id)}" for o in q.options}

    def read(self, q: Question, form: Form, token: Token) -> Answer:
        pair_of = {token(o.match_id): o.id for o in q.options}
        pairs = {}
        for option in q.options:
            value = one(form, f"q-{q.id}-{token(option.id)}")
            if value is not None:
                if value not in pair_of:
                    raise InvalidSubmission(f"{q.id}: unknown choice")
                pairs[option.id] = pair_of[value]
        return {"pairs": pairs}

    def to_form(self, q: Question, answer: Answer, token: Token) -> dict[str, list[str]]:
        form = {}
        for left, right in _pairs(q, answer).items():
            chosen = q.find(right)
            if chosen is not None:
                form[f"q-{q.id}-{token(left)}"] = [token(chosen.match_id)]
        return form

    def grade(self, q: Question, answer: Answer) -> Graded:
        pairs = _pairs(q, answer)
        if not pairs:
            return NOT_ANSWERED
        marks, words = [], []
        for option in q.options:
            given = str(pairs.get(option.id, ""))
            ok = given == option.id
            marks.append(Mark(option.id, given, ok, option.id if ok else ""))
            chosen = q.find(given)
            words.append(f"{option.text} → {chosen.match if chosen else '-'}")
        right = sum(m.correct for m in marks)
        return Graded(right / len(q.options), True, "; ".join(words), tuple(marks), key=self.key(q))

    def key(self, q: Question) -> tuple[str, ...]:
        return tuple(o.id for o in q.options)

    def key_text(self, q: Question, key: Sequence[str]) -> str:
        return "; ".join(f"{o.text} → {o.match}" for i in key if (o := q.find(i)) is not None)

    def demo_answer(self, q: Question, right: bool, rng: random.Random) -> Answer:
        ids = [o.id for o in q.options]
        chosen = list(ids)
        if not right:
            chosen[0], chosen[-1] = chosen[-1], chosen[0]
        return {"pairs": dict(zip(ids, chosen, strict=True))}

    def to_gift(self, q: RawQuestion) -> list[str]:
        """``=left -> right``; GIFT has no feedback per pair, so it follows as ``// feedback:``."""
        lines = []
        for answer in q.answers:
            lines.append(f"={gift_text(answer.text)} -> {escape(answer.match)}")
            lines.append(f"// feedback: {escape(feedback_text(answer))}")
            lines += id_line(answer)
        return lines

    def reads_gift(self, question: GiftQuestion) -> bool:
        return not declared_ordering(question)

    def from_gift(self, question: GiftQuestion, ctx: Context) -> Answers:
        pairs = read_pairs(question, ctx, ordering=False)
        if pairs and is_sequence(pairs):
            ctx.note(
                question.answer_line,
                "the right sides are 1, 2, 3, ...: if this is an ordering question, add '// "
                "[tag:type:ordering]' above it",
            )
        return Answers(
            QuestionType.MATCHING,
            [
                RawAnswer(left, line, correct=True, match=right, feedback=feedback, id=option_id)
                for left, right, line, feedback, option_id in pairs
            ],
        )


KIND = Matching()
