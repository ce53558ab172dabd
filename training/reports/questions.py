"""Quiz item analysis: per question, how often it is answered correctly and the wrong answer
given most often; the most-missed questions first."""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import unescape

import sqlalchemy as sa

from ..content.model import Catalogue, Question
from ..extensions import db
from ..models import AttemptState, QuestionResponse, QuestionTally, QuizAttempt, Role, User
from ..progress import percent_of
from .scope import NO_FILTERS, Filters, Scope, prepare_session, scoped_learner_ids

FULL_CREDIT = 1.0 - 1e-9


@dataclass(frozen=True, slots=True)
class QuestionRow:
    quiz_id: str
    unit_order: int
    unit_title: str
    question_id: str
    number: int
    prompt: str
    """The question's text, without markup."""
    responses: int
    correct: int
    """responses with full credit"""
    top_wrong: str
    top_wrong_count: int

    @property
    def percent_correct(self) -> int | None:
        return percent_of(self.correct / self.responses) if self.responses else None


def question_rows(catalogue: Catalogue, scope: Scope, filters: Filters = NO_FILTERS) -> list[QuestionRow]:
    """Item analysis over every submitted attempt: per question, the share of answers with
    full credit and the wrong answer given most often; most-missed first. For everyone it
    reads the tallies kept with each submission; for a trainer's groups or a filtered
    population, one query groups their answers by quiz, question and (for wrong ones) text."""
    prepare_session()
    totals: dict[tuple[str, str], list[int]] = {}
    answers: dict[tuple[str, str], dict[str, int]] = {}

    def add(rows, sign: int) -> None:
        for quiz_id, question_id, answer, count, rights in rows:
            key = (quiz_id, question_id)
            total = totals.setdefault(key, [0, 0])
            total[0] += sign * int(count)
            total[1] += sign * int(rights or 0)
            if answer:
                given = answers.setdefault(key, {})
                given[answer] = given.get(answer, 0) + sign * int(count)

    if scope.trainer_id is not None or filters.active:
        # A trainer's groups or a filtered population: their answers, counted from the rows.
        add(db.session.execute(_answers(catalogue, scoped_learner_ids(scope, filters))), 1)
    else:
        # Everyone: the tallies kept with every submission, less the (few) staff accounts' answers.
        t = QuestionTally
        add(
            db.session.execute(
                sa.select(t.quiz_id, t.question_id, t.answer, sa.func.sum(t.responses), sa.func.sum(t.correct))
                .where(t.quiz_id.in_(list(catalogue.quizzes)))
                .group_by(t.quiz_id, t.question_id, t.answer)
            ),
            1,
        )
        add(db.session.execute(_answers(catalogue, sa.select(User.id).where(User.role != Role.LEARNER))), -1)
    wrong: dict[tuple[str, str], tuple[int, str]] = {}
    for key, given in answers.items():
        for answer, count in given.items():
            if count > 0 and (count, answer) > wrong.get(key, (0, "")):
                wrong[key] = (count, answer)
    rows = []
    for quiz in catalogue.quizzes.values():
        unit = catalogue.unit(quiz.unit_id)
        for number, question in enumerate(quiz.questions, start=1):
            responses, correct = totals.get((quiz.id, question.id), (0, 0))
            count, answer = wrong.get((quiz.id, question.id), (0, ""))
            rows.append(
                QuestionRow(
                    quiz.id,
                    unit.order,
                    unit.title,
                    question.id,
                    number,
                    question_text(question),
                    responses,
                    correct,
                    answer,
                    count,
                )
            )
    return sorted(rows, key=_most_missed_first)


def _answers(catalogue: Catalogue, people: sa.Select) -> sa.Select:
    """These people's submitted answers grouped by quiz, question and (for wrong ones) text."""
    qa, qr = QuizAttempt, QuestionResponse
    right = qr.correct >= FULL_CREDIT
    wrong_answer = sa.case((right, sa.null()), else_=qr.simple_answer)  # right answers group together
    return (
        sa.select(qa.quiz_id, qr.question_id, wrong_answer, sa.func.count(), sa.func.sum(sa.case((right, 1), else_=0)))
        .select_from(qr)
        .join(qa, qa.id == qr.attempt_id)
        .where(qa.state == AttemptState.SUBMITTED, qa.quiz_id.in_(list(catalogue.quizzes)), qa.user_id.in_(people))
        .group_by(qa.quiz_id, qr.question_id, wrong_answer)
    )


def _most_missed_first(row: QuestionRow) -> tuple:
    unanswered = row.responses == 0
    return (unanswered, row.correct / row.responses if row.responses else 0, -row.responses, row.unit_order, row.number)


def question_text(question: Question) -> str:
    """A question's prompt as plain text, for tables and CSV."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", question.prompt_html)).split())
