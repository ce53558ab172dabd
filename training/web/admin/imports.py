"""CSV imports in two steps: upload and check (every row's problems, with row numbers), then
confirm (one transaction: every row or none). Accounts at ``/admin/import``, a group's
members at ``/admin/groups/<id>/import``. Both need a recent password."""

from __future__ import annotations

import base64

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for

from ...csvio import write_csv
from ...i18n import gettext
from ...models import Group
from ...queries.groups import group_for
from ...services import imports, ratelimit
from ..access import ADMIN, access
from .blueprint import bp
from .common import actor, found, or_404
from .forms import INVITE, ConfirmImportForm, ImportForm

TEMPLATE_ROWS = [
    ("email", "name", "organisation", "country", "role", "groups"),
    ("amina.diallo@interior.gov.example", "Amina Diallo", "Ministry of Interior", "SN", "learner", ""),
    ("jose.perez@labour.gov.example", "José Pérez", "Ministry of Labour", "Mexico", "learner", ""),
]


def _upload(kind: imports.ImportKind, group: Group | None = None):
    form = ImportForm()
    plan = None
    if form.validate_on_submit():
        config = current_app.config
        key = ratelimit.account_key("import", actor().user_id)
        if not ratelimit.hit(key, config["IMPORTS_PER_ACCOUNT"], config["RATE_LIMIT_WINDOW"]):
            abort(429)
        upload = form.file.data
        with found():
            plan = imports.preview_import(
                actor(), kind, upload.read(), upload.filename or "", group.id if group else None
            )
        if plan.ok:
            return redirect(url_for("admin.import_preview", token=plan.token), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "admin/import.html",
        form=form,
        plan=plan,
        kind=kind.value,
        group=group,
        max_rows=current_app.config["IMPORT_MAX_ROWS"],
    ), status


@bp.route("/import", methods=["GET", "POST"])
@access(ADMIN.recent())
def import_users():
    return _upload(imports.ImportKind.USERS)


@bp.route("/groups/<int:group_id>/import", methods=["GET", "POST"])
@access(ADMIN.recent())
def group_import(group_id: int):
    group = or_404(lambda: group_for(actor(), group_id))
    return _upload(imports.ImportKind.MEMBERS, group)


@bp.route("/import/template.csv")
@access(ADMIN)
def import_template():
    response = Response(write_csv(TEMPLATE_ROWS[0], TEMPLATE_ROWS[1:]), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="accounts-template.csv"'
    return response


@bp.route("/import/<token>", methods=["GET", "POST"])
@access(ADMIN.recent())
def import_preview(token: str):
    plan = or_404(lambda: imports.pending_plan(actor(), token))
    form = ConfirmImportForm()
    group_id = plan.group_id
    group = or_404(lambda: group_for(actor(), group_id)) if group_id is not None else None
    if form.validate_on_submit():
        try:
            with found():
                result = imports.confirm_import(actor(), token, invite=form.delivery.data == INVITE)
        except imports.ImportRejected as exc:
            plan = exc.plan
        else:
            if result.created:
                return render_template(
                    "admin/import_done.html", result=result, group=group, passwords_csv=_passwords_csv(result)
                )
            flash(_summary(result), "success")
            return redirect(url_for("admin.group", group_id=group.id) if group else url_for("admin.users"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/import_preview.html", plan=plan, form=form, token=token, group=group), status


def _passwords_csv(result: imports.ImportResult) -> str | None:
    """The new accounts' temporary passwords as a CSV file the page offers to download (a
    ``data:`` link: the passwords are kept nowhere readable on the server, so the file is
    made now, once, with the page)."""
    rows = [(new.user.name, new.user.email, new.temporary_password) for new in result.created if new.temporary_password]
    if not rows:
        return None
    text = write_csv((gettext("Name"), gettext("Email"), gettext("Temporary password")), rows)
    return "data:text/csv;charset=utf-8;base64," + base64.b64encode(text.encode("utf-8")).decode("ascii")


def _summary(result: imports.ImportResult) -> str:
    if result.kind == imports.ImportKind.MEMBERS:
        return gettext(
            "Imported rows: %(rows)s. Memberships added or changed: %(memberships)s.",
            rows=result.rows,
            memberships=result.memberships,
        )
    return gettext(
        "Rows: %(rows)s. Accounts created: %(created)s; updated: %(updated)s; unchanged: %(unchanged)s. "
        "Group memberships added: %(memberships)s.",
        rows=result.rows,
        created=len(result.created),
        updated=result.updated,
        unchanged=result.unchanged,
        memberships=result.memberships,
    )
