"""The course evaluation in aggregate: per rating question, how many answered, the average and
how the answers spread over the scale; per text question, the comments, never attributed
(no name, no date, sorted by their text so their order says nothing about who wrote them).

The learners covered are the report scope's (everyone for an administrator, the learners of
their own groups for a trainer), with its filters."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import sqlalchemy as sa

from ..content.model import Evaluation, EvaluationKind
from ..extensions import db
from ..models import EvaluationAnswer, EvaluationResponse
from .scope import Filters, Scope, scoped_learner_ids

EVALUATION_COLUMNS = ("question", "type", "answers", "average", "distribution", "comment")


@dataclass(frozen=True, slots=True)
class RatingResult:
    id: str
    prompt: str
    low: str
    high: str
    answers: int
    average: float | None
    counts: tuple[int, ...]
    """Answers per point of the scale, from 1."""


@dataclass(frozen=True, slots=True)
class TextResult:
    id: str
    prompt: str
    comments: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EvaluationResults:
    responses: int
    ratings: tuple[RatingResult, ...]
    texts: tuple[TextResult, ...]


def _responses(evaluation: Evaluation, scope: Scope, filters: Filters, occasion: str | None) -> sa.Select:
    query = sa.select(EvaluationResponse.id).where(
        EvaluationResponse.evaluation_id == evaluation.id,
        EvaluationResponse.user_id.in_(scoped_learner_ids(scope, filters)),
    )
    if occasion == "course":
        query = query.where(EvaluationResponse.occasion == "course")
    elif occasion == "workshop":
        query = query.where(EvaluationResponse.occasion != "course")
    return query


def evaluation_results(
    evaluation: Evaluation, scope: Scope, filters: Filters, occasion: str | None = None
) -> EvaluationResults:
    """Three queries, whatever the number of answers: responses, rating counts, texts."""
    responses = _responses(evaluation, scope, filters, occasion)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(responses.subquery())) or 0
    counts: dict[tuple[str, int | None], int] = {
        (question, rating): n
        for question, rating, n in db.session.execute(
            sa.select(EvaluationAnswer.question_id, EvaluationAnswer.rating, sa.func.count())
            .where(EvaluationAnswer.response_id.in_(responses), EvaluationAnswer.rating.is_not(None))
            .group_by(EvaluationAnswer.question_id, EvaluationAnswer.rating)
        )
    }
    texts: dict[str, list[str]] = {}
    for question_id, text in db.session.execute(
        sa.select(EvaluationAnswer.question_id, EvaluationAnswer.text).where(
            EvaluationAnswer.response_id.in_(responses), EvaluationAnswer.text.is_not(None)
        )
    ):
        texts.setdefault(question_id, []).append(text or "")
    ratings: list[RatingResult] = []
    comments: list[TextResult] = []
    for q in evaluation.questions:
        if q.kind == EvaluationKind.RATING:
            spread = tuple(counts.get((q.id, point), 0) for point in range(1, q.scale + 1))
            answered = sum(spread)
            average = sum(p * n for p, n in enumerate(spread, start=1)) / answered if answered else None
            ratings.append(RatingResult(q.id, q.prompt, q.low, q.high, answered, average, spread))
        else:
            comments.append(TextResult(q.id, q.prompt, tuple(sorted(texts.get(q.id, []), key=str.casefold))))
    return EvaluationResults(total, tuple(ratings), tuple(comments))


def evaluation_records(results: EvaluationResults) -> Iterator[tuple[object, ...]]:
    for r in results.ratings:
        average = round(r.average, 2) if r.average is not None else ""
        spread = " ".join(f"{point}:{n}" for point, n in enumerate(r.counts, start=1))
        yield (r.prompt, "rating", r.answers, average, spread, "")
    for t in results.texts:
        for comment in t.comments:
            yield (t.prompt, "text", 1, "", "", comment)
