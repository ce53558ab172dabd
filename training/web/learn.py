"""Blueprint "learn": the course map, unit and lesson pages, marking lessons read, dashboard."""

from __future__ import annotations

from functools import lru_cache

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ..catalogue import get_catalogue
from ..progress import Status, course_progress, lesson_status
from ..services import learning
from .access import SIGNED_IN, access
from .forms import ActionForm

bp = Blueprint("learn", __name__)


def _unit_or_404(unit_id: str):  # noqa: ANN202
    try:
        return get_catalogue().unit(unit_id)
    except KeyError:
        abort(404)


def _lesson_or_404(unit_id: str, lesson_id: str):  # noqa: ANN202
    try:
        return _unit_or_404(unit_id).lesson(lesson_id)
    except KeyError:
        abort(404)


@bp.route("/")
@access(SIGNED_IN)
def course_map():
    catalogue = get_catalogue()
    records = learning.load_records(current_user.id)
    return render_template("learn/course_map.html", catalogue=catalogue,
                           progress=course_progress(catalogue, records), records=records)


@bp.route("/units/<unit_id>")
@access(SIGNED_IN)
def unit(unit_id: str):
    catalogue = get_catalogue()
    unit = _unit_or_404(unit_id)
    records = learning.load_records(current_user.id)
    progress = course_progress(catalogue, records)
    statuses = {le.id: lesson_status(records.lessons.get((unit.id, le.id))) for le in unit.lessons}
    return render_template("learn/unit.html", unit=unit, quiz=catalogue.quiz_for_unit(unit.id),
                           progress=progress.unit(unit.id), statuses=statuses)


@bp.route("/units/<unit_id>/<lesson_id>")
@access(SIGNED_IN)
def lesson(unit_id: str, lesson_id: str):
    catalogue = get_catalogue()
    unit = _unit_or_404(unit_id)
    lesson = _lesson_or_404(unit_id, lesson_id)
    record = learning.lesson_record(current_user.id, unit.id, lesson.id)
    if learning.lesson_needs_opening(record):
        learning.record_lesson_opened(current_user.id, unit.id, lesson.id)
    before, after = catalogue.neighbours(unit.id, lesson.id)
    return render_template(
        "learn/lesson.html", unit=unit, lesson=lesson, before=before, after=after,
        status=lesson_status(record), body=lesson_body(catalogue.version, unit.id, lesson.id),
        position=[le.id for le in unit.lessons].index(lesson.id) + 1,
        quiz=catalogue.quiz_for_unit(unit.id),
    )


@lru_cache(maxsize=512)
def lesson_body(version: str, unit_id: str, lesson_id: str) -> str:
    """A lesson's text, terms and sources, rendered once per lesson and content version."""
    return render_template("learn/_lesson_body.html", lesson=get_catalogue().lesson(unit_id, lesson_id))


@bp.route("/units/<unit_id>/<lesson_id>/complete", methods=["POST"])
@access(SIGNED_IN)
def complete(unit_id: str, lesson_id: str):
    catalogue = get_catalogue()
    unit = _unit_or_404(unit_id)
    lesson = _lesson_or_404(unit_id, lesson_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    learning.record_lesson_read(current_user.id, unit.id, lesson.id, lesson.version)
    _, after = catalogue.neighbours(unit.id, lesson.id)
    if after is not None and after.unit_id == unit.id:
        return redirect(url_for("learn.lesson", unit_id=unit.id, lesson_id=after.id), code=303)
    quiz = catalogue.quiz_for_unit(unit.id)
    flash(f"You have read every lesson of “{unit.title}”.", "success")
    if quiz is not None:
        return redirect(url_for("quiz.take", quiz_id=quiz.id), code=303)
    return redirect(url_for("learn.unit", unit_id=unit.id), code=303)


@bp.route("/dashboard")
@access(SIGNED_IN)
def dashboard():
    catalogue = get_catalogue()
    records = learning.load_records(current_user.id)
    return render_template("learn/dashboard.html", catalogue=catalogue,
                           progress=course_progress(catalogue, records), Status=Status)
