"""Numeric: the learner types a number; right within the author's tolerance; 1 or 0.

In a quiz file each answer line is a value with an optional tolerance (``281 ± 5``, also
written ``281 +- 5``) or a range (``276..286``); ``[x]`` marks the accepted ones, ``[ ]`` known
mistakes with their own feedback, and ``- [ ] *`` the feedback for any other answer. In GIFT
this is Moodle's numerical question: ``{#281:5}``, ``{#276..286}``, ``{#=281:5#right =%0%2.81#a
known mistake ~#any other}``.

A typed answer may group thousands with spaces or commas (``1 822``, ``1,822``) and use a
comma or a point for decimals (``3,6`` or ``3.6``); a comma followed by exactly three digits
groups thousands (``1,822`` is 1822), and with both, the last one is the decimal separator
(``1.234,5`` and ``1,234.5`` are both 1234.5). A trailing ``%`` is ignored.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from ..giftio import (
    MOODLE_TRIM,
    Answers,
    Context,
    GiftQuestion,
    feedback_text,
    gift_text,
    restore,
    split_format,
    to_markdown,
    weight_of,
)
from ..model import Option, Question, QuestionType
from ..quizraw import FALLBACK, ErrorAt, RawAnswer, RawQuestion
from .base import N_
from .typed import TypedKind

_SPEC = re.compile(
    r"^(?P<low>-?[0-9][0-9,]*(?:\.[0-9]+)?)\s*\.\.\s*(?P<high>-?[0-9][0-9.,]*)$"
    r"|^(?P<value>-?[0-9][0-9.,]*)\s*(?:(?:±|\+-|\+/-)\s*(?P<tolerance>[0-9][0-9.,]*))?$"
)
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009_']")
_GROUPED_COMMA = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")
_GROUPED_POINT = re.compile(r"^-?\d{1,3}(\.\d{3}){2,}(,\d+)?$")


def read_number(text: str) -> float | None:
    """A typed number as a float, or None when it is not one (see the module's rules)."""
    cleaned = _SPACES.sub("", text.strip()).replace("\u2212", "-").removesuffix("%")
    if not cleaned or len(cleaned) > 40:
        return None
    if _GROUPED_COMMA.match(cleaned):
        cleaned = cleaned.replace(",", "")
    elif _GROUPED_POINT.match(cleaned):
        cleaned = cleaned.replace(".", "").replace(",", ".")
    elif "," in cleaned and "." in cleaned:  # the last one is the decimal separator
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    else:
        cleaned = cleaned.replace(",", ".")
    if not re.fullmatch(r"-?(\d+(\.\d*)?|\.\d+)", cleaned):
        return None
    value = float(cleaned)
    return value if math.isfinite(value) else None


def read_range(spec: str) -> tuple[float, float] | None:
    """``281 ± 5`` -> (276, 286); ``276..286`` -> (276, 286); ``281`` -> (281, 281)."""
    found = _SPEC.match(spec.strip())
    if not found:
        return None
    if found.group("value") is not None:
        value = read_number(found.group("value"))
        tolerance = read_number(found.group("tolerance") or "0")
        if value is None or tolerance is None:
            return None
        return value - tolerance, value + tolerance
    low, high = read_number(found.group("low")), read_number(found.group("high"))
    if low is None or high is None or low > high:
        return None
    return low, high


def _number(value: float) -> str:
    return f"{value:.10g}"


class Numeric(TypedKind):
    type = QuestionType.NUMERIC
    what = "numeric"
    take_template = "quiz/types/numeric_take.html"
    gift_kinds = ("numerical",)
    paper_instruction = N_("Write a number.")

    def check(self, q: RawQuestion, error: ErrorAt, translation: bool) -> None:
        super().check(q, error, translation)
        for answer in q.answers:
            if answer.text != FALLBACK and read_range(answer.text) is None:
                error(
                    answer.line,
                    f"{answer.text!r} is not a number with an optional tolerance: write 281, 281 ± 5 "
                    "(or 281 +- 5) or a range 276..286",
                )

    def matching_option(self, q: Question, text: str) -> Option | None:
        value = read_number(text)
        if value is None:
            return None
        for option in q.options:  # the author's order: a known mistake may sit inside a wide range
            bounds = read_range(option.text) if option.text != FALLBACK else None
            if bounds is not None and bounds[0] - 1e-9 <= value <= bounds[1] + 1e-9:
                return option
        return None

    def key_text(self, q: Question, key: Sequence[str]) -> str:
        return "; ".join(o.text for i in key if (o := q.find(i)) is not None)

    def demo_mistake(self, q: Question) -> str:
        bounds = next((b for o in q.options if o.correct and (b := read_range(o.text))), (0.0, 0.0))
        return _number(bounds[1] * 10 + 1)

    def to_gift(self, q: RawQuestion) -> list[str]:
        """``=value:tolerance#feedback`` per answer (``=%0%`` for a known mistake), a range as
        ``=low..high``, and ``~#feedback`` for any other answer (Moodle's "*" answer)."""
        lines = ["#"]
        other = ""
        for answer in q.answers:
            if answer.text == FALLBACK:
                other = f"~#{gift_text(feedback_text(answer))}"
                continue
            spec = answer.text.strip()
            found = _SPEC.match(spec)
            if found and found.group("value") is not None:
                value = read_number(found.group("value")) or 0.0
                tolerance = read_number(found.group("tolerance") or "0") or 0.0
                written = _number(value) + (f":{_number(tolerance)}" if tolerance else "")
            else:
                low, high = read_range(spec) or (0.0, 0.0)
                written = f"{_number(low)}..{_number(high)}"
            weight = "" if answer.correct else "%0%"
            lines.append(f"={weight}{written}#{gift_text(feedback_text(answer))}")
        if other:
            lines.append(other)
        return lines

    def from_gift(self, question: GiftQuestion, ctx: Context) -> Answers:
        """Moodle's numerical question: ``#`` then answers ``[=][%w%]value[:tol|..high][#fb]``,
        and ``~#feedback`` for any other answer. Feedback left out is stated (with a note)."""
        body = question.answer.strip(MOODLE_TRIM)[1:]
        line = question.answer_line
        body, tilde, other = body.partition("~")
        answers: list[RawAnswer] = []
        derived = 0
        for part in [p for p in body.split("=") if p.strip(MOODLE_TRIM)]:
            weight, rest = weight_of(part, line, ctx)
            weight = 100.0 if weight is None else weight
            spec, _hash, feedback = rest.partition("#")
            spec = restore(spec).strip(MOODLE_TRIM)
            if ".." in spec:
                text = spec.replace("..", " .. ").replace("  ", " ").replace(" .. ", "..")
            elif ":" in spec:
                value, _colon, tolerance = spec.partition(":")
                text = f"{value.strip()} ± {tolerance.strip()}"
            else:
                text = spec
            if read_range(text) is None:
                ctx.error(line, f"{spec!r} is not a number: write {{#281:5}}, {{#276..286}} or {{#281}}")
                continue
            if weight not in (0.0, 100.0):
                ctx.note(
                    line,
                    f"partial credit ({weight:g}%) for {text!r}: accepted here as a right answer (a "
                    "number scores 1 or 0); make it =%0% to count it wrong",
                )
            fmt, feedback = split_format(feedback.strip(MOODLE_TRIM), question.format)
            words = to_markdown(fmt, feedback, line, ctx).strip()
            if not words:
                derived += 1
                words = f"The expected answer is {text}." if weight > 0 else f"{text} is not the expected answer."
            answers.append(RawAnswer(text, line, correct=weight > 0, feedback=words.split("\n")))
        accepted = [a.text for a in answers if a.correct]
        fmt, other_words = split_format(other.partition("#")[2].strip(MOODLE_TRIM), question.format)
        other_text = to_markdown(fmt, other_words, line, ctx).strip() if tilde else ""
        if not other_text and accepted:
            derived += 1
            other_text = f"The expected answer is {accepted[0]}."
        if answers:
            answers.append(RawAnswer(FALLBACK, line, feedback=other_text.split("\n")))
        if derived:
            ctx.note(line, f"{derived} answer(s) without feedback get feedback that states the expected answer")
        return Answers(QuestionType.NUMERIC, answers)


KIND = Numeric()
