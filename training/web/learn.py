"""Blueprint "learn": the course map, unit and lesson pages, marking lessons read, dashboard."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache, partial

from flask import (
    Blueprint,
    flash,
    get_template_attribute,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from .. import offline
from ..certificates import Mode, course_mode, hours, study_minutes
from ..content import Catalogue
from ..context import the_person, the_request
from ..course import get_course, lesson_or_404, unit_or_404
from ..i18n import N_, course_language, current_language, gettext
from ..progress import CourseProgress, LearnerRecords, course_progress, lesson_status
from ..queries.accounts import SignedIn
from ..queries.learning import lesson_record, load_records
from ..services import learning
from .access import SIGNED_IN, access
from .assets import zstd_page
from .errors import render_error
from .frames import Pieces, render_shared, shared_page
from .wire import conditional_page

bp = Blueprint("learn", __name__)


def home() -> str:
    """What a signed-out visitor sees at ``/``: what the course is, for whom, how long it
    takes and what it leads to, with the ways in."""
    catalogue = get_course()
    return render_template("learn/home.html", catalogue=catalogue, hours=hours(study_minutes(catalogue)))


@dataclass(frozen=True, slots=True)
class Standing:
    """What the course map and the dashboard show of one learner: the pieces of those pages
    made for them (``learn/_progress.html``); the rest of each page is shared by everyone who
    sees it alike (``frames.py``)."""

    catalogue: Catalogue
    person: SignedIn
    records: LearnerRecords
    progress: CourseProgress
    completion_mode: Mode


def progress_page(template: str) -> bytes:
    """The course map or the dashboard of the signed-in learner. The shared part depends on
    the course's version, both languages, the address and the role (the menu)."""
    catalogue = get_course()
    records = load_records(current_user.id)
    progress = course_progress(catalogue, records)
    standing = Standing(catalogue, current_user, records, progress, course_mode(progress))
    key = (template, catalogue.version, current_language(), course_language(), request.script_root, request.full_path)
    return shared_page(
        (*key, current_user.role), template, mine=Pieces("learn/_progress.html", standing), catalogue=catalogue
    )


@bp.route("/")
@access(SIGNED_IN.signed_out_sees(home))
def course_map():
    return progress_page("learn/course_map.html")


@bp.route("/units/<unit_id>")
@access(SIGNED_IN)
def unit(unit_id: str):
    catalogue = get_course()
    unit = unit_or_404(unit_id)
    records = load_records(current_user.id)
    progress = course_progress(catalogue, records)
    statuses = {le.id: lesson_status(records.lessons.get((unit.id, le.id))) for le in unit.lessons}
    return render_template(
        "learn/unit.html",
        unit=unit,
        quiz=catalogue.quiz_for_unit(unit.id),
        progress=progress.unit(unit.id),
        statuses=statuses,
    )


@bp.route("/units/<unit_id>/<lesson_id>")
@access(SIGNED_IN)
def lesson(unit_id: str, lesson_id: str):
    person, current = the_person(), the_request()
    catalogue = get_course()
    unit, lesson = lesson_or_404(unit_id, lesson_id, catalogue)
    record = lesson_record(person.id, unit.id, lesson.id, person.lesson)
    if not offline.saving(current.environ):  # a device saving the page is no reading
        learning.note_lesson_opened(person.id, unit.id, lesson.id, record)
    language, status = current_language(), lesson_status(record)
    parts = lesson_parts(catalogue.version, unit.id, lesson.id, language)
    # Everything the page shows besides the person's name and form tokens (frames.py):
    # the text's and the interface's languages, the address (the language links keep its
    # query), the role (the menu) and whether the lesson is read.
    key = (catalogue.version, language, course_language(), current.script_root, current.full_path)
    page = render_shared(
        (*key, unit.id, lesson.id, person.role, status),
        "learn/lesson.html",
        unit=unit,
        lesson=lesson,
        parts=parts,
        status=status,
    )
    return zstd_page(conditional_page(make_response(page.body), page.identity()), page.zstd)


@dataclass(frozen=True, slots=True)
class LessonParts:
    """What a lesson page shows every learner alike, rendered once (the page is the most
    requested one, often on slow links: see docs/performance.md)."""

    breadcrumbs: str
    body: str
    pager: str
    complete_url: str
    complete_label: str
    """Where "mark as read" leads: the unit's next lesson, or its quiz after the last one."""
    position: int


@lru_cache(maxsize=512)
def lesson_parts(version: str, unit_id: str, lesson_id: str, language: str) -> LessonParts:
    """Keyed by both languages of the page: ``version`` is the version of the course view the
    request reads (``…-fr`` for French: the lesson's text), ``language`` the interface's (the
    labels, and which text needs its own ``lang``)."""
    catalogue = get_course()
    unit = catalogue.unit(unit_id)
    lesson = unit.lesson(lesson_id)
    before, after = catalogue.neighbours(unit_id, lesson_id)
    position = [le.id for le in unit.lessons].index(lesson_id) + 1
    last_of_unit = after is None or after.unit_id != unit_id
    to_quiz = last_of_unit and catalogue.quiz_for_unit(unit_id) is not None
    macro = partial(get_template_attribute, "learn/_lesson_parts.html")
    return LessonParts(
        breadcrumbs=str(macro("breadcrumbs")(unit, position)),
        body=str(macro("body")(lesson)),
        pager=str(macro("pager")(before, after)),
        complete_url=url_for("learn.complete", unit_id=unit_id, lesson_id=lesson_id),
        complete_label=N_("Mark as read and go to the quiz") if to_quiz else N_("Mark as read and continue"),
        position=position,
    )


@bp.route("/units/<unit_id>/<lesson_id>/complete", methods=["POST"])
@access(SIGNED_IN)
def complete(unit_id: str, lesson_id: str):
    catalogue = get_course()
    unit, lesson = lesson_or_404(unit_id, lesson_id)  # the form's CSRF token is checked before any view
    key = request.form.get("idempotency_key") or None
    if key is not None and not offline.valid_idempotency_key(key):
        return render_error(400, gettext("The form was changed: reload the lesson and mark it as read again."))
    if learning.record_lesson_read(current_user.id, unit.id, lesson.id, lesson.version, catalogue=catalogue, key=key):
        return redirect(url_for("certificates.completed"), code=303)
    _, after = catalogue.neighbours(unit.id, lesson.id)
    if after is not None and after.unit_id == unit.id:
        return redirect(url_for("learn.lesson", unit_id=unit.id, lesson_id=after.id), code=303)
    quiz = catalogue.quiz_for_unit(unit.id)
    flash(gettext("You have read every lesson of “%(unit)s”.", unit=unit.title), "success")
    if quiz is not None:
        return redirect(url_for("quiz.take", quiz_id=quiz.id), code=303)
    return redirect(url_for("learn.unit", unit_id=unit.id), code=303)


@bp.route("/dashboard")
@access(SIGNED_IN)
def dashboard():
    return progress_page("learn/dashboard.html")
