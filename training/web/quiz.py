"""Blueprint "quiz": take a unit's quiz, save answers as you go, submit once, see the result."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user

from .. import metrics
from ..content.model import Quiz, Unit
from ..course import get_course, quiz_or_404
from ..i18n import gettext
from ..models import AttemptState, QuizAttempt
from ..progress import CourseProgress, QuizProgress, UnitProgress, course_progress
from ..queries.attempts import (
    open_attempt,
    own_attempt,
    paper_of,
    stored_responses,
    submitted_attempt,
    submitted_attempts,
)
from ..queries.learning import load_records
from ..quiz import FORM_PREFIX, Answer, InvalidSubmission, answers_to_form, parse_answers, public_view, reveals, review
from ..security import EXPIRED_USER, PENDING_ANSWERS
from ..services import attempts, ratelimit
from .access import SIGNED_IN, access
from .params import number, optional_number

bp = Blueprint("quiz", __name__)

MAX_KEPT_ANSWERS = 2500  # characters: stays well inside a cookie


def keep_unsent_answers() -> None:
    """A quiz posted after the session ended keeps its answers in the (new, signed) session,
    so they are restored once the learner signs in again instead of being lost."""
    form = {k: v for k, v in request.form.lists() if k.startswith(FORM_PREFIX)}
    size = sum(len(k) + sum(len(x) for x in v) for k, v in form.items())
    owner = session.get(EXPIRED_USER)
    if form and owner and size <= MAX_KEPT_ANSWERS:
        session[PENDING_ANSWERS] = {"quiz": (request.view_args or {}).get("quiz_id"), "form": form, "owner": owner}


def _own_attempt(quiz_id: str, attempt_id: int) -> QuizAttempt:
    """The learner's own attempt; anyone else's (or none) is a 404."""
    attempt = own_attempt(current_user.id, quiz_id, attempt_id)
    if attempt is None:
        abort(404)
    return attempt


def _posted_answers(quiz: Quiz) -> tuple[QuizAttempt, dict[str, Answer], int]:
    """The learner's own attempt named in the form, the answers (400 when they do not fit
    the quiz) and the autosave sequence number."""
    attempt = _own_attempt(quiz.id, number(request.form.get("attempt"), "attempt", 1))
    try:
        answers = parse_answers(quiz, request.form.to_dict(flat=False), paper_of(attempt))
    except InvalidSubmission:
        abort(400)
    return attempt, answers, optional_number(request.form.get("seq"), "seq") or 0


def _unit_progress(quiz: Quiz) -> tuple[Unit, UnitProgress, QuizProgress, CourseProgress]:
    """The quiz's unit, the learner's progress in it and in its quiz, and in the course."""
    catalogue = get_course()
    course = course_progress(catalogue, load_records(current_user.id))
    progress = course.unit(quiz.unit_id)
    if progress.quiz is None:  # the catalogue gives every quiz a unit that names it
        abort(404)
    return catalogue.unit(quiz.unit_id), progress, progress.quiz, course


@bp.route("/quizzes/<quiz_id>")
@access(SIGNED_IN)
def take(quiz_id: str):
    quiz = quiz_or_404(quiz_id)
    attempts.close_if_overdue(current_user.id, quiz)  # past its time limit: submitted as it stands
    unit, _, quiz_progress, _ = _unit_progress(quiz)
    attempt = open_attempt(current_user.id, quiz.id)
    if attempt is None:
        return render_template(
            "quiz/start.html",
            quiz=quiz,
            unit=unit,
            progress=quiz_progress,
            history=submitted_attempts(current_user.id, quiz.id),
        )
    draft = attempt.draft or {}
    pending = session.get(PENDING_ANSWERS)
    if pending and pending.get("quiz") == quiz.id and pending.get("owner") == current_user.id:
        session.pop(PENDING_ANSWERS)
        try:
            draft = parse_answers(quiz, pending["form"], paper_of(attempt))
            attempts.save_draft(current_user.id, attempt.id, draft, attempt.draft_seq + 1)
            flash(gettext("Your answers were kept while you signed in again. Check them, then submit."), "info")
        except InvalidSubmission:
            pass
    return _render_form(quiz, unit, attempt, answers_to_form(quiz, draft, paper_of(attempt)), quiz_progress)


def _render_form(
    quiz: Quiz,
    unit: Unit,
    attempt: QuizAttempt,
    values: dict[str, list[str]],
    quiz_progress: QuizProgress,
    saved: bool = False,
) -> str:
    return render_template(
        "quiz/take.html",
        quiz=quiz,
        unit=unit,
        attempt=attempt,
        questions=public_view(quiz, paper_of(attempt)),
        values=values,
        progress=quiz_progress,
        saved=saved,
        seq=attempt.draft_seq + 1,
    )


@bp.route("/quizzes/<quiz_id>/start", methods=["POST"])
@access(SIGNED_IN)
def start(quiz_id: str):
    quiz = quiz_or_404(quiz_id)  # the form's CSRF token is checked before any view
    try:
        attempts.start_attempt(current_user.id, quiz)
    except attempts.AttemptsExhausted:
        flash(gettext("You have used every attempt this quiz allows."), "warning")
    return redirect(url_for("quiz.take", quiz_id=quiz.id), code=303)


@bp.route("/quizzes/<quiz_id>", methods=["POST"])
@access(SIGNED_IN.when_signed_out(keep_unsent_answers))
def submit(quiz_id: str):
    quiz = quiz_or_404(quiz_id)
    attempt, answers, seq = _posted_answers(quiz)
    if attempt.state == AttemptState.SUBMITTED:
        metrics.quiz_submitted(None)
        return redirect(url_for("quiz.result", quiz_id=quiz.id, attempt_no=attempt.attempt_no), code=303)
    if request.form.get("action") == "save":
        attempts.save_draft(current_user.id, attempt.id, answers, seq)
        attempt = _own_attempt(quiz.id, attempt.id)  # as saved: the next sequence number
        unit, _, quiz_progress, _ = _unit_progress(quiz)
        values = answers_to_form(quiz, answers, paper_of(attempt))
        return _render_form(quiz, unit, attempt, values, quiz_progress, saved=True)
    submission = attempts.submit_attempt(current_user.id, attempt.id, quiz, answers, catalogue=get_course())
    metrics.quiz_submitted(submission.result.passed if submission.result else None)
    if submission.completed_course:
        flash(gettext("You passed “%(quiz)s”.", quiz=quiz.title), "success")
        return redirect(url_for("certificates.completed"), code=303)
    return redirect(url_for("quiz.result", quiz_id=quiz.id, attempt_no=attempt.attempt_no), code=303)


@bp.route("/quizzes/<quiz_id>/autosave", methods=["POST"])
@access(SIGNED_IN)
def autosave(quiz_id: str):
    """Answers saved in the background by the page's small script (the page works without it)."""
    quiz = quiz_or_404(quiz_id)
    attempt, answers, seq = _posted_answers(quiz)
    config = current_app.config
    key = ratelimit.account_key("autosave", current_user.id)
    if not ratelimit.hit(key, config["AUTOSAVES_PER_ACCOUNT"], config["RATE_LIMIT_WINDOW"]):
        return jsonify({"saved": False, "reason": "too many saves"}), 429  # the page says it was not saved
    if not attempts.save_draft(current_user.id, attempt.id, answers, seq):
        return jsonify({"saved": False, "reason": "closed or out of date"}), 409
    return jsonify({"saved": True})


@bp.route("/quizzes/<quiz_id>/attempts/<int:attempt_no>")
@access(SIGNED_IN)
def result(quiz_id: str, attempt_no: int):
    quiz = quiz_or_404(quiz_id)
    attempt = submitted_attempt(current_user.id, quiz.id, attempt_no)
    if attempt is None:
        abort(404)
    unit, unit_progress, quiz_progress, course = _unit_progress(quiz)
    reveal = reveals(attempt.reveal, bool(attempt.passed), quiz_progress.can_attempt)
    return render_template(
        "quiz/result.html",
        quiz=quiz,
        unit=unit,
        attempt=attempt,
        review=review(quiz, stored_responses(attempt.id), reveal=reveal, content_version=attempt.content_version),
        progress=unit_progress,
        course=course,
        catalogue=get_course(),
    )
