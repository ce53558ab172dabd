"""Blueprint "account": what a person does through links sent by email — reset a forgotten
password, accept an invitation, confirm their address, move their account to a new one —
and the forms that send those links; the person's own profile, and the download of
everything the platform holds about them.

Opening a link (GET) changes nothing, so a mail scanner that fetches it uses nothing up; the
page's button (POST) does. A link that is unknown, used, expired or replaced answers with one
page that offers a new one and never says which of these it was.
"""

from __future__ import annotations

import json
from datetime import date

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from .. import i18n
from ..extensions import csrf
from ..i18n import gettext
from ..models import User
from ..permissions import Actor, Role
from ..queries import limits
from ..queries.accounts import user_by_id
from ..queries.mail import is_unsubscribed
from ..queries.personal import personal_data
from ..security import start_session
from ..services import accounts, audit, credentials, links, ratelimit, reminders
from ..services.links import LinkInvalid, Outcome, Purpose
from .access import PUBLIC, SIGNED_IN, access
from .auth import client_ip, locked_message
from .forms import ActionForm, ChangeEmailForm, ForgotPasswordForm, NewPasswordForm, ProfileForm

bp = Blueprint("account", __name__)


def _status() -> int:
    return 400 if request.method == "POST" else 200


def _link_user(token: str, purpose: Purpose) -> links.LinkFor | None:
    """The account a link is for; None when the link does not work. A client that keeps
    trying links that do not work is refused for a while (429)."""
    config = current_app.config
    key = ratelimit.client_key("bad-link", client_ip())
    if limits.exceeded(key, config["LINK_ATTEMPTS_PER_CLIENT"], config["RATE_LIMIT_WINDOW"]):
        abort(429)
    try:
        return links.account_for_link(token, purpose)
    except LinkInvalid:
        ratelimit.hit(key, config["LINK_ATTEMPTS_PER_CLIENT"], config["RATE_LIMIT_WINDOW"])
        return None


def _link_invalid(purpose: Purpose):
    return render_template("account/link_invalid.html", purpose=purpose.value), 400


@bp.route("/password/forgot", methods=["GET", "POST"])
@access(PUBLIC)
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        if links.request_password_reset(form.email.data, client_ip()) == Outcome.CLIENT_LIMITED:
            abort(429)
        hours = max(1, round(current_app.config["PASSWORD_RESET_LIFETIME"].total_seconds() / 3600))
        return render_template("account/forgot_sent.html", email=form.email.data.strip(), hours=hours)
    return render_template("account/forgot.html", form=form), _status()


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def reset_password(token: str):
    found = _link_user(token, Purpose.RESET)
    if found is None:
        return _link_invalid(Purpose.RESET)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            links.reset_password(token, form.password.data, client_ip())
        except LinkInvalid:
            return _link_invalid(Purpose.RESET)
        except credentials.PasswordError as exc:
            form.password.errors.append(str(exc))
        else:
            logout_user()
            session.clear()
            flash(gettext("Your new password is saved and you were signed out everywhere. Sign in with it."), "success")
            return redirect(url_for("auth.login"), code=303)
    return render_template("account/new_password.html", form=form, user=found.user, purpose="reset"), _status()


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def accept_invitation(token: str):
    found = _link_user(token, Purpose.INVITE)
    if found is None or not found.user.active:
        return _link_invalid(Purpose.INVITE)
    form = NewPasswordForm()
    if form.validate_on_submit():
        try:
            user = links.accept_invitation(token, form.password.data, client_ip())
        except LinkInvalid:
            return _link_invalid(Purpose.INVITE)
        except credentials.PasswordError as exc:
            form.password.errors.append(str(exc))
        else:
            if user.mfa_enabled:  # the second step still applies
                flash(gettext("Your password is saved. Sign in with it."), "success")
                return redirect(url_for("auth.login"), code=303)
            start_session(user)
            flash(gettext("Welcome! Your password is saved and you are signed in."), "success")
            return redirect(url_for("learn.course_map"), code=303)
    return render_template("account/new_password.html", form=form, user=found.user, purpose="invitation"), _status()


@bp.route("/email/verify/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def verify_email(token: str):
    found = _link_user(token, Purpose.VERIFY)
    if found is None:
        return _link_invalid(Purpose.VERIFY)
    form = ActionForm()
    if form.validate_on_submit():
        try:
            links.verify_email(token)
        except LinkInvalid:
            return _link_invalid(Purpose.VERIFY)
        return _confirmed(found.user, gettext("Your email address is confirmed."))
    return render_template("account/confirm.html", form=form, email=found.user.email, purpose="verify"), _status()


@bp.route("/email/confirm/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def confirm_email(token: str):
    found = _link_user(token, Purpose.EMAIL)
    if found is None:
        return _link_invalid(Purpose.EMAIL)
    form, user, new_email = ActionForm(), found.user, found.new_email
    if form.validate_on_submit():
        try:
            links.confirm_email_change(token, client_ip())
        except LinkInvalid:
            return _link_invalid(Purpose.EMAIL)
        except links.LinkError as exc:
            form.form_errors.append(str(exc))
        else:
            return _confirmed(user, gettext("Your account now uses the address %(email)s.", email=new_email))
    return render_template("account/confirm.html", form=form, email=new_email, purpose="email"), _status()


def _confirmed(user: User, message: str):
    flash(message, "success")
    if current_user.is_authenticated and current_user.id == user.id:
        return redirect(url_for("auth.account"), code=303)
    return redirect(url_for("auth.login"), code=303)


@bp.route("/account/email", methods=["GET", "POST"])
@access(SIGNED_IN)
def change_email():
    form = ChangeEmailForm()
    status = _status()
    if form.validate_on_submit():
        email, ip = current_user.email, client_ip()
        lock = credentials.locked_until(email, ip)
        if lock is not None:
            form.password.errors.append(locked_message(lock))
            status = 429
        elif not credentials.verify_password(user_by_id(current_user.id), form.password.data):
            credentials.record_failed_sign_in(email, ip)
            form.password.errors.append(gettext("The password is not correct."))
            status = 401
        else:
            try:
                outcome = links.request_email_change(current_user.id, form.email.data, ip)
            except links.LinkError as exc:
                form.email.errors.append(str(exc))
            else:
                if outcome == Outcome.CLIENT_LIMITED:
                    abort(429)
                return render_template("account/change_email_sent.html", email=form.email.data.strip())
    return render_template("account/change_email.html", form=form), status


@bp.route("/account/confirm-address", methods=["GET", "POST"])
@access(SIGNED_IN)
def verify_pending():
    """Where a person whose address is not confirmed yet lands (``REGISTRATION = "verified"``)."""
    if current_user.email_verified_at is not None:
        return redirect(url_for("learn.course_map"))
    form = ActionForm()
    if form.validate_on_submit():
        if links.request_verification(current_user.id, client_ip()) == Outcome.CLIENT_LIMITED:
            abort(429)
        flash(gettext("We sent a new link to %(email)s.", email=current_user.email), "success")
        return redirect(url_for("account.verify_pending"), code=303)
    return render_template("account/verify_pending.html", form=form), _status()


@bp.route("/account/profile", methods=["GET", "POST"])
@access(SIGNED_IN)
def profile():
    user = current_user
    form = ProfileForm(
        obj=user,
        language=user.language or i18n.current_language(),
        time_zone=user.time_zone or "",
        reminders=not is_unsubscribed(user.id, "reminder"),
        digest=not is_unsubscribed(user.id, "digest"),
        staff=user.role != Role.LEARNER,
    )
    if form.validate_on_submit():
        try:
            accounts.update_account(
                Actor.of(user, client_ip()),
                user.id,
                form.name.data,
                form.organisation.data or "",
                form.country.data or "",
                form.language.data,
                form.time_zone.data or "",
                subscriptions=form.subscriptions(),
            )
        except accounts.AccountError as exc:
            form.form_errors.append(str(exc))
        else:
            i18n.choose(form.language.data)
            flash(gettext("Your profile is saved."), "success")
            return redirect(url_for("auth.account"), code=303)
    return render_template("account/profile.html", form=form), _status()


def attachment(name: str, mimetype: str, body: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{date.today().isoformat()}.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


def personal_data_download(user_id: int) -> Response:
    """Everything held about the person as a JSON file; recorded, as every export of personal data."""
    audit.record_export(Actor.of(current_user, client_ip()), "personal-data", {"account": str(user_id)})
    body = json.dumps(personal_data(user_id), ensure_ascii=False, indent=2, default=str)
    return attachment(f"personal-data-{user_id}", "application/json", body)


@bp.route("/account/data.json")
@access(SIGNED_IN)
def my_data():
    return personal_data_download(current_user.id)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@access(PUBLIC)
@csrf.exempt  # checked below, for every body but RFC 8058's one-click one
def unsubscribe(token: str):
    """The link at the foot of every reminder and in its ``List-Unsubscribe`` header: no
    sign-in (the signed token names the person and the kind). GET only shows the button, so
    a mail scanner fetching the link changes nothing; the button's POST carries the form's
    CSRF token like every form (the GET set the cookie). A mail program's one-click POST
    (body ``List-Unsubscribe=One-Click``, RFC 8058) comes with no cookie and no CSRF token:
    the signed token is its authentication, and that body can do nothing but unsubscribe."""
    one_click = request.method == "POST" and reminders.is_one_click(request.form)
    if request.method == "POST" and not one_click:
        csrf.protect()
    found = reminders.read_unsubscribe_token(token)
    if found is None:
        return render_template("account/unsubscribe.html", invalid=True), 400
    user, kind = found
    form = ActionForm()
    done = is_unsubscribed(user.id, kind)
    if not done and (one_click or form.validate_on_submit()):
        reminders.unsubscribe(user.id, kind)
        done = True
    return render_template("account/unsubscribe.html", invalid=False, kind=kind, email=user.email, done=done, form=form)
