"""Quiz attempts: start (or resume), autosave, submit. Limits live in the schema.

* At most one open attempt per learner and quiz: a partial unique index.
* Attempt numbers are unique per learner and quiz, and never above the learner's limit (the
  quiz's attempts plus any granted, :mod:`training.services.grants`), so the limit holds
  however many requests race.
* Submitting is a conditional UPDATE from ``in_progress`` to ``submitted``; only the request
  that wins it writes the responses, so a double submit grades once.
* An attempt keeps its paper (a secret for opaque form values, its draw from the quiz's pool)
  and the quiz's rules as they were (pass mark, reveal setting, deadline); each response keeps
  what its review shows, so a result page never grades again.
* A quiz with a time limit: once the deadline has passed, saves are refused and the attempt
  is submitted with the answers saved by then, on the learner's next request
  (:func:`close_if_overdue`) or by the sweep (:func:`close_overdue`, ``training quiz
  close-overdue``).
"""

from __future__ import annotations

import contextlib
import random
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import cast

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from ..content.model import Catalogue, Quiz
from ..database import changed_rows, transactional
from ..extensions import db
from ..interop import events
from ..models import AttemptState, QuestionResponse, QuizAttempt, utcnow
from ..queries.attempts import extra_attempts, last_attempt_no, open_attempt, overdue_attempts, paper_of
from ..quiz import SUBMIT_GRACE, Answer, QuizResult, deadline, draw_questions, grade
from . import certificates, outbox, summaries


class AttemptsExhausted(Exception):
    """The learner has used every attempt the quiz allows."""


class AttemptClosed(Exception):
    """The attempt was already submitted (or belongs to someone else)."""


def start_attempt(
    user_id: int, quiz: Quiz, now: datetime | None = None, *, catalogue: Catalogue | None = None
) -> QuizAttempt:
    """The learner's open attempt at this quiz, starting one if there is none (an open one
    past its deadline is submitted first, as it stands, as :func:`close_if_overdue` does)."""
    now = now or utcnow()
    close_if_overdue(user_id, quiz, now, catalogue=catalogue)
    return _start_attempt(user_id, quiz, now)


@transactional
def _start_attempt(user_id: int, quiz: Quiz, now: datetime) -> QuizAttempt:
    existing = open_attempt(user_id, quiz.id)
    if existing is not None:
        return existing
    last_no = last_attempt_no(user_id, quiz.id)
    if quiz.attempts and last_no >= quiz.attempts + extra_attempts(user_id, quiz.id):
        raise AttemptsExhausted(quiz.id)
    secret = secrets.token_hex(16)
    attempt = QuizAttempt(
        user_id=user_id,
        quiz_id=quiz.id,
        unit_id=quiz.unit_id,
        attempt_no=last_no + 1,
        state=AttemptState.IN_PROGRESS,
        pass_mark=quiz.pass_mark / 100,
        content_version=quiz.version,
        seed=secrets.randbelow(2**31),
        secret=secret,
        questions=_list_or_none(draw_questions(quiz, random.Random(secret))),  # noqa: S311 - from a secret seed
        reveal=quiz.reveal,
        deadline_at=deadline(quiz, now),
        draft={},
        draft_seq=0,
        started_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(attempt)
            db.session.flush()
            summaries.learner_changed(user_id)
    except IntegrityError:
        # Another request started one at the same moment: use that one.
        existing = open_attempt(user_id, quiz.id)
        if existing is None:
            raise AttemptsExhausted(quiz.id) from None
        return existing
    started = events.AttemptStarted(user_id, quiz.unit_id, quiz.id, attempt.attempt_no, attempt.started_at)
    outbox.record(user_id, [started])
    return attempt


def _list_or_none(ids: tuple[str, ...] | None) -> list[str] | None:
    return list(ids) if ids is not None else None


@transactional
def save_draft(
    user_id: int, attempt_id: int, answers: dict[str, Answer], seq: int, now: datetime | None = None
) -> bool:
    """Keep answers as the learner goes. Returns False for a closed attempt, a stale save (an
    older ``seq`` than the one stored) or one after the deadline, which change nothing."""
    late = (now or utcnow()) - SUBMIT_GRACE
    result = db.session.execute(
        sa.update(QuizAttempt)
        .where(
            QuizAttempt.id == attempt_id,
            QuizAttempt.user_id == user_id,
            QuizAttempt.state == AttemptState.IN_PROGRESS,
            QuizAttempt.draft_seq < seq,
            sa.or_(QuizAttempt.deadline_at.is_(None), QuizAttempt.deadline_at > late),
        )
        .values(draft=answers, draft_seq=seq)
    )
    return changed_rows(result) == 1


@dataclass(frozen=True, slots=True)
class Submission:
    attempt_id: int
    result: QuizResult | None
    """None when this request did not grade (the attempt was already submitted)."""
    completed_course: bool = False
    """This pass completed the course (and issued its certificate)."""


def submit_attempt(
    user_id: int,
    attempt_id: int,
    quiz: Quiz,
    answers: dict[str, Answer],
    now: datetime | None = None,
    *,
    catalogue: Catalogue | None = None,
) -> Submission:
    """Grade and close an attempt, exactly once. Grading happens before the write, so the
    database is held only for the two statements that record it. With the ``catalogue``, a
    pass that completes the course issues its certificate. Past the attempt's deadline (and its
    grace), the answers saved by then are graded, not the ones posted."""
    attempt = db.session.get(QuizAttempt, attempt_id)
    if attempt is None or attempt.user_id != user_id or attempt.quiz_id != quiz.id:
        raise AttemptClosed(attempt_id)
    now = now or utcnow()
    if attempt.deadline_at is not None and now > attempt.deadline_at + SUBMIT_GRACE:
        answers = dict(attempt.draft or {})
    try:
        result = grade(quiz, answers, pass_mark=attempt.pass_mark, paper=paper_of(attempt))
        submission = _record_submission(
            user_id, attempt_id, quiz, answers, result, now, attempt.attempt_no, attempt.started_at, catalogue
        )
    except Exception:
        # Whatever failed while grading or recording, the answers posted are kept as the
        # attempt's draft (newer than any background save) and the error goes on; if the
        # database is what failed, saving fails too, and the first error is the one to report.
        with contextlib.suppress(SQLAlchemyError):
            save_draft(user_id, attempt_id, answers, attempt.draft_seq + 1, now)
        raise
    db.session.expire(attempt)  # the row changed underneath this object
    return submission


_ATTEMPTS = cast(sa.Table, QuizAttempt.__table__)
_SUBMIT = (
    sa.update(_ATTEMPTS)
    .where(
        _ATTEMPTS.c.id == sa.bindparam("attempt"),
        _ATTEMPTS.c.user_id == sa.bindparam("learner"),
        _ATTEMPTS.c.state == AttemptState.IN_PROGRESS,
    )
    .values(
        state=AttemptState.SUBMITTED,
        score=sa.bindparam("new_score", type_=_ATTEMPTS.c.score.type),
        passed=sa.bindparam("new_passed", type_=_ATTEMPTS.c.passed.type),
        submitted_at=sa.bindparam("at", type_=_ATTEMPTS.c.submitted_at.type),
        draft=sa.bindparam("answers", type_=_ATTEMPTS.c.draft.type),
        content_version=sa.bindparam("version", type_=_ATTEMPTS.c.content_version.type),
    )
)
"""The attempt closed with its grade, only while still in progress (a second submit changes
nothing): built once, as it runs in every submission's write transaction."""
_RESPONSES = sa.insert(cast(sa.Table, QuestionResponse.__table__))


@transactional
def _record_submission(
    user_id: int,
    attempt_id: int,
    quiz: Quiz,
    answers: dict[str, Answer],
    result: QuizResult,
    now: datetime,
    attempt_no: int,
    started_at: datetime,
    catalogue: Catalogue | None = None,
) -> Submission:
    # Plain SQL statements on the session's connection: the write lock is held only as long
    # as they take (the attempt object is expired by the caller).
    connection = db.session.connection()
    won = connection.execute(
        _SUBMIT,
        {
            "attempt": attempt_id,
            "learner": user_id,
            "new_score": result.score,
            "new_passed": result.passed,
            "at": now,
            "answers": answers,
            "version": quiz.version,
        },
    ).rowcount
    if won != 1:
        return Submission(attempt_id, None)
    rows = [
        {
            "attempt_id": attempt_id,
            "question_id": r.question.id,
            "position": index,
            "answer": r.answer,
            "simple_answer": r.graded.simple_answer[:2000],
            "correct": r.graded.credit,
            "review": r.graded.stored(),
        }
        for index, r in enumerate(result.questions)
    ]
    connection.execute(_RESPONSES, rows)
    summaries.answers_recorded(user_id, quiz.id, rows)
    submitted = events.AttemptSubmitted(
        user_id, quiz.unit_id, quiz.id, attempt_no, result.score, result.passed, started_at, now
    )
    outbox.record(user_id, [submitted])
    completed = (
        catalogue is not None and result.passed and certificates.note_progress(catalogue, user_id, now) is not None
    )
    return Submission(attempt_id, result, completed)


def close_if_overdue(
    user_id: int, quiz: Quiz, now: datetime | None = None, *, catalogue: Catalogue | None = None
) -> Submission | None:
    """Submit the learner's open attempt at ``quiz`` as it stands if its deadline has passed,
    through :func:`submit_attempt`: with the ``catalogue``, a pass that completes the course
    issues its certificate, as the learner's own submit would."""
    now = now or utcnow()
    attempt = open_attempt(user_id, quiz.id)
    if attempt is None or attempt.deadline_at is None or now <= attempt.deadline_at + SUBMIT_GRACE:
        return None
    return submit_attempt(user_id, attempt.id, quiz, {}, now, catalogue=catalogue)


def close_overdue(catalogue: Catalogue, now: datetime | None = None, limit: int = 500) -> int:
    """The sweep: submit, as they stand, open attempts past their deadline (at most ``limit``
    per run, each in its own transaction), each as :func:`close_if_overdue` does, so a pass
    that completes the course issues its certificate. Returns how many were submitted."""
    now = now or utcnow()
    closed = 0
    for attempt_id, user_id, quiz_id in overdue_attempts(now - SUBMIT_GRACE, limit):
        quiz = catalogue.quizzes.get(quiz_id)
        if quiz is None:
            continue
        if submit_attempt(user_id, attempt_id, quiz, {}, now, catalogue=catalogue).result is not None:
            closed += 1
    return closed
