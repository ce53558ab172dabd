"""The report summaries after any sequence of writes through the services: equal to what
``training report rebuild`` computes from the record tables, and the reports read from them
agree with each learner's own progress. Runs on SQLite and PostgreSQL like the whole suite."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from training import reports
from training.course import get_catalogue
from training.extensions import db
from training.models import (
    Attendance,
    AuditEvent,
    Group,
    GroupRole,
    LearnerSummary,
    LearnerUnit,
    LessonProgress,
    Membership,
    QuestionResponse,
    QuestionTally,
    QuizAttempt,
    UnitCompletion,
    User,
)
from training.permissions import Actor
from training.progress import course_progress
from training.queries.learning import load_records
from training.reports import Filters, Scope
from training.services import attempts, learning, summaries, workshops

from .factories import alpha_answers, beta_answers, build_cohort, make_user

LEARNERS = 2
START = datetime(2026, 3, 1, 9, tzinfo=UTC)


def _operations():
    catalogue = get_catalogue()
    lessons = [(u.id, le.id) for u in catalogue.units for le in u.lessons]
    learner = st.integers(0, LEARNERS - 1)
    return st.lists(
        st.one_of(
            st.tuples(st.sampled_from(["open", "read"]), learner, st.sampled_from(lessons)),
            st.tuples(st.just("start"), learner, st.sampled_from(sorted(catalogue.quizzes))),
            st.tuples(st.just("submit"), learner, st.sampled_from(sorted(catalogue.quizzes)), st.booleans()),
            st.tuples(st.sampled_from(["mark", "undo"]), learner, st.sampled_from([u.id for u in catalogue.units])),
        ),
        max_size=25,
    )


def _apply(operations, people: list[int], group_id: int) -> None:
    catalogue = get_catalogue()
    actor = Actor.command_line()
    answers = {"alpha-quiz": alpha_answers, "beta-quiz": beta_answers}
    for step, (kind, who, *rest) in enumerate(operations):
        uid, moment = people[who], START + timedelta(hours=step)
        if kind == "open":
            learning.record_lesson_opened(uid, rest[0][0], rest[0][1], now=moment)
        elif kind == "read":
            unit_id, lesson_id = rest[0]
            learning.record_lesson_read(uid, unit_id, lesson_id, "v1", now=moment)
        elif kind in ("start", "submit"):
            quiz = catalogue.quiz(rest[0])
            try:
                attempt = attempts.start_attempt(uid, quiz, now=moment)
            except attempts.AttemptsExhausted:
                continue
            if kind == "submit":
                attempts.submit_attempt(uid, attempt.id, quiz, answers[quiz.id](rest[1]), now=moment)
        elif kind == "mark":
            workshops.record_attendance(actor, catalogue, group_id, rest[0], date(2026, 3, 1), [uid], True, now=moment)
        else:
            workshops.undo_unit_completion(actor, group_id, rest[0], uid)


def _summaries() -> tuple[set, dict, set]:
    units = {tuple(row) for row in db.session.execute(sa.select(*LearnerUnit.__table__.c))}
    learners = {tuple(row) for row in db.session.execute(sa.select(*LearnerSummary.__table__.c))}
    t = QuestionTally
    tallies = {
        (quiz_id, question_id, answer): (int(n), int(right))
        for quiz_id, question_id, answer, n, right in db.session.execute(
            sa.select(t.quiz_id, t.question_id, t.answer, sa.func.sum(t.responses), sa.func.sum(t.correct)).group_by(
                t.quiz_id, t.question_id, t.answer
            )
        )
    }
    return units, tallies, learners


def test_summaries_equal_the_records_after_any_writes(app):
    @settings(max_examples=60, deadline=None)
    @given(_operations())
    def check(operations) -> None:
        for model in (
            QuestionTally,
            LearnerSummary,
            LearnerUnit,
            QuestionResponse,
            QuizAttempt,
            LessonProgress,
            UnitCompletion,
            Attendance,
            AuditEvent,
            Membership,
            Group,
            User,
        ):
            db.session.execute(sa.delete(model))
        db.session.commit()
        group = Group(name="Everyone")
        db.session.add(group)
        db.session.commit()
        people = []
        for _ in range(LEARNERS):
            user = make_user("learner", mfa=False)
            db.session.add(Membership(group_id=group.id, user_id=user.id, role=GroupRole.LEARNER))
            people.append(user.id)
        db.session.commit()

        _apply(operations, people, group.id)
        db.session.commit()
        kept = _summaries()
        summaries.rebuild(get_catalogue())
        assert kept == _summaries()

        catalogue = get_catalogue()
        rows = {r.user_id: r for r in reports.learner_rows(catalogue, Scope(), Filters())}
        for uid in people:
            mine = course_progress(catalogue, load_records(uid))
            assert (rows[uid].status, rows[uid].percent, rows[uid].units_complete, rows[uid].last_activity) == (
                mine.status,
                mine.percent,
                mine.units_complete,
                mine.last_activity,
            )
        submitted = db.session.scalar(sa.select(sa.func.count()).select_from(QuestionResponse))
        assert sum(r.responses for r in reports.question_rows(catalogue, Scope())) == submitted

    check()


def test_rebuild_command_restores_summaries_lost_or_wrong(app):
    build_cohort()
    before = _summaries()
    assert before[0] and before[1] and before[2]
    db.session.execute(sa.delete(LearnerUnit))
    db.session.execute(sa.update(LearnerSummary).values(status="complete", done=0))
    db.session.execute(sa.update(QuestionTally).values(responses=0))
    db.session.commit()
    assert _summaries() != before
    result = CliRunner().invoke(app.cli, ["report", "rebuild"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "learner-unit rows" in result.output and "learner rows" in result.output
    db.session.expire_all()
    assert _summaries() == before


def test_an_answer_text_counted_in_two_rows_keeps_adding_to_the_first(app):
    """Two submissions that first gave the same answer at once may each have inserted a tally
    row for it; later submissions add to the first of them, and the report counts both."""
    catalogue = get_catalogue()
    quiz = catalogue.quiz("alpha-quiz")
    db.session.add_all(
        QuestionTally(quiz_id=quiz.id, question_id="pick-one", answer="", responses=1, correct=1) for _ in range(2)
    )
    db.session.commit()
    learner = make_user("learner", mfa=False)
    attempt = attempts.start_attempt(learner.id, quiz, now=START)
    attempts.submit_attempt(learner.id, attempt.id, quiz, alpha_answers(True), now=START)
    db.session.commit()

    rows = db.session.execute(
        sa.select(QuestionTally.responses, QuestionTally.correct)
        .where(QuestionTally.quiz_id == quiz.id, QuestionTally.question_id == "pick-one")
        .order_by(QuestionTally.id)
    ).all()
    assert [tuple(row) for row in rows] == [(2, 2), (1, 1)]
    pick_one = [r for r in reports.question_rows(catalogue, Scope()) if r.question_id == "pick-one"]
    assert sum(r.responses for r in pick_one) == 3
