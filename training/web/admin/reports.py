"""Reports at ``/admin/reports``: overview, by unit, by learner, by organisation, by country,
by interface language, quiz questions, a print view, and each as CSV at ``/admin/reports/<name>.csv``.

Administrators see every learner, trainers the learners of their own groups. The screen and
the CSV are made from the same rows, so their numbers are the same. The per-learner CSV
(``completion.csv``) names people: it needs a recent password, and every export is audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import abort, render_template, request
from flask_login import current_user
from wtforms import Form, SelectChoice

from ... import reports
from ...charts import bar_chart, line_chart
from ...course import get_course
from ...i18n import N_, format_moment, format_month, gettext, language_name, sorted_for_reading
from ...models import utcnow
from ...permissions import Role
from ...progress import Status
from ...queries.accounts import countries, organisations
from ...queries.groups import GroupSummary, list_groups
from ...services.audit import record_export
from ..access import STAFF, access
from ..forms import country_name
from ..params import BadParameter, carried_args, optional_number, page_number
from .blueprint import bp
from .common import PER_PAGE, actor, csv_response
from .forms import LearnerListForm, ReportFilterForm

PAGES = "units,completion,organisations,countries,languages,questions"
AGGREGATE_CSVS = "overview,timeline,units,organisations,countries,languages,questions"
SEGMENTS = {"organisations": "organisation", "countries": "country", "languages": "language"}


@dataclass(frozen=True, slots=True)
class Context:
    scope: reports.Scope
    filters: reports.Filters
    form: ReportFilterForm
    groups: list[GroupSummary]
    valid: bool = True
    """False: a filter was refused (the page says which, with status 400; no filter applies)."""


def _context() -> Context:
    """Who sees what (scope) and what they asked for (filters). A group the person may not
    see answers 404, like a group that does not exist."""
    scope = reports.Scope.for_user(current_user)
    # An administrator's menus list every learner's: by role alone, read from an index.
    everyone = reports.scoped_learner_ids(scope) if scope.trainer_id is not None else None
    groups = list_groups(actor())
    form = ReportFilterForm(request.args)
    form.group.choices = [*form.group.choices, *(SelectChoice(str(g.group.id), g.group.name) for g in groups)]
    form.organisation.choices = [
        *form.organisation.choices,
        *(SelectChoice(o, o) for o in organisations(everyone, Role.LEARNER)),
    ]
    form.country.choices = [
        *form.country.choices,
        *(
            SelectChoice(c, name)
            for c, name in sorted_for_reading((c, country_name(c) or c) for c in countries(everyone, Role.LEARNER))
        ),
    ]
    if not form.validate():
        return Context(scope, reports.Filters(), form, groups, valid=False)
    group_id = optional_number(form.group.data, "group", 1)
    if group_id is not None and group_id not in {g.group.id for g in groups}:
        abort(404)
    filters = reports.Filters(
        group_id,
        form.organisation.data or None,
        (form.country.data or "").upper() or None,
        form.registered_from.data,
        form.registered_to.data,
        form.language.data or None,
    )
    return Context(scope, filters, form, groups)


def _chips(context: Context) -> list[tuple[str, str]]:
    """The filters in force, in words, for the line above the report (and on paper)."""
    f = context.filters
    names = {g.group.id: g.group.name for g in context.groups}
    chips = [
        (N_("Group"), names.get(f.group_id, "")) if f.group_id else None,
        (N_("Organisation"), f.organisation) if f.organisation else None,
        (N_("Country"), country_name(f.country) or f.country) if f.country else None,
        (N_("Language"), language_name(f.language) or gettext("None chosen")) if f.language else None,
        (N_("Registered from"), format_moment(f.registered_from)) if f.registered_from else None,
        (N_("Registered until"), format_moment(f.registered_to)) if f.registered_to else None,
    ]
    return [c for c in chips if c]


def _render(template: str, context: Context, valid: bool = True, **values):
    page = render_template(
        template,
        filters=context.filters,
        form=context.form,
        query=context.filters.query_args(),
        chips=_chips(context),
        **values,
    )
    return page, 200 if context.valid and valid else 400


def _refuse_bad_filters(*forms: Form) -> None:
    """A download or printout with a refused filter is refused (400, saying why), rather than
    holding every row."""
    for form in forms:
        for errors in form.errors.values():
            raise BadParameter(errors[0])


def _unit_chart(rows: list[reports.UnitRow]):
    return bar_chart(
        gettext("Completion by unit"),
        [(gettext("Unit %(number)s: %(title)s", number=r.order, title=r.title), r.completion_rate) for r in rows],
    )


def _country_chart(rows: list[reports.SegmentRow]):
    top = [r for r in rows if r.key][:15]
    title = (
        gettext("Completion rate by country (the 15 with most learners)")
        if len(rows) > 15
        else gettext("Completion rate by country")
    )
    return bar_chart(title, [(country_name(r.key) or r.key, r.completion_rate) for r in top])


def _timeline_chart(rows: tuple[reports.MonthRow, ...]):
    return line_chart(gettext("Course completions per month"), [(format_month(r.month), r.completions) for r in rows])


@bp.route("/reports")
@access(STAFF)
def reports_overview():
    context = _context()
    result = reports.overview(get_course(), context.scope, context.filters)
    return _render("admin/reports/overview.html", context, report=result, chart=_timeline_chart(result.timeline))


@bp.route(f"/reports/<any({PAGES}):name>")
@access(STAFF)
def report(name: str):
    context = _context()
    catalogue = get_course()
    if name == "units":
        rows = reports.unit_rows(catalogue, context.scope, context.filters)
        return _render("admin/reports/units.html", context, rows=rows, chart=_unit_chart(rows))
    if name == "completion":
        return _learners(context)
    if name in SEGMENTS:
        segments = reports.segment_rows(catalogue, context.scope, context.filters, SEGMENTS[name])
        chart = _country_chart(segments) if name == "countries" else None
        return _render("admin/reports/segments.html", context, rows=segments, name=name, chart=chart)
    questions = reports.question_rows(catalogue, context.scope, context.filters)
    return _render("admin/reports/questions.html", context, rows=questions)


def _learner_query() -> tuple[LearnerListForm, dict]:
    form = LearnerListForm(request.args)
    if not form.validate():
        return form, {}
    status = Status(form.status.data) if form.status.data else None
    return form, {"search": form.q.data or "", "status": status, "sort": form.sort.data or "name"}


def _learners(context: Context):
    catalogue = get_course()
    list_form, query = _learner_query()
    page = reports.learner_page(
        catalogue, context.scope, context.filters, page=page_number(), per_page=PER_PAGE, **query
    )
    args = carried_args(context.form, list_form)
    return _render(
        "admin/reports/completion.html",
        context,
        valid=not list_form.errors,
        rows=page.items,
        total=page.total,
        page=page.page,
        pages=page.pages,
        list_form=list_form,
        args=args,
        units_total=len(catalogue.units),
    )


@bp.route("/reports/print")
@access(STAFF)
def report_print():
    """Overview, units, countries and organisations on one printable page, from one pass over
    the learners (the quiz questions print from their own page)."""
    context = _context()
    _refuse_bad_filters(context.form)  # the printed page has no form to show the problem on
    result = reports.summary(get_course(), context.scope, context.filters)
    return _render(
        "admin/reports/print.html",
        context,
        report=result.report,
        units=result.units,
        organisations=result.organisations,
        countries=result.countries,
        now=utcnow(),
        timeline_chart=_timeline_chart(result.report.timeline),
        unit_chart=_unit_chart(result.units),
        country_chart=_country_chart(result.countries),
    )


@bp.route(f"/reports/<any({AGGREGATE_CSVS}):name>.csv")
@access(STAFF)
def report_csv(name: str):
    context = _context()
    _refuse_bad_filters(context.form)
    catalogue = get_course()
    info = reports.REPORTS[name]
    if name in ("overview", "timeline"):
        result = reports.overview(catalogue, context.scope, context.filters)
        rows = (
            [reports.overview_record(result.overview)]
            if name == "overview"
            else [reports.timeline_record(m) for m in result.timeline]
        )
    elif name == "units":
        rows = [reports.unit_record(r) for r in reports.unit_rows(catalogue, context.scope, context.filters)]
    elif name == "organisations":
        rows = [
            reports.segment_record(r, r.key)
            for r in reports.segment_rows(catalogue, context.scope, context.filters, "organisation")
        ]
    elif name == "countries":
        rows = [
            (country_name(r.key), *reports.segment_record(r, r.key))
            for r in reports.segment_rows(catalogue, context.scope, context.filters, "country")
        ]
    elif name == "languages":
        rows = [
            (language_name(r.key), *reports.segment_record(r, r.key))
            for r in reports.segment_rows(catalogue, context.scope, context.filters, "language")
        ]
    else:
        rows = [reports.question_record(r) for r in reports.question_rows(catalogue, context.scope, context.filters)]
    record_export(actor(), name, context.filters.query_args())
    return csv_response(name, info.columns, rows)


@bp.route("/reports/completion.csv")
@access(STAFF.recent())
def completion_csv():
    """One row per learner; streamed, so 10,000 learners never sit in memory at once."""
    context = _context()
    list_form, query = _learner_query()
    _refuse_bad_filters(context.form, list_form)
    batches = reports.completion_batches(get_course(), context.scope, context.filters, **query)
    record_export(actor(), "completion", {**context.filters.query_args(), **{k: str(v) for k, v in query.items() if v}})
    return csv_response("completion", reports.COMPLETION_COLUMNS, batches=batches)
