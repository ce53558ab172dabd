"""Blueprint "learn": the course map, unit and lesson pages, marking lessons read, dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, partial

from flask import Blueprint, abort, flash, get_template_attribute, redirect, render_template, url_for
from flask_login import current_user

from ..catalogue import get_catalogue
from ..content.model import Lesson, Quiz
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
    parts = lesson_parts(catalogue.version, unit.id, lesson.id)
    return render_template("learn/lesson.html", unit=unit, lesson=lesson, parts=parts,
                           status=lesson_status(record), after=parts.after, quiz=parts.quiz)


@dataclass(frozen=True, slots=True)
class LessonParts:
    """What a lesson page shows every learner alike, rendered once (the page is the most
    requested one, often on slow links: see docs/performance.md)."""

    breadcrumbs: str
    body: str
    pager: str
    complete_url: str
    position: int
    after: Lesson | None
    quiz: Quiz | None


@lru_cache(maxsize=512)
def lesson_parts(version: str, unit_id: str, lesson_id: str) -> LessonParts:
    catalogue = get_catalogue()
    unit = catalogue.unit(unit_id)
    lesson = unit.lesson(lesson_id)
    before, after = catalogue.neighbours(unit_id, lesson_id)
    position = [le.id for le in unit.lessons].index(lesson_id) + 1
    macro = partial(get_template_attribute, "learn/_lesson_parts.html")
    return LessonParts(
        breadcrumbs=str(macro("breadcrumbs")(unit, position)),
        body=str(macro("body")(lesson)),
        pager=str(macro("pager")(before, after)),
        complete_url=url_for("learn.complete", unit_id=unit_id, lesson_id=lesson_id),
        position=position,
        after=after,
        quiz=catalogue.quiz_for_unit(unit_id),
    )


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
