"""Blueprint "guide": the trainer's guide as HTML and PDF, the workshop planner, handouts
and paper quizzes.

Everything here is for trainers and administrators, except the learner handout of a unit
(``/units/<unit>/handout.pdf``), which any signed-in person may download. The planner form
is a GET form: it changes nothing, and its options in the URL make a plan bookmarkable and
let the same options ask for the PDF; so it carries no CSRF token (a token in a URL would
only leak through logs and the Referer header).
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DecimalField,
    Form,
    IntegerField,
    SelectMultipleField,
    TimeField,
    widgets,
)
from wtforms.validators import NumberRange, Optional, ValidationError

from .. import guide
from ..course import get_course, unit_or_404
from ..guide import plan as planner
from ..guide.render import STYLESHEETS, TEMPLATES_DIR, stylesheet
from ..i18n import N_, force_locale, gettext
from ..i18n import lazy_gettext as _l
from ..services import guide_jobs
from ..services.guide_pdfs import DatabaseStore
from .access import SIGNED_IN, STAFF, access
from .errors import render_error
from .params import carried_args

bp = Blueprint("guide", __name__)

FONTS_DIR = TEMPLATES_DIR / "fonts"


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class PlannerForm(Form):
    """The workshop planner's options; empty fields take the course's workshop defaults."""

    units = MultiCheckboxField(
        _l("Units"), choices=[], validate_choice=True, description=_l("Leave all unticked for the whole course.")
    )
    days = IntegerField(
        _l("Number of days"),
        validators=[Optional(), NumberRange(1, planner.MAX_DAYS)],
        description=_l("Leave empty for as many days as the units need."),
    )
    start = TimeField(_l("Start time"), validators=[Optional()])
    hours = DecimalField(
        _l("Hours per day"),
        places=None,
        validators=[Optional(), NumberRange(*planner.HOURS_RANGE)],
        description=_l("From the start to the end of the day, not counting lunch."),
    )
    break_minutes = IntegerField(_l("Break (minutes)"), validators=[Optional(), NumberRange(*planner.BREAK_RANGE)])
    lunch = IntegerField(
        _l("Lunch (minutes)"),
        validators=[Optional(), NumberRange(*planner.LUNCH_RANGE)],
        description=_l("Days of four hours or less have no lunch."),
    )
    session = IntegerField(
        _l("Longest session (minutes)"),
        validators=[Optional(), NumberRange(*planner.SESSION_RANGE)],
        description=_l("Steps run back to back for at most this long before a break."),
    )
    quizzes_online = BooleanField(_l("Participants take the quizzes online (leave them out of the agenda)"))

    def validate_hours(self, field: DecimalField) -> None:
        if field.data is not None and (field.data * 2) % 1:
            raise ValidationError(gettext("Give the hours in half hours, for example 6 or 6.5."))

    def options(self) -> planner.WorkshopOptions:
        """The planner options the form asks for (raises PlanError if they make no day)."""
        start: time | None = self.start.data
        return guide.default_options(
            get_course(),
            days=self.days.data,
            day_start=start.hour * 60 + start.minute if start else None,
            hours_per_day=float(self.hours.data) if self.hours.data is not None else None,
            break_minutes=self.break_minutes.data,
            lunch_minutes=self.lunch.data,
            session_minutes=self.session.data,
            quizzes_online=self.quizzes_online.data or None,
        )


def _planner_form() -> PlannerForm:
    catalogue = get_course()
    args = MultiDict(request.args)
    if "units" in args:  # ?units=a,b as well as ?units=a&units=b
        args.setlist("units", [u for value in request.args.getlist("units") for u in value.split(",") if u])
    workshop = catalogue.guide.workshop
    hours, minutes = (int(part) for part in workshop.day_start.split(":"))
    form = PlannerForm(
        args,
        data={
            "start": time(hours, minutes),
            "hours": Decimal(f"{workshop.hours_per_day:g}"),
            "break_minutes": workshop.break_minutes,
            "lunch": workshop.lunch_minutes,
            "session": planner.DEFAULT_SESSION_MINUTES,
        },
    )
    form.units.choices = [(u.id, f"{u.order}. {u.title}") for u in catalogue.units]
    return form


def _plan_or_none(form: PlannerForm) -> tuple[tuple, planner.WorkshopOptions | None]:
    catalogue = get_course()
    if not form.validate():
        return catalogue.units, None
    try:
        return guide.select_units(catalogue, form.units.data), form.options()
    except planner.PlanError as exc:
        form.form_errors.append(gettext("These options make no workshop day: %(reason)s.", reason=exc))
        return catalogue.units, None


def _problems(form: PlannerForm) -> str:
    """The form's errors as one sentence, for the PDF link's error page."""
    found = [f"{form[name].label.text}: {errors[0]}" for name, errors in form.errors.items() if name in form._fields]
    found.extend(form.form_errors)
    return gettext(
        "These workshop options cannot be used. %(problems)s Correct them in the planner on the guide page.",
        problems=" ".join(f"{p.rstrip('.')}." for p in found),
    )


BUSY = {
    "user": (429, N_("You already have a PDF being typeset. It takes a few seconds: try again in a moment.")),
    "all": (503, N_("Several PDFs are being typeset right now. Try again in a few seconds.")),
    "same": (503, N_("This PDF is still being typeset. Try again in a few seconds.")),
}


FAILED = N_("This PDF could not be typeset. Try again later or tell the site's operators.")


def _send_pdf(document: guide.Document, name: str):
    """The PDF from the shared store, typeset first if no server has made it yet, with its
    labels in the language of its text; with the guide worker on, a page saying it is being
    prepared until the worker has stored it."""
    user = str(current_user.id)
    store = DatabaseStore()
    try:
        if current_app.config["GUIDE_WORKER"]:
            data = store.get(document.key)
            if data is None:
                return _preparing(guide_jobs.ask(document, user))
        else:
            with force_locale(document.key.language.replace("-", "_")):
                data = guide.cached_pdf(store, document.key, document.build, user=user)
    except guide.Busy as exc:
        code, message = BUSY[exc.scope]
        response, _ = render_error(code, gettext(message))
        response.status_code = code
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["Cache-Control"] = "private, max-age=0"
    return response


def _preparing(status: str):
    """The page that waits for the guide worker. It reloads itself through the ``Refresh``
    header, which browsers honour without JavaScript, and offers to stop doing so: a page
    that changes under a screen reader every few seconds must let its reader turn that off
    (WCAG 2.2.1; for the same reason axe-core rejects a ``<meta>`` refresh outright)."""
    if status == "failed":
        return render_error(
            500, gettext("This PDF could not be typeset. Try again later or tell the site's operators.")
        )
    refresh = current_app.config["GUIDE_WAIT_REFRESH"]
    automatic = request.args.get("refresh") != "off"
    here = request.script_root + request.full_path  # ends in "?" when there is no query
    page = render_template(
        "guide/preparing.html",
        status=status,
        refresh=refresh if automatic else None,
        url=here.rstrip("?"),
        stop_url=here + ("&" if request.query_string else "") + "refresh=off",
    )
    headers = {"Retry-After": str(refresh), "Cache-Control": "no-store"}
    if automatic:
        headers["Refresh"] = str(refresh)
    return page, 202, headers


@bp.route("/guide")
@access(STAFF)
def index():
    catalogue = get_course()
    form = _planner_form()
    units, options = _plan_or_none(form)
    invalid = options is None and bool(request.args)
    options = options or guide.default_options(catalogue)
    agenda = guide.plan_workshop(units, options)
    article = guide.build_guide(catalogue, units, agenda)
    page = render_template(
        "guide/index.html",
        form=form,
        agenda=agenda,
        units=units,
        catalogue=catalogue,
        guide_html=article,
        pdf_url=url_for("guide.pdf", **carried_args(form)),
        planned=bool(request.args) and not form.errors and not form.form_errors,
        unit_minutes={u.id: u.workshop_minutes for u in catalogue.units},
    )
    return page, 400 if invalid else 200


@bp.route("/guide.pdf")
@access(STAFF)
def pdf():
    catalogue = get_course()
    form = _planner_form()
    units, options = _plan_or_none(form)
    if options is None:
        return render_error(400, _problems(form))
    scope = "" if len(units) == len(catalogue.units) else "-units-" + "-".join(str(u.order) for u in units)
    return _send_pdf(
        guide.guide_variant(catalogue, units, options),
        f"trainers-guide{scope}-{catalogue.version}.pdf",
    )


@bp.route("/guide/<name>.css")
@access(STAFF)
def stylesheet_file(name: str):
    if f"{name}.css" not in STYLESHEETS:
        abort(404)
    return Response(stylesheet(f"{name}.css"), mimetype="text/css")


@bp.route("/guide/fonts/<name>")
@access(STAFF)
def font(name: str):
    path = FONTS_DIR / name
    if not name.endswith(".woff2") or "/" in name or not path.is_file():
        abort(404)
    return send_file(path, mimetype="font/woff2", max_age=0)


def _paper_quiz(unit_id: str, answer_key: bool):
    catalogue = get_course()
    unit = unit_or_404(unit_id)
    if unit.quiz_id is None:
        abort(404)
    return _send_pdf(
        guide.unit_variant(catalogue, "quiz-key" if answer_key else "quiz-sheet", unit),
        f"quiz-unit-{unit.order}-{unit.id}{'-answer-key' if answer_key else ''}.pdf",
    )


@bp.route("/guide/units/<unit_id>/quiz.pdf")
@access(STAFF)
def quiz_sheet(unit_id: str):
    """The question sheet participants fill in on paper."""
    return _paper_quiz(unit_id, answer_key=False)


@bp.route("/guide/units/<unit_id>/quiz-answers.pdf")
@access(STAFF)
def quiz_key(unit_id: str):
    """The same sheet with the answers, explanations and feedback, for the trainer."""
    return _paper_quiz(unit_id, answer_key=True)


@bp.route("/guide/units/<unit_id>/handouts.pdf")
@access(STAFF)
def participant_handouts(unit_id: str):
    catalogue = get_course()
    unit = unit_or_404(unit_id)
    return _send_pdf(
        guide.unit_variant(catalogue, "participant-handouts", unit),
        f"handouts-unit-{unit.order}-{unit.id}.pdf",
    )


@bp.route("/units/<unit_id>/handout.pdf")
@access(SIGNED_IN)
def handout(unit_id: str):
    catalogue = get_course()
    unit = unit_or_404(unit_id)
    return _send_pdf(
        guide.unit_variant(catalogue, "handout", unit),
        f"unit-{unit.order}-{unit.id}.pdf",
    )
