"""What single choice, choose-all-that-apply and true-false share: ticked options.

The form offers the options (shuffled when the quiz shuffles, except true-false) under
opaque values; the answer stores option ids; feedback is each chosen option's own.
"""

from __future__ import annotations

import random
import re
from typing import ClassVar

from ..giftio import Answers, Context, GiftQuestion, answer_parts, comment_id, needs_feedback, percent, weight_of
from ..model import Question, QuestionType
from ..quizraw import ErrorAt, RawAnswer, RawQuestion
from .base import (
    FORM_PREFIX,
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
    reverse,
)

_CHOICE = re.compile(r"^[-*]\s+\[([ xX])\]\s+(.*?)\s*$")


class ChoiceKind(QuestionKind):
    shuffles: ClassVar[bool] = True
    gift_kinds = ("multichoice",)

    def read_answer_line(self, text: str, lineno: int) -> RawAnswer | None:
        found = _CHOICE.match(text)
        return RawAnswer(found.group(2), lineno, correct=found.group(1).lower() == "x") if found else None

    def public(self, q: Question, number: int, rng: random.Random, shuffle: bool, token: Token) -> PublicQuestion:
        choices = [PublicChoice(token(o.id), o.html) for o in q.options]
        if shuffle and self.shuffles:
            rng.shuffle(choices)
        return PublicQuestion(q.id, q.type, number, q.prompt_html, tuple(choices), template=self.take_template)

    def read(self, q: Question, form: Form, token: Token) -> Answer:
        ids = reverse(q, token)
        choice = one(form, FORM_PREFIX + q.id)
        if choice is not None and choice not in ids:
            raise InvalidSubmission(f"{q.id}: unknown option")
        return {"choice": ids[choice] if choice is not None else None}

    def to_form(self, q: Question, answer: Answer, token: Token) -> dict[str, list[str]]:
        return {FORM_PREFIX + q.id: [token(answer["choice"])]} if answer.get("choice") else {}

    def grade(self, q: Question, answer: Answer) -> Graded:
        choice = answer.get("choice")
        if not choice:
            return NOT_ANSWERED
        option = q.find(choice)
        right = option is not None and option.correct
        label = option.text if option is not None else ""
        return Graded(1.0 if right else 0.0, True, label, (Mark(choice, "", right, choice),), key=self.key(q))

    def demo_answer(self, q: Question, right: bool, rng: random.Random) -> Answer:
        wrong = [o for o in q.options if not o.correct]
        pool = [o for o in q.options if o.correct] if right or not wrong else wrong[:2]
        return {"choice": rng.choice(pool).id}

    def from_gift(self, question: GiftQuestion, ctx: Context) -> Answers:
        return import_multichoice(question, ctx)


def import_multichoice(question: GiftQuestion, ctx: Context) -> Answers:
    """``=`` marks the one right answer (single choice); without ``=``, ``~%w%`` weights make it
    multiple choice, where every positive weight must be the same (our scoring gives each correct
    option an equal share and takes one share away for each wrong option chosen)."""
    single = "=" in question.answer
    answers, weights = [], []
    for segment in question.segments("~="):
        line = segment.line
        if segment.marker == "=":
            weight, body = 100.0, segment.body  # as in Moodle, "=%50%a" is the answer "%50%a"
        else:
            found, body = weight_of(segment.body, line, ctx)
            weight = found or 0.0
        text, feedback = answer_parts(question, body, line, ctx)
        if single and segment.marker != "=" and weight > 0:
            ctx.note(
                line,
                f"partial credit ({percent(weight)}%) is dropped: a single-choice question here "
                "scores 1 for the '=' answer and 0 for any other",
            )
            weight = 0.0
        elif single and weight < 0:
            ctx.note(line, f"the penalty {percent(weight)}% is dropped: a wrong single-choice answer scores 0")
        weights.append(weight)
        answers.append(
            RawAnswer(
                text,
                line,
                correct=weight > 0,
                id=comment_id(question, segment),
                feedback=needs_feedback(feedback, text, line, ctx),
            )
        )
    if not single:
        _check_multiple_weights(question, weights, ctx)
    return Answers(QuestionType.SINGLE if single else QuestionType.MULTIPLE, answers)


def _check_multiple_weights(question: GiftQuestion, weights: list[float], ctx: Context) -> None:
    positive = [w for w in weights if w > 0]
    if not positive:
        return
    if max(positive) - min(positive) > 0.01:
        shown = ", ".join(f"{percent(w)}%" for w in positive)
        share = 100 / len(positive)
        ctx.note(
            question.answer_line,
            f"correct options weigh {shown}: scored here as an equal share ({percent(share)}%) "
            "for each correct option chosen, less one share for each wrong one",
        )
        return
    share = 100 / len(positive)
    if any(abs(w + share) > 0.01 for w in weights if w <= 0) or abs(sum(positive) - 100) > 0.01:
        ctx.note(
            question.answer_line,
            f"scored here as {percent(share)}% for each correct option chosen and "
            f"-{percent(share)}% for each wrong one, never below 0",
        )


def at_least_two(q: RawQuestion, error: ErrorAt, what: str) -> None:
    if len(q.answers) < 2:
        error(q.line, f"a {what} question needs at least two options")
