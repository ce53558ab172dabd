"""Groups (workshops and cohorts). Administrators create them and assign trainers and learners;
a trainer opens only their own groups: the learner-by-unit matrix, a learner's detail,
attendance at in-person sessions and marking a unit complete for those who attended. Another
group's page, or a learner outside the trainer's groups, answers 404 like a missing id."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from wtforms import SelectChoice

from ...content.model import Catalogue
from ...course import get_course
from ...i18n import gettext, ngettext
from ...models import User
from ...queries.groups import attendance_sessions, group_for, group_members, groups_of, learner_for, list_groups
from ...reports import group_matrix, learner_detail, matrix_header, matrix_record
from ...services import audit, grants, groups, workshops
from ..access import ADMIN, STAFF, access
from ..forms import ActionForm
from ..params import number, optional_number
from .blueprint import bp
from .common import actor, csv_response, found, or_404
from .forms import AttendanceForm, GrantAttemptsForm, GroupForm, MemberForm, UndoMarkForm


@bp.route("/groups", endpoint="groups")
@access(STAFF)
def group_list():
    return render_template("admin/groups.html", groups=list_groups(actor()))


@bp.route("/groups/new", methods=["GET", "POST"])
@access(ADMIN)
def group_new():
    form = GroupForm()
    if form.validate_on_submit():
        try:
            group = groups.create_group(
                actor(), form.name.data, form.description.data or "", form.starts_on.data, form.ends_on.data
            )
        except groups.GroupError as exc:
            form.name.errors.append(str(exc))
        else:
            flash(gettext("The group is created. Now add its trainers and learners."), "success")
            return redirect(url_for("admin.group", group_id=group.id), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/group_form.html", form=form, group=None), status


@bp.route("/groups/<int:group_id>")
@access(STAFF)
def group(group_id: int):
    group = or_404(lambda: group_for(actor(), group_id))
    catalogue = get_course()
    return render_template(
        "admin/group.html",
        group=group,
        catalogue=catalogue,
        matrix=group_matrix(catalogue, group.id),
        members=group_members(group.id),
        sessions=attendance_sessions(group.id),
        units={u.id: u for u in catalogue.units},
        member_form=MemberForm(),
        remove_form=ActionForm(),
    )


@bp.route("/groups/<int:group_id>/matrix.csv")
@access(STAFF.recent())
def group_matrix_csv(group_id: int):
    group = or_404(lambda: group_for(actor(), group_id))
    catalogue = get_course()
    rows = group_matrix(catalogue, group.id)
    audit.record_export(actor(), "group matrix", {"group": str(group.id)})
    return csv_response(
        f"group-{group.id}-progress", matrix_header(catalogue), (matrix_record(catalogue, row) for row in rows)
    )


@bp.route("/groups/<int:group_id>/edit", methods=["GET", "POST"])
@access(ADMIN)
def group_edit(group_id: int):
    group = or_404(lambda: group_for(actor(), group_id))
    form = GroupForm(obj=group)
    if form.validate_on_submit():
        try:
            with found():
                groups.update_group(
                    actor(),
                    group.id,
                    form.name.data,
                    form.description.data or "",
                    form.starts_on.data,
                    form.ends_on.data,
                )
        except groups.GroupError as exc:
            form.name.errors.append(str(exc))
        else:
            flash(gettext("The group is saved."), "success")
            return redirect(url_for("admin.group", group_id=group.id), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/group_form.html", form=form, group=group), status


@bp.route("/groups/<int:group_id>/members", methods=["POST"])
@access(ADMIN)
def group_member_add(group_id: int):
    group = or_404(lambda: group_for(actor(), group_id))
    form = MemberForm()
    if form.validate_on_submit():
        try:
            user = groups.add_member(actor(), group.id, form.email.data, form.role.data)
        except groups.GroupError as exc:
            flash(str(exc), "error")
        else:
            flash(gettext("%(name)s is in the group.", name=user.name), "success")
    else:
        for errors in form.errors.values():
            flash(errors[0], "error")
    return redirect(url_for("admin.group", group_id=group.id) + "#members", code=303)


@bp.route("/groups/<int:group_id>/members/<int:user_id>/remove", methods=["POST"])
@access(ADMIN)
def group_member_remove(group_id: int, user_id: int):  # the form's CSRF token is checked before any view
    with found():
        groups.remove_member(actor(), group_id, user_id)
    flash(gettext("Removed from the group. Their records are kept."), "success")
    return redirect(url_for("admin.group", group_id=group_id) + "#members", code=303)


@bp.route("/groups/<int:group_id>/attendance", methods=["GET", "POST"])
@access(STAFF)
def group_attendance(group_id: int):
    group = or_404(lambda: group_for(actor(), group_id))
    catalogue = get_course()
    learners = [m.user for m in group_members(group.id) if m.is_learner]
    form = AttendanceForm(data=None if request.method == "POST" else {"session_date": date.today()})
    form.unit.choices = [
        SelectChoice("", gettext("Choose a unit")),
        *(
            SelectChoice(u.id, gettext("Unit %(number)s: %(title)s", number=u.order, title=u.title))
            for u in catalogue.units
        ),
    ]
    form.present.choices = [SelectChoice(u.id, u.name) for u in learners]
    if form.validate_on_submit():
        try:
            with found():
                result = workshops.record_attendance(
                    actor(),
                    catalogue,
                    group.id,
                    form.unit.data,
                    form.session_date.data,
                    form.present.data,
                    form.mark_complete.data,
                )
        except groups.GroupError as exc:
            form.form_errors.append(str(exc))
        else:
            message = ngettext(
                "Attendance recorded for %(num)d learner.", "Attendance recorded for %(num)d learners.", result.present
            )
            if form.mark_complete.data:
                message += " " + ngettext(
                    "The unit is now marked complete for %(num)d more learner.",
                    "The unit is now marked complete for %(num)d more learners.",
                    result.marked_complete,
                )
            flash(message, "success")
            return redirect(url_for("admin.group", group_id=group.id), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/attendance.html", group=group, form=form, learners=learners), status


@bp.route("/groups/<int:group_id>/completions/undo", methods=["POST"])
@access(STAFF)
def group_unmark(group_id: int):
    form = UndoMarkForm()
    if not form.validate_on_submit():
        abort(400)
    learner_id = number(form.learner.data, "learner", 1)
    with found():
        removed = workshops.undo_unit_completion(actor(), group_id, form.unit.data, learner_id)
    flash(
        gettext("The trainer's mark is removed.")
        if removed
        else gettext("There was no mark from this group to remove."),
        "success" if removed else "info",
    )
    return redirect(url_for("admin.learner", user_id=learner_id, group=group_id), code=303)


def _grant_form(catalogue: Catalogue) -> GrantAttemptsForm:
    form = GrantAttemptsForm()
    form.quiz.choices = [SelectChoice(q.id, q.title) for q in catalogue.quizzes.values() if q.attempts]
    return form


@bp.route("/learners/<int:user_id>")
@access(STAFF)
def learner(user_id: int):
    person = or_404(lambda: learner_for(actor(), user_id))
    return _learner_page(person, _grant_form(get_course()))


def _learner_page(person: User, grant_form: GrantAttemptsForm, status: int = 200):
    catalogue = get_course()
    group_id = optional_number(request.args.get("group"), "group", 1)
    from_group = None
    if group_id is not None:
        with found():
            from_group = group_for(actor(), group_id)
    # A trainer sees the learner through their own groups only: other groups are not named.
    mine = {g.group.id for g in list_groups(actor())}
    memberships = [(g, r) for g, r in groups_of(person.id) if g.id in mine]
    page = render_template(
        "admin/learner.html",
        person=person,
        catalogue=catalogue,
        detail=learner_detail(catalogue, person.id),
        from_group=from_group,
        units={u.id: u for u in catalogue.units},
        my_groups=mine,
        memberships=memberships,
        undo_form=UndoMarkForm(),
        grant_form=grant_form,
    )
    return page, status


@bp.route("/learners/<int:user_id>/attempts", methods=["POST"])
@access(STAFF)
def grant_attempts(user_id: int):
    """Trainers (for the learners of their groups) and administrators give extra attempts."""
    person = or_404(lambda: learner_for(actor(), user_id))
    catalogue = get_course()
    form = _grant_form(catalogue)
    if not form.validate_on_submit():
        return _learner_page(person, form, 400)
    quiz = catalogue.quizzes[form.quiz.data]
    grants.grant_attempts(actor(), person.id, quiz, form.extra.data, form.reason.data)
    flash(
        ngettext(
            "%(name)s has %(num)d more attempt at “%(quiz)s”.",
            "%(name)s has %(num)d more attempts at “%(quiz)s”.",
            form.extra.data,
            name=person.name,
            quiz=quiz.title,
        ),
        "success",
    )
    return redirect(url_for("admin.learner", user_id=person.id), code=303)
