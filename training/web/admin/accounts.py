"""Accounts (administrators only): list and search, create, edit, change role, deactivate and
reactivate, reset a password. Role changes, deactivation and password resets need a recent
password (``ADMIN.recent()``) and have a confirmation page of their own, so that after
re-entering the password the administrator lands back on the form, not on a POST-only URL."""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectChoice

from ...i18n import N_, gettext, sorted_for_reading
from ...models import User
from ...permissions import Role
from ...queries.accounts import countries, get_account, list_accounts, organisations
from ...queries.audit import list_audit
from ...queries.groups import groups_of, list_groups
from ...services import accounts, erasure, links
from ..access import ADMIN, STAFF, access
from ..account import personal_data_download
from ..forms import ActionForm, country_name
from ..params import carried_args, page_number
from .blueprint import bp
from .common import actor, or_404
from .forms import INVITE, AccountEditForm, AccountFilterForm, AccountForm, EmailChangeForm, EraseForm, RoleForm


@bp.route("/")
@access(STAFF)
def index():
    if current_user.role != Role.ADMIN:
        return render_template("admin/trainer_home.html", groups=list_groups(actor()))
    return render_template("admin/index.html", groups=list_groups(actor()), recent=list_audit(per_page=8).items)


@bp.route("/users")
@access(ADMIN)
def users():
    form = AccountFilterForm(request.args)
    form.organisation.choices = [*form.organisation.choices, *(SelectChoice(o, o) for o in organisations())]
    form.country.choices = [
        *form.country.choices,
        *(SelectChoice(c, name) for c, name in sorted_for_reading((c, country_name(c) or c) for c in countries())),
    ]
    filters = form.data if form.validate() else {}
    page = list_accounts(
        search=filters.get("q") or "",
        role=filters.get("role") or "",
        organisation=filters.get("organisation") or "",
        country=filters.get("country") or "",
        language=filters.get("language") or "",
        status=filters.get("status") or "",
        page=page_number(),
    )
    return render_template("admin/users.html", form=form, page=page, args=carried_args(form))


@bp.route("/users/new", methods=["GET", "POST"])
@access(ADMIN.recent())
def user_new():
    form = AccountForm()
    if form.validate_on_submit():
        try:
            created = accounts.create_account(
                actor(),
                form.email.data,
                form.name.data,
                form.role.data,
                form.organisation.data or "",
                form.country.data or "",
                form.language.data or None,
                invite=form.delivery.data == INVITE,
            )
        except accounts.AccountError as exc:
            form.form_errors.append(str(exc))
        else:
            if created.temporary_password is None:
                flash(
                    gettext(
                        "The account is created and an invitation was sent to %(email)s.", email=created.user.email
                    ),
                    "success",
                )
                return redirect(url_for("admin.user", user_id=created.user.id), code=303)
            return render_template(
                "admin/password_issued.html", user=created.user, password=created.temporary_password, created=True
            )
    status = 400 if request.method == "POST" else 200
    return render_template("admin/user_new.html", form=form), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@access(ADMIN)
def user(user_id: int):
    account = or_404(lambda: get_account(user_id))
    form = AccountEditForm(obj=account, language=account.language or "")
    if form.validate_on_submit():
        try:
            accounts.update_account(
                actor(),
                account.id,
                form.name.data,
                form.organisation.data or "",
                form.country.data or "",
                form.language.data or "",
            )
        except accounts.AccountError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(gettext("The account is saved."), "success")
            return redirect(url_for("admin.user", user_id=account.id), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/user.html", account=account, form=form, memberships=groups_of(account.id)), status


def _account_action(
    user_id: int,
    template: str,
    action: Callable[[User], str | None],
    success: str,
    make_form: Callable[[User], FlaskForm] = lambda _account: ActionForm(),
):
    """A confirmation page (GET) and the action itself (POST), shared by the account actions.
    An action that returns a temporary password shows it once instead of redirecting."""
    account = or_404(lambda: get_account(user_id))
    form = make_form(account)
    if form.validate_on_submit():
        try:
            password = action(account)
        except (accounts.AccountError, links.LinkError) as exc:
            form.form_errors.append(str(exc))
        else:
            if password is not None:
                return render_template("admin/password_issued.html", user=account, password=password, created=False)
            flash(gettext(success), "success")
            return redirect(url_for("admin.user", user_id=account.id), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template(template, account=account, form=form), status


@bp.route("/users/<int:user_id>/role", methods=["GET", "POST"])
@access(ADMIN.recent())
def user_role(user_id: int):
    def change(account: User) -> None:
        accounts.change_role(actor(), account.id, request.form.get("role", ""))

    return _account_action(
        user_id,
        "admin/user_role.html",
        change,
        N_("The role is changed; the person's sessions were ended."),
        lambda account: RoleForm(data=None if request.method == "POST" else {"role": account.role.value}),
    )


@bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
@access(ADMIN.recent())
def user_deactivate(user_id: int):
    def deactivate(account: User) -> None:
        accounts.deactivate_account(actor(), account.id)

    return _account_action(
        user_id, "admin/user_deactivate.html", deactivate, N_("The account is deactivated and its sessions have ended.")
    )


@bp.route("/users/<int:user_id>/data.json")
@access(ADMIN)
def user_data(user_id: int):
    account = or_404(lambda: get_account(user_id))
    return personal_data_download(account.id)


@bp.route("/users/<int:user_id>/erase", methods=["GET", "POST"])
@access(ADMIN.recent())
def user_erase(user_id: int):
    def erase(account: User) -> None:
        erasure.erase_account(actor(), account.id, request.form.get("confirm", ""))

    return _account_action(
        user_id,
        "admin/user_erase.html",
        erase,
        N_("The account is erased: the person's data is gone; their anonymous results still count."),
        lambda _account: EraseForm(),
    )


@bp.route("/users/<int:user_id>/reactivate", methods=["GET", "POST"])
@access(ADMIN.recent())
def user_reactivate(user_id: int):
    def reactivate(account: User) -> None:
        accounts.reactivate_account(actor(), account.id)

    return _account_action(user_id, "admin/user_reactivate.html", reactivate, N_("The account is active again."))


@bp.route("/users/<int:user_id>/password", methods=["GET", "POST"])
@access(ADMIN.recent())
def user_password(user_id: int):
    return _account_action(
        user_id, "admin/user_password.html", lambda account: accounts.reset_password(actor(), account.id), ""
    )


@bp.route("/users/<int:user_id>/invitation", methods=["GET", "POST"])
@access(ADMIN.recent())
def user_invitation(user_id: int):
    def resend(account: User) -> None:
        links.resend_invitation(actor(), account.id)

    return _account_action(
        user_id, "admin/user_invitation.html", resend, N_("A new invitation is sent; the earlier link no longer works.")
    )


@bp.route("/users/<int:user_id>/email", methods=["GET", "POST"])
@access(ADMIN.recent())
def user_email(user_id: int):
    def change(account: User) -> None:
        links.change_email_for(actor(), account.id, request.form.get("email", ""))

    return _account_action(
        user_id,
        "admin/user_email.html",
        change,
        N_("The address is changed; the previous address was told."),
        lambda account: EmailChangeForm(data=None if request.method == "POST" else {"email": account.email}),
    )
