"""A quiz file's records as the parser reads them, before any rendering.

Shared by the quiz parser (:mod:`quizfile`), the question types (:mod:`questions`, each of
which reads and checks its own answer lines) and the GIFT converter (:mod:`gift`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from .frontmatter import Meta
from .model import QuestionType

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
FALLBACK = "*"
"""The answer line that stands for any other answer (short and numeric questions)."""

_POSITIONAL_ID = re.compile(
    r"^(?:[a-z]|[0-9-]+|(?:option|choice|answer|item|pair|step)-?[a-z0-9]|"
    r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last)$"
)
_TELLING_IDS = frozenset({"correct", "incorrect", "wrong", "right", "key", "distractor", "answer"})
_TELLING_WORDS = frozenset({"correct", "incorrect", "wrong", "distractor"})


class ErrorAt(Protocol):
    """Reports a problem at a line of the file being read; ``gap`` marks something a quiz
    marked ``draft: true`` may still lack (listed, not refused)."""

    def __call__(self, line: int, message: str, gap: bool = False) -> None: ...


def option_id_problem(value: str) -> str | None:
    """Why ``value`` cannot be an option id, or None.

    Option ids are what a learner's saved answer points at, and translations of a quiz carry
    the same ids, so they are words that name the option: never letters or positions, which
    re-map when options are inserted, and never words that tell the answer.
    """
    if not ID_PATTERN.match(value):
        return f"option id {value!r} must use lowercase letters, digits and hyphens"
    if _POSITIONAL_ID.match(value):
        return f"option id {value!r} is a letter or a position; use words that name the option"
    if value in _TELLING_IDS or _TELLING_WORDS & set(value.split("-")):
        return f"option id {value!r} tells whether the option is right; use words that name the option"
    return None


@dataclass(slots=True)
class RawAnswer:
    text: str
    line: int
    correct: bool = False
    id: str = ""
    match: str = ""
    position: int = 0
    feedback: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RawQuestion:
    id: str
    line: int
    type: QuestionType | None = None
    type_given: bool = False
    lesson: str = ""
    lesson_line: int = 0
    points: int = 1
    objective: tuple[int, ...] = ()
    """1-based numbers of the unit objectives the question tests (checked in :mod:`lint`)."""
    objective_line: int = 0
    prompt: list[str] = field(default_factory=list)
    answers: list[RawAnswer] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RawQuiz:
    path: Path
    meta: Meta
    intro: str
    questions: list[RawQuestion]


def unique(answers: list[RawAnswer], key: Callable[[RawAnswer], str], what: str, error: ErrorAt) -> None:
    """One error per answer whose ``key`` repeats an earlier one's."""
    seen: set[str] = set()
    for answer in answers:
        value = key(answer)
        if value and value in seen:
            error(answer.line, f"duplicate {what} {value!r}")
        seen.add(value)


def joined(lines: list[str]) -> str:
    return "\n".join(line.rstrip() for line in lines).strip()
