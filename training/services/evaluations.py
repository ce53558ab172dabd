"""Course evaluation answers: saved once per learner and occasion (the end of the course, or
one workshop group). The unique key on (learner, evaluation, occasion) makes a second
submission, even at the same moment, save nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError

from ..content.model import Evaluation
from ..database import transactional
from ..evaluation import Answers
from ..extensions import db
from ..models import EvaluationAnswer, EvaluationResponse, utcnow


class AlreadyAnswered(Exception):
    """This learner already answered the evaluation on this occasion."""


@transactional
def submit(
    user_id: int,
    evaluation: Evaluation,
    answers: Answers,
    occasion: str,
    group_id: int | None,
    now: datetime | None = None,
) -> int:
    """Save one learner's answers; the response's id."""
    response = EvaluationResponse(
        user_id=user_id,
        evaluation_id=evaluation.id,
        occasion=occasion,
        group_id=group_id,
        language=evaluation.language,
        content_version=evaluation.version[:32],
        submitted_at=now or utcnow(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(response)
    except IntegrityError as exc:
        raise AlreadyAnswered(occasion) from exc
    db.session.add_all(
        [
            EvaluationAnswer(response_id=response.id, question_id=q, rating=r, text=None)
            for q, r in answers.ratings.items()
        ]
        + [
            EvaluationAnswer(response_id=response.id, question_id=q, rating=None, text=t)
            for q, t in answers.texts.items()
        ]
    )
    return response.id
