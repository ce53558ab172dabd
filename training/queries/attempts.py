"""A learner's quiz attempts: the open one, the graded ones. Someone else's attempt is never
found, whatever id is asked for."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import AttemptGrant, AttemptState, QuestionResponse, QuizAttempt
from ..quiz import Paper, StoredResponse


def open_attempt(user_id: int, quiz_id: str) -> QuizAttempt | None:
    """The learner's attempt in progress at this quiz, if any (there is at most one)."""
    return db.session.scalar(
        sa.select(QuizAttempt).where(
            QuizAttempt.user_id == user_id,
            QuizAttempt.quiz_id == quiz_id,
            QuizAttempt.state == AttemptState.IN_PROGRESS,
        )
    )


_OWN_ATTEMPT = (
    sa.select(QuizAttempt)
    .where(
        QuizAttempt.id == sa.bindparam("attempt_id"),
        QuizAttempt.user_id == sa.bindparam("user_id"),
        QuizAttempt.quiz_id == sa.bindparam("quiz_id"),
    )
    .execution_options(populate_existing=True)
)


def own_attempt(user_id: int, quiz_id: str, attempt_id: int) -> QuizAttempt | None:
    """One of the learner's own attempts at this quiz, in whatever state, read afresh from the
    database (a write a moment ago may have changed it); None for anyone else's. The
    statement is built once: every quiz form posted asks it."""
    return db.session.scalar(_OWN_ATTEMPT, {"attempt_id": attempt_id, "user_id": user_id, "quiz_id": quiz_id})


def submitted_attempts(user_id: int, quiz_id: str) -> list[QuizAttempt]:
    """A learner's graded attempts at one quiz, first to last."""
    return list(
        db.session.scalars(
            sa.select(QuizAttempt)
            .where(
                QuizAttempt.user_id == user_id,
                QuizAttempt.quiz_id == quiz_id,
                QuizAttempt.state == AttemptState.SUBMITTED,
            )
            .order_by(QuizAttempt.attempt_no)
        )
    )


def submitted_attempt(user_id: int, quiz_id: str, attempt_no: int) -> QuizAttempt | None:
    """One of a learner's own graded attempts, or None (someone else's is never found)."""
    return db.session.scalar(
        sa.select(QuizAttempt).where(
            QuizAttempt.user_id == user_id,
            QuizAttempt.quiz_id == quiz_id,
            QuizAttempt.attempt_no == attempt_no,
            QuizAttempt.state == AttemptState.SUBMITTED,
        )
    )


def last_attempt_no(user_id: int, quiz_id: str) -> int:
    """The highest attempt number the learner has used at this quiz (0 for none)."""
    return (
        db.session.scalar(
            sa.select(sa.func.max(QuizAttempt.attempt_no)).where(
                QuizAttempt.user_id == user_id, QuizAttempt.quiz_id == quiz_id
            )
        )
        or 0
    )


def paper_of(attempt: QuizAttempt) -> Paper:
    """The attempt's paper: its seed, its secret (opaque form values) and its draw."""
    drawn = tuple(attempt.questions) if attempt.questions is not None else None
    # An attempt from before secrets were kept uses its id and seed, still never the option ids.
    secret = attempt.secret or f"attempt-{attempt.id}-{attempt.seed}"
    return Paper(attempt.seed, secret, drawn)


def stored_responses(attempt_id: int) -> list[StoredResponse]:
    """A graded attempt's responses as stored, in the attempt's order."""
    rows = db.session.scalars(
        sa.select(QuestionResponse)
        .where(QuestionResponse.attempt_id == attempt_id)
        .order_by(QuestionResponse.position, QuestionResponse.id)
    )
    return [StoredResponse(r.question_id, r.answer or {}, r.simple_answer, r.correct, r.review or {}) for r in rows]


def overdue_attempts(before: datetime, limit: int) -> list[tuple[int, int, str]]:
    """(attempt id, user id, quiz id) of open attempts whose deadline fell before ``before``."""
    rows = db.session.execute(
        sa.select(QuizAttempt.id, QuizAttempt.user_id, QuizAttempt.quiz_id)
        .where(
            QuizAttempt.state == AttemptState.IN_PROGRESS,
            QuizAttempt.deadline_at.is_not(None),
            QuizAttempt.deadline_at < before,
        )
        .order_by(QuizAttempt.deadline_at)
        .limit(limit)
    )
    return [(row.id, row.user_id, row.quiz_id) for row in rows]


def extra_attempts(user_id: int, quiz_id: str) -> int:
    """Attempts granted to the learner at this quiz beyond the quiz's own limit."""
    return (
        db.session.scalar(
            sa.select(sa.func.sum(AttemptGrant.extra)).where(
                AttemptGrant.user_id == user_id, AttemptGrant.quiz_id == quiz_id
            )
        )
        or 0
    )
