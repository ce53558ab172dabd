"""The review before a quiz is submitted: which questions have an answer, which are partly
answered (a matching or ordering question with some items left), which have none. Plain
functions over the form values, so the page and its tests read the same rule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from .quiz import PublicQuestion


class AnswerState(StrEnum):
    ANSWERED = "answered"
    PARTLY = "partly"
    UNANSWERED = "unanswered"


@dataclass(frozen=True, slots=True)
class ReviewLine:
    question: PublicQuestion
    state: AnswerState


def _filled(values: Mapping[str, list[str]], field: str) -> bool:
    return any(v.strip() for v in values.get(field, []))


def answer_states(questions: Sequence[PublicQuestion], values: Mapping[str, list[str]]) -> list[ReviewLine]:
    """Each question of the form with how much of it the saved answers fill."""
    lines = []
    for q in questions:
        fields = [q.field(item.id) for item in q.items] or [q.field()]
        filled = sum(_filled(values, f) for f in fields)
        if filled == len(fields):
            state = AnswerState.ANSWERED
        elif filled:
            state = AnswerState.PARTLY
        else:
            state = AnswerState.UNANSWERED
        lines.append(ReviewLine(q, state))
    return lines


def incomplete(lines: Sequence[ReviewLine]) -> int:
    """How many questions are not fully answered."""
    return sum(line.state != AnswerState.ANSWERED for line in lines)
