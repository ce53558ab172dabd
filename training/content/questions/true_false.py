"""True or false: two options, always shown True first; 1 or 0."""

from __future__ import annotations

from ..giftio import (
    MOODLE_TRIM,
    MOODLE_TRUE,
    Answers,
    Context,
    GiftQuestion,
    comment_id,
    feedback_text,
    gift_text,
    id_line,
    needs_feedback,
    split_format,
    to_markdown,
)
from ..model import QuestionType
from ..quizraw import ErrorAt, RawAnswer, RawQuestion
from .base import N_
from .choice import ChoiceKind


class TrueFalse(ChoiceKind):
    type = QuestionType.TRUE_FALSE
    shuffles = False
    gift_kinds = ("truefalse",)
    paper_instruction = N_("Tick true or false.")

    def check(self, q: RawQuestion, error: ErrorAt, translation: bool) -> None:
        texts = sorted(a.text.lower() for a in q.answers)
        if texts != ["false", "true"] and not (translation and len(texts) == 2):
            error(q.line, "a true-false question has exactly two options: 'True' and 'False'")
        if sum(a.correct for a in q.answers) != 1:
            error(q.line, "a true-false question marks exactly one option [x]")

    def to_gift(self, q: RawQuestion) -> list[str]:
        """``TRUE`` or ``FALSE``, then the feedback for a wrong answer, then for a right one, each
        followed by its option's id."""
        right = next(a for a in q.answers if a.correct)
        wrong = next(a for a in q.answers if not a.correct)
        value = "TRUE" if right.text.lower() == "true" else "FALSE"
        return [
            value,
            f"#{gift_text(feedback_text(wrong))}",
            *id_line(wrong),
            f"#{gift_text(feedback_text(right))}",
            *id_line(right),
        ]

    def from_gift(self, question: GiftQuestion, ctx: Context) -> Answers:
        """``{TRUE#feedback when answered wrong#feedback when answered right}``, Moodle's order."""
        value, *feedbacks = question.answer.strip(MOODLE_TRIM).split("#", 2)
        is_true = value.strip(MOODLE_TRIM) in MOODLE_TRUE
        wrong, right = (feedbacks + ["", ""])[:2]
        line = question.answer_line
        texts = []
        for part in (wrong, right):
            fmt, part = split_format(part.strip(MOODLE_TRIM), question.format)
            texts.append(to_markdown(fmt, part, line, ctx))
        wrong, right = texts
        how = "write {TRUE#feedback for a wrong answer#feedback for a right answer}"
        true_feedback, false_feedback = (right, wrong) if is_true else (wrong, right)
        parts = [segment for segment in question.segments("#") if segment.marker == "#"] + [None, None]
        wrong_id, right_id = comment_id(question, parts[0]), comment_id(question, parts[1])
        true_id, false_id = (right_id, wrong_id) if is_true else (wrong_id, right_id)
        return Answers(
            QuestionType.TRUE_FALSE,
            [
                RawAnswer(
                    "True",
                    line,
                    correct=is_true,
                    id=true_id,
                    feedback=needs_feedback(true_feedback, "True", line, ctx, how),
                ),
                RawAnswer(
                    "False",
                    line,
                    correct=not is_true,
                    id=false_id,
                    feedback=needs_feedback(false_feedback, "False", line, ctx, how),
                ),
            ],
        )


KIND = TrueFalse()
