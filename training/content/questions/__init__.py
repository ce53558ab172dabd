"""The question types, one module each, in one registry (see :mod:`.base` for what a type
holds). The quiz parser, the grader, the GIFT converter, the demo and the templates all look
a type up here; adding a type is adding its module to this list, plus its two templates."""

from __future__ import annotations

from ..model import QuestionType
from . import matching, multiple, numeric, ordering, short, single, true_false
from .base import (
    FORM_PREFIX,
    MAX_TEXT_ANSWER,
    Answer,
    Form,
    Graded,
    InvalidSubmission,
    Mark,
    PublicChoice,
    PublicQuestion,
    QuestionKind,
    Token,
)
from .short import normalise_text

QUESTION_TYPES: dict[QuestionType, QuestionKind] = {
    kind.type: kind
    for kind in (
        single.KIND,
        multiple.KIND,
        true_false.KIND,
        short.KIND,
        matching.KIND,
        ordering.KIND,
        numeric.KIND,
    )
}

__all__ = [
    "FORM_PREFIX",
    "MAX_TEXT_ANSWER",
    "QUESTION_TYPES",
    "Answer",
    "Form",
    "Graded",
    "InvalidSubmission",
    "Mark",
    "PublicChoice",
    "PublicQuestion",
    "QuestionKind",
    "Token",
    "normalise_text",
]
