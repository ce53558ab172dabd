"""Progress rules, without an app: statuses, percent and "continue" from plain records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from training.progress import (
    LearnerRecords,
    LessonRecord,
    QuizRecord,
    Status,
    Target,
    course_progress,
    percent_of,
)

from .helpers import MINIMAL, cached_catalogue

CATALOGUE = cached_catalogue(MINIMAL)
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def read(*lessons: tuple[str, str], opened_only: tuple[tuple[str, str], ...] = ()) -> dict:
    records = {key: LessonRecord(T0 + timedelta(minutes=i), T0 + timedelta(minutes=i)) for i, key in enumerate(lessons)}
    records.update({key: LessonRecord(T0 + timedelta(hours=1), None) for key in opened_only})
    return records


ALL_ALPHA = (("alpha", "first-steps"), ("alpha", "second-steps"))
ALL_BETA = (("beta", "only-lesson"), ("beta", "beta-two"))


def test_newcomer_has_nothing_started_and_starts_at_the_first_lesson():
    progress = course_progress(CATALOGUE, LearnerRecords())
    assert progress.status == Status.NOT_STARTED and progress.percent == 0
    assert progress.continue_at == Target("alpha", "first-steps")


def test_unit_needs_every_lesson_read_and_the_quiz_passed():
    lessons_only = course_progress(CATALOGUE, LearnerRecords(read(*ALL_ALPHA)))
    assert lessons_only.unit("alpha").status == Status.IN_PROGRESS
    assert lessons_only.continue_at == Target("alpha", None)  # the quiz comes next
    failed = course_progress(CATALOGUE, LearnerRecords(read(*ALL_ALPHA), {"alpha-quiz": QuizRecord(2, 0.5, False, T0)}))
    assert failed.unit("alpha").status == Status.IN_PROGRESS
    passed = course_progress(CATALOGUE, LearnerRecords(read(*ALL_ALPHA), {"alpha-quiz": QuizRecord(3, 0.8, True, T0)}))
    assert passed.unit("alpha").status == Status.COMPLETE
    assert passed.unit("alpha").quiz.best_percent == 80
    assert passed.continue_at == Target("beta", "only-lesson")


def test_quiz_passed_without_reading_leaves_the_unit_in_progress():
    progress = course_progress(CATALOGUE, LearnerRecords({}, {"alpha-quiz": QuizRecord(1, 1.0, True, T0)}))
    assert progress.unit("alpha").status == Status.IN_PROGRESS


def test_course_complete_when_every_unit_is_complete():
    quizzes = {
        "alpha-quiz": QuizRecord(1, 0.9, True, T0 + timedelta(days=1)),
        "beta-quiz": QuizRecord(1, 0.6, True, T0 + timedelta(days=2)),
    }
    progress = course_progress(CATALOGUE, LearnerRecords(read(*ALL_ALPHA, *ALL_BETA), quizzes))
    assert progress.status == Status.COMPLETE and progress.percent == 100
    assert progress.continue_at is None
    assert progress.completed_at == T0 + timedelta(days=2)


def test_trainer_marked_unit_counts_as_complete():
    progress = course_progress(CATALOGUE, LearnerRecords(trainer_completed={"alpha": T0}))
    alpha = progress.unit("alpha")
    assert alpha.status == Status.COMPLETE and alpha.completed_by_trainer and alpha.percent == 100
    assert progress.continue_at == Target("beta", "only-lesson")


def test_continue_returns_to_an_unread_lesson_last_opened():
    records = LearnerRecords(read(("alpha", "first-steps"), opened_only=(("beta", "only-lesson"),)))
    assert course_progress(CATALOGUE, records).continue_at == Target("beta", "only-lesson")


def test_percent_counts_lessons_and_quizzes():
    progress = course_progress(CATALOGUE, LearnerRecords(read(("alpha", "first-steps"))))
    assert progress.total_items == 6  # 4 lessons and 2 quizzes
    assert progress.percent == 16  # 1/6, rounded down


def test_percent_never_rounds_up_to_100():
    assert percent_of(0.996) == 99
    assert percent_of(1.0) == 100


def test_percent_is_not_fooled_by_binary_fractions():
    """0.29 * 100 is 28.999999999999996 in floating point: a plain floor would show 28%."""
    assert percent_of(0.29) == 29 and percent_of(0.57) == 57
