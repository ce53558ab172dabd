"""``load_records``: a learner's four kinds of record read in one statement, as the course map,
the dashboard, the API and certificates see them, on both databases."""

from __future__ import annotations

import sqlalchemy as sa

from training.extensions import db
from training.models import AttemptGrant, LessonProgress, QuizAttempt, UnitCompletion
from training.progress import LessonRecord, QuizRecord
from training.queries.learning import load_records
from training.services import attempts, learning

from .factories import alpha_answers, at, make_user, read_lesson, take_quiz
from .helpers import cached_catalogue


def _rows_of(model, user_id: int) -> list:
    return list(db.session.scalars(sa.select(model).where(model.user_id == user_id)))


def _grant(user_id: int, extra: int, granted_by: int) -> None:
    db.session.add(
        AttemptGrant(user_id=user_id, quiz_id="alpha-quiz", extra=extra, reason="r", granted_by_id=granted_by)
    )


def test_every_kind_of_record_is_read_for_its_learner_only(app):
    catalogue = cached_catalogue(app.config["CONTENT_DIR"])
    learner, other, trainer = make_user(), make_user(), make_user(role="trainer")
    for someone in (learner, other):
        read_lesson(someone, "alpha", "first-steps", at(3, 1))
        learning.record_lesson_opened(someone.id, "alpha", "second-steps", now=at(3, 2))
        take_quiz(someone, "alpha-quiz", alpha_answers(right=False), at(3, 3))
    take_quiz(learner, "alpha-quiz", alpha_answers(right=True), at(3, 4))
    attempts.start_attempt(learner.id, catalogue.quiz("beta-quiz"), now=at(3, 5))
    db.session.add(UnitCompletion(user_id=learner.id, unit_id="beta", marked_by_id=trainer.id, completed_at=at(3, 6)))
    _grant(learner.id, 2, trainer.id)
    _grant(learner.id, 1, trainer.id)
    _grant(other.id, 5, trainer.id)
    db.session.commit()

    records = load_records(learner.id)

    stored = _rows_of(LessonProgress, learner.id)
    assert records.lessons == {(r.unit_id, r.lesson_id): LessonRecord(r.last_opened_at, r.completed_at) for r in stored}
    assert set(records.lessons) == {("alpha", "first-steps"), ("alpha", "second-steps")}
    assert records.lessons["alpha", "second-steps"].completed_at is None
    assert records.lessons["alpha", "first-steps"].completed_at == at(3, 1)  # aware UTC on both databases
    alpha = _rows_of(QuizAttempt, learner.id)
    best = max(a.score for a in alpha if a.score is not None)
    assert records.quizzes["alpha-quiz"] == QuizRecord(2, best, True, at(3, 4), False)
    assert records.quizzes["beta-quiz"] == QuizRecord(0, None, False, None, True)
    assert records.trainer_completed == {"beta": at(3, 6)}
    assert records.extra_attempts == {"alpha-quiz": 3}
    assert load_records(make_user().id) == type(records)({}, {}, {}, {})


def test_records_added_in_the_same_transaction_are_read(app):
    """Services read a learner's records after writing some (a certificate after the last
    lesson), before committing: the statement sees them, as the session's own queries do."""
    learner = make_user()
    db.session.add(LessonProgress(user_id=learner.id, unit_id="alpha", lesson_id="first-steps", completed_at=at(3, 1)))
    assert load_records(learner.id).lessons["alpha", "first-steps"].completed_at == at(3, 1)
    db.session.rollback()
