"""Blueprint "quiz": take a unit's quiz, save answers as you go, submit once, see the result."""

from __future__ import annotations

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..catalogue import get_catalogue
from ..extensions import db
from ..models import AttemptState, QuizAttempt
from ..progress import course_progress
from ..quiz import InvalidSubmission, answers_to_form, grade, parse_answers, public_view
from ..security import PENDING_ANSWERS
from ..services import attempts, learning
from .access import SIGNED_IN, access
from .forms import ActionForm

bp = Blueprint("quiz", __name__)



def _quiz_or_404(quiz_id: str):  # noqa: ANN202
    try:
        return get_catalogue().quiz(quiz_id)
    except KeyError:
        abort(404)


def _own_attempt(quiz_id: str, attempt_id: int | None) -> QuizAttempt:
    attempt = db.session.get(QuizAttempt, attempt_id) if attempt_id else None
    if attempt is None or attempt.user_id != current_user.id or attempt.quiz_id != quiz_id:
        abort(404)
    return attempt


def _posted_answers(quiz) -> tuple[QuizAttempt, dict, int]:  # noqa: ANN001
    """The learner's own attempt named in the form, the answers (400 when they do not fit
    the quiz) and the autosave sequence number."""
    attempt_id, seq = request.form.get("attempt", ""), request.form.get("seq", "")
    attempt = _own_attempt(quiz.id, int(attempt_id) if attempt_id.isdigit() else None)
    try:
        answers = parse_answers(quiz, request.form.to_dict(flat=False))
    except InvalidSubmission:
        abort(400)
    return attempt, answers, int(seq) if seq.isdigit() else 0


@bp.route("/quizzes/<quiz_id>")
@access(SIGNED_IN)
def take(quiz_id: str):
    quiz = _quiz_or_404(quiz_id)
    catalogue = get_catalogue()
    unit = catalogue.unit(quiz.unit_id)
    progress = course_progress(catalogue, learning.load_records(current_user.id)).unit(unit.id)
    attempt = attempts.open_attempt(current_user.id, quiz.id)
    history = db.session.scalars(
        db.select(QuizAttempt).where(QuizAttempt.user_id == current_user.id, QuizAttempt.quiz_id == quiz.id,
                                     QuizAttempt.state == AttemptState.SUBMITTED)
        .order_by(QuizAttempt.attempt_no)).all()
    if attempt is None:
        return render_template("quiz/start.html", quiz=quiz, unit=unit, progress=progress.quiz,
                               history=history, form=ActionForm())
    draft = attempt.draft or {}
    pending = session.get(PENDING_ANSWERS)
    if pending and pending.get("quiz") == quiz.id and pending.get("owner") == current_user.id:
        session.pop(PENDING_ANSWERS)
        try:
            draft = parse_answers(quiz, pending["form"])
            attempts.save_draft(current_user.id, attempt.id, draft, attempt.draft_seq + 1)
            flash("Your answers were kept while you signed in again. Check them, then submit.", "info")
        except InvalidSubmission:
            pass
    return _render_form(quiz, unit, attempt, answers_to_form(quiz, draft), progress.quiz)


def _render_form(quiz, unit, attempt, values, quiz_progress, status=200, saved=False):  # noqa: ANN001, ANN202
    return render_template(
        "quiz/take.html", quiz=quiz, unit=unit, attempt=attempt, questions=public_view(quiz, attempt.seed),
        values=values, progress=quiz_progress, saved=saved, seq=attempt.draft_seq + 1,
    ), status


@bp.route("/quizzes/<quiz_id>/start", methods=["POST"])
@access(SIGNED_IN)
def start(quiz_id: str):
    quiz = _quiz_or_404(quiz_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        attempts.start_attempt(current_user.id, quiz)
    except attempts.AttemptsExhausted:
        flash("You have used every attempt this quiz allows.", "warning")
    return redirect(url_for("quiz.take", quiz_id=quiz.id), code=303)


@bp.route("/quizzes/<quiz_id>", methods=["POST"])
@access(SIGNED_IN)
def submit(quiz_id: str):
    quiz = _quiz_or_404(quiz_id)
    attempt, answers, seq = _posted_answers(quiz)
    if attempt.state == AttemptState.SUBMITTED:
        return redirect(url_for("quiz.result", quiz_id=quiz.id, attempt_no=attempt.attempt_no), code=303)
    if request.form.get("action") == "save":
        attempts.save_draft(current_user.id, attempt.id, answers, seq)
        attempt = _own_attempt(quiz.id, attempt.id)
        unit = get_catalogue().unit(quiz.unit_id)
        progress = course_progress(get_catalogue(), learning.load_records(current_user.id)).unit(unit.id)
        return _render_form(quiz, unit, attempt, answers_to_form(quiz, answers), progress.quiz, saved=True)
    attempts.submit_attempt(current_user.id, attempt.id, quiz, answers)
    return redirect(url_for("quiz.result", quiz_id=quiz.id, attempt_no=attempt.attempt_no), code=303)


@bp.route("/quizzes/<quiz_id>/autosave", methods=["POST"])
@access(SIGNED_IN)
def autosave(quiz_id: str):
    """Answers saved in the background by the page's small script (the page works without it)."""
    quiz = _quiz_or_404(quiz_id)
    attempt, answers, seq = _posted_answers(quiz)
    if not attempts.save_draft(current_user.id, attempt.id, answers, seq):
        return jsonify({"saved": False, "reason": "closed or out of date"}), 409
    return jsonify({"saved": True})


@bp.route("/quizzes/<quiz_id>/attempts/<int:attempt_no>")
@access(SIGNED_IN)
def result(quiz_id: str, attempt_no: int):
    quiz = _quiz_or_404(quiz_id)
    attempt = db.session.scalar(db.select(QuizAttempt).where(
        QuizAttempt.user_id == current_user.id, QuizAttempt.quiz_id == quiz.id,
        QuizAttempt.attempt_no == attempt_no, QuizAttempt.state == AttemptState.SUBMITTED))
    if attempt is None:
        abort(404)
    catalogue = get_catalogue()
    unit = catalogue.unit(quiz.unit_id)
    course = course_progress(catalogue, learning.load_records(current_user.id))
    unit_progress = course.unit(unit.id)
    graded = grade(quiz, attempt.draft or {}, pass_mark=attempt.pass_mark)
    reveal = bool(attempt.passed) or not unit_progress.quiz.can_attempt
    return render_template(
        "quiz/result.html", quiz=quiz, unit=unit, attempt=attempt, graded=graded, reveal=reveal,
        progress=unit_progress, course=course, catalogue=catalogue, form=ActionForm(),
    )
