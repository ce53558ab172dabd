"""Blueprint "evaluation": the course evaluation, an optional questionnaire a learner answers
once at the end of the course (``/evaluation``) and once after a workshop
(``/evaluation?group=<id>``, for the learners of that group)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..course import get_course
from ..evaluation import COURSE, FIELD_PREFIX, Answers, read_answers, workshop_occasion
from ..fields import whole_number
from ..i18n import gettext
from ..queries.evaluations import has_answered, learner_in_group
from ..services import evaluations
from .access import SIGNED_IN, access

bp = Blueprint("evaluation", __name__)


def _occasion() -> tuple[str, int | None]:
    group = request.args.get("group", "")
    if not group:
        return COURSE, None
    group_id = whole_number(group)  # ASCII digits that fit the database, never "²" (OUT-8)
    if group_id is None or not learner_in_group(current_user.id, group_id):
        abort(404)
    return workshop_occasion(group_id), group_id


@bp.route("/evaluation", methods=["GET", "POST"])
@access(SIGNED_IN)
def form():
    evaluation = get_course().evaluation
    if evaluation is None:
        abort(404)
    occasion, group_id = _occasion()
    answered = has_answered(current_user.id, evaluation.id, occasion)
    answers = Answers({}, {}, {})
    status = 200
    if request.method == "POST" and not answered:
        answers = read_answers(evaluation, request.form)
        if not answers.problems and not answers.empty:
            try:
                evaluations.submit(current_user.id, evaluation, answers, occasion, group_id)
            except evaluations.AlreadyAnswered:
                answered = True
            else:
                flash(gettext("Thank you: your answers are saved."), "success")
                return redirect(url_for("evaluation.form", group=group_id), code=303)
        status = 400
    elif request.method == "POST":
        status = 409
    return (
        render_template(
            "evaluation/form.html",
            evaluation=evaluation,
            answers=answers,
            answered=answered,
            workshop=group_id is not None,
            prefix=FIELD_PREFIX,
            nothing=request.method == "POST" and answers.empty and not answers.problems and not answered,
        ),
        status,
    )
