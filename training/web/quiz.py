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
from ..queries.groups import trainers_of_learner
from ..queries.learning import load_records
from ..quiz import (
    FORM_PREFIX,
    Answer,
    InvalidSubmission,
    PublicQuestion,
    answers_to_form,
    parse_answers,
    public_view,
    reveals,
)
from ..quiz import review as result_review
from ..quiz_review import answer_states, incomplete
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
        answers = parse_answers(quiz, {k: v for k, v in request.form.lists() if k != "confirm"}, paper_of(attempt))
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
    # Past its time limit: submitted as it stands, and followed as the learner's own submit.
    closed = attempts.close_if_overdue(current_user.id, quiz, catalogue=get_course())
    if closed is not None and closed.completed_course:
        return _course_completed(quiz)
    unit, _, quiz_progress, _ = _unit_progress(quiz)
    attempt = open_attempt(current_user.id, quiz.id)
    if attempt is None:
        out_of_attempts = not quiz_progress.can_attempt and not quiz_progress.passed
        return render_template(
            "quiz/start.html",
            quiz=quiz,
            unit=unit,
            progress=quiz_progress,
            history=submitted_attempts(current_user.id, quiz.id),
            trainers=trainers_of_learner(current_user.id) if out_of_attempts else [],
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
    return _render_form(quiz, unit, attempt, _form_values(quiz, attempt, draft), quiz_progress)


def _questions(quiz: Quiz, attempt: QuizAttempt) -> tuple[PublicQuestion, ...]:
    return public_view(quiz, paper_of(attempt))


def _form_values(quiz: Quiz, attempt: QuizAttempt, answers: dict[str, Answer]) -> dict[str, list[str]]:
    return answers_to_form(quiz, answers, paper_of(attempt))


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
        questions=_questions(quiz, attempt),
        values=values,
        progress=quiz_progress,
        saved=saved,
        seq=attempt.draft_seq + 1,
    )


def _render_review(quiz: Quiz, attempt: QuizAttempt, needs_confirmation: bool = False) -> tuple[str, int]:
    """The review before the final submit: answered and unanswered questions, each linked back
    to its place in the form. 400 when a submit with unanswered questions was not confirmed."""
    unit, _, quiz_progress, _ = _unit_progress(quiz)
    lines = answer_states(_questions(quiz, attempt), _form_values(quiz, attempt, attempt.draft or {}))
    page = render_template(
        "quiz/review.html",
        quiz=quiz,
        unit=unit,
        attempt=attempt,
        lines=lines,
        missing=incomplete(lines),
        progress=quiz_progress,
        needs_confirmation=needs_confirmation,
    )
    return page, 400 if needs_confirmation else 200


@bp.route("/quizzes/<quiz_id>/start", methods=["POST"])
@access(SIGNED_IN)
def start(quiz_id: str):
    quiz = quiz_or_404(quiz_id)  # the form's CSRF token is checked before any view
    try:
        attempts.start_attempt(current_user.id, quiz, catalogue=get_course())
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
    action = request.form.get("action")
    # A submit posted straight from the form grades (its answers recorded with the grade, in
    # one write) when every question has an answer or the learner confirmed leaving some out.
    if action == "submit" and _may_grade(quiz, attempt, answers):
        return _grade(quiz, attempt, answers)
    # A button the learner pressed carries the whole form, newer than any background save.
    saved = attempts.save_draft(current_user.id, attempt.id, answers, max(seq, attempt.draft_seq + 1))
    if action == "save":
        attempt = _own_attempt(quiz.id, attempt.id)  # as saved: the next sequence number
        unit, _, quiz_progress, _ = _unit_progress(quiz)
        return _render_form(quiz, unit, attempt, _form_values(quiz, attempt, answers), quiz_progress, saved=saved)
    # "Review my answers", or a submit that leaves questions out unconfirmed, goes to the review.
    return redirect(url_for("quiz.review", quiz_id=quiz.id), code=303)


def _may_grade(quiz: Quiz, attempt: QuizAttempt, answers: dict[str, Answer]) -> bool:
    """Every question answered, or the learner ticked "submit with questions unanswered"."""
    lines = answer_states(_questions(quiz, attempt), _form_values(quiz, attempt, answers))
    return incomplete(lines) == 0 or request.form.get("confirm") == "unanswered"


def _grade(quiz: Quiz, attempt: QuizAttempt, answers: dict[str, Answer]):
    attempt_no = attempt.attempt_no  # read before the submission expires the object
    submission = attempts.submit_attempt(current_user.id, attempt.id, quiz, answers, catalogue=get_course())
    metrics.quiz_submitted(submission.result.passed if submission.result else None)
    if submission.completed_course:
        return _course_completed(quiz)
    return redirect(url_for("quiz.result", quiz_id=quiz.id, attempt_no=attempt_no), code=303)


def _course_completed(quiz: Quiz):
    """A pass that completed the course (its certificate issued) leads to the completion page."""
    flash(gettext("You passed “%(quiz)s”.", quiz=quiz.title), "success")
    return redirect(url_for("certificates.completed"), code=303)


@bp.route("/quizzes/<quiz_id>/review")
@access(SIGNED_IN)
def review(quiz_id: str):
    quiz = quiz_or_404(quiz_id)
    attempt = open_attempt(current_user.id, quiz.id)
    if attempt is None:
        return redirect(url_for("quiz.take", quiz_id=quiz.id), code=303)
    return _render_review(quiz, attempt)


@bp.route("/quizzes/<quiz_id>/submit", methods=["POST"])
@access(SIGNED_IN)
def final_submit(quiz_id: str):
    """The review page's submit: grades the answers saved in the attempt, once (a second
    click finds the attempt submitted and shows its result)."""
    quiz = quiz_or_404(quiz_id)
    attempt = _own_attempt(quiz.id, number(request.form.get("attempt"), "attempt", 1))
    if attempt.state == AttemptState.SUBMITTED:
        metrics.quiz_submitted(None)
        return redirect(url_for("quiz.result", quiz_id=quiz.id, attempt_no=attempt.attempt_no), code=303)
    answers = dict(attempt.draft or {})
    if not _may_grade(quiz, attempt, answers):
        return _render_review(quiz, attempt, needs_confirmation=True)
    return _grade(quiz, attempt, answers)


@bp.route("/quizzes/<quiz_id>/autosave", methods=["POST"])
@access(SIGNED_IN.when_signed_out(keep_unsent_answers))
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
        review=result_review(
            quiz, stored_responses(attempt.id), reveal=reveal, content_version=attempt.content_version
        ),
        progress=unit_progress,
        course=course,
        catalogue=get_course(),
    )
