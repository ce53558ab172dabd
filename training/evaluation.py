"""The course evaluation's answers as plain rules: what a submitted form means, and what is
wrong with it. No Flask and no database: :mod:`training.services.evaluations` stores what
:func:`read_answers` returns.

Every question is optional; a rating must be one of its scale's points, a text at most its
``max`` characters, without control characters other than line breaks and tabs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .content.model import Evaluation, EvaluationKind
from .fields import whole_number
from .translatable import gettext

FIELD_PREFIX = "q-"
COURSE = "course"
"""The occasion of the evaluation at the end of the course; a workshop's is ``group:<id>``."""


def workshop_occasion(group_id: int) -> str:
    return f"group:{group_id}"


@dataclass(frozen=True, slots=True)
class Answers:
    ratings: dict[str, int]
    texts: dict[str, str]
    problems: dict[str, str]
    """Question id -> what is wrong, in the current language."""

    @property
    def empty(self) -> bool:
        return not self.ratings and not self.texts


def _clean(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def read_answers(evaluation: Evaluation, form: Mapping[str, str]) -> Answers:
    ratings: dict[str, int] = {}
    texts: dict[str, str] = {}
    problems: dict[str, str] = {}
    for q in evaluation.questions:
        raw = form.get(FIELD_PREFIX + q.id, "")
        if q.kind == EvaluationKind.RATING:
            if raw == "":
                continue
            rating = whole_number(raw, 1, q.scale)  # not str.isdigit: "²" passes it
            if rating is None:
                problems[q.id] = gettext("Choose one of the points from 1 to %(scale)s.", scale=q.scale)
                continue
            ratings[q.id] = rating
        else:
            text = _clean(raw)
            if not text:
                continue
            if len(text) > q.max_length:
                problems[q.id] = gettext(
                    "Shorten this answer to %(max)s characters (it has %(length)s).", max=q.max_length, length=len(text)
                )
            elif any(not ch.isprintable() and ch not in "\n\t" for ch in text):
                problems[q.id] = gettext("This answer contains characters that cannot be saved.")
            texts[q.id] = text
    return Answers(ratings, texts, problems)
