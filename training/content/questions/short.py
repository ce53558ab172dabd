"""Short answer: a word or a phrase, compared ignoring case, accents, surrounding punctuation
and extra spaces; accepted in any language of the course; 1 or 0."""

from __future__ import annotations

import re
import unicodedata

from ..giftio import (
    Answers,
    Context,
    GiftQuestion,
    Unmappable,
    answer_parts,
    escape,
    feedback_text,
    gift_text,
    needs_feedback,
    percent,
    weight_of,
)
from ..model import Option, Question, QuestionType
from ..quizraw import FALLBACK, RawAnswer, RawQuestion
from .base import N_
from .typed import TypedKind


def normalise_text(text: str) -> str:
    """Compare short answers ignoring case, accents, surrounding punctuation and extra spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    collapsed = re.sub(r"\s+", " ", stripped.casefold()).strip()
    return collapsed.strip(" .,;:!?\"'()[]«»“”‘’")


class Short(TypedKind):
    type = QuestionType.SHORT
    what = "short-answer"
    take_template = "quiz/types/short_take.html"
    gift_kinds = ("shortanswer",)
    paper_instruction = N_("Write a short answer.")

    def matching_option(self, q: Question, text: str) -> Option | None:
        wanted = normalise_text(text)
        if not wanted:
            return None
        match = next((o for o in q.options if o.text != FALLBACK and normalise_text(o.text) == wanted), None)
        if match is None and any(normalise_text(other) == wanted for other in q.also_accepted):
            # accepted in another language of the course: the same grade, this language's feedback
            match = next(o for o in q.options if o.correct)
        return match

    def to_gift(self, q: RawQuestion) -> list[str]:
        """``=accepted``, ``=%0%known wrong`` and ``=%0%*`` (Moodle's wildcard) for any other answer.

        A literal ``*`` is written ``\\*``, as Moodle's short answers want. ``->`` in feedback is
        written ``-\\>`` (the same in Markdown) so Moodle does not take the question for matching.
        """
        lines = []
        for answer in q.answers:
            if answer.text == FALLBACK:
                text, weight = FALLBACK, "%0%"
            else:
                if "->" in answer.text:
                    raise Unmappable(
                        f"short answer {answer.text!r} contains '->', which Moodle would read as a "
                        "matching question; reword the answer",
                        answer.line,
                    )
                text = escape(answer.text.replace("*", "\\*"))
                weight = "" if answer.correct else "%0%"
                if answer.correct and text.startswith("%"):
                    weight = "%100%"
            feedback = gift_text(feedback_text(answer).replace("->", "-\\>"))
            lines.append(f"={weight}{text}#{feedback}")
        return lines

    def from_gift(self, question: GiftQuestion, ctx: Context) -> Answers:
        """``=answer`` (or ``=%100%``) is accepted, ``=%0%answer`` a known wrong answer and
        ``=%0%*`` the feedback for any other answer; without one, that feedback names the answer."""
        answers: list[RawAnswer] = []
        for segment in question.segments("="):
            line = segment.line
            weight, body = weight_of(segment.body, line, ctx)
            text, feedback = answer_parts(question, body, line, ctx, plain=True)
            weight = 100.0 if weight is None else weight
            if weight not in (0.0, 100.0):
                ctx.note(
                    line,
                    f"partial credit ({percent(weight)}%) for {text!r}: accepted here as a right "
                    "answer (a short answer scores 1 or 0); make it =%0% to count it wrong",
                )
            if text == "\\*":
                ctx.note(
                    line,
                    "skipped: the answer '*' itself cannot be told apart from the platform's '*' "
                    "(any other answer); write the answer in words",
                )
                continue
            if text == FALLBACK and weight > 0:
                ctx.error(line, "'*' accepts any answer; write =%0%*#feedback for the feedback to any other answer")
            elif "*" in text.replace("\\*", "") and text != FALLBACK:
                ctx.error(
                    line,
                    f"the wildcard '*' in {text!r} is not supported; list each accepted answer (write "
                    "\\\\* for an asterisk)",
                )
            text = text if text == FALLBACK else text.replace("\\*", "*")
            answers.append(
                RawAnswer(text, line, correct=weight > 0, feedback=needs_feedback(feedback, text, line, ctx))
            )
        add_fallback(answers, question, ctx)
        return Answers(QuestionType.SHORT, answers)


def add_fallback(answers: list[RawAnswer], question: GiftQuestion, ctx: Context) -> None:
    """Without a '*' answer, one whose feedback names the expected answer (with a note)."""
    accepted = [a.text for a in answers if a.correct]
    if accepted and not any(a.text == FALLBACK for a in answers):
        line = question.answer_line
        answers.append(RawAnswer(FALLBACK, line, feedback=[f"The expected answer is “{accepted[0]}”."]))
        ctx.note(line, f"no =%0%* answer: any other answer gets the feedback {answers[-1].feedback[0]!r}")


KIND = Short()
