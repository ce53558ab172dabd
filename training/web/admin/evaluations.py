"""The course evaluation's results at ``/admin/evaluation``, for administrators (everyone)
and trainers (the learners of their own groups), filtered like the reports, and as CSV.
Comments are shown escaped and never with a name."""

from __future__ import annotations

from flask import abort, render_template, request

from ...course import get_course
from ...reports import evaluations as report
from ...services.audit import record_export
from ..access import STAFF, access
from ..params import carried_args
from .blueprint import bp
from .common import actor, csv_response
from .reports import _context

OCCASIONS = ("", "course", "workshop")


def _results():
    evaluation = get_course().evaluation
    if evaluation is None:
        abort(404)
    occasion = request.args.get("occasion", "")
    if occasion not in OCCASIONS:
        occasion = ""
    context = _context()
    return context, occasion, report.evaluation_results(evaluation, context.scope, context.filters, occasion or None)


@bp.route("/evaluation")
@access(STAFF)
def evaluation_results():
    context, occasion, results = _results()
    args = carried_args(context.form) | ({"occasion": occasion} if occasion else {})  # nothing else (OUT-9)
    return render_template("admin/evaluation.html", form=context.form, occasion=occasion, results=results, args=args)


@bp.route("/evaluation.csv")
@access(STAFF)
def evaluation_csv():
    context, occasion, results = _results()
    record_export(actor(), "evaluation", {k: v for k, v in request.args.items() if v})
    return csv_response("evaluation", report.EVALUATION_COLUMNS, report.evaluation_records(results))
