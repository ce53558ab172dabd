"""Blueprint "auth": sign in (with the second step when turned on), sign out, register,
change password, re-authenticate, two-step sign-in set-up."""

from __future__ import annotations

import math
import secrets
import time
from datetime import datetime
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, logout_user

from .. import i18n, metrics
from ..course import get_catalogue
from ..i18n import gettext, ngettext
from ..models import utcnow
from ..queries.accounts import user_by_id
from ..security import mark_reauthenticated, start_session
from ..services import accounts, credentials
from ..services.links import Outcome
from .access import PUBLIC, SIGNED_IN, access
from .forms import ChangePasswordForm, LanguageForm, LoginForm, ProfileMfaForm, ReauthForm, RegisterForm, TotpForm

bp = Blueprint("auth", __name__)

PENDING_MFA = "mfa_pending"
PENDING_MFA_SECONDS = 300
PENDING_TOTP = "totp_setup"


def safe_next(target: str | None, default: str = "learn.course_map") -> str:
    """Only same-site paths: ``/units/x``, never ``//host``, ``/\\host``, ``https:...``."""
    if target:
        target = target.strip()
        parts = urlsplit(target)
        if (
            target.startswith("/")
            and not target.startswith(("//", "/\\"))
            and "\\" not in target
            and not parts.scheme
            and not parts.netloc
            and all(ord(c) > 31 for c in target)
        ):
            return target
    return url_for(default)


def client_ip() -> str:
    return request.remote_addr or "unknown"


def locked_message(until: datetime) -> str:
    """How long signing in stays paused, from the lock itself (its length is a setting)."""
    minutes = max(1, math.ceil((until - utcnow()).total_seconds() / 60))
    return ngettext(
        "Too many failed attempts. For your security, signing in is paused for %(num)d minute.",
        "Too many failed attempts. For your security, signing in is paused for %(num)d minutes.",
        minutes,
    )


@bp.route("/login", methods=["GET", "POST"])
@access(PUBLIC)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        outcome = credentials.authenticate(form.email.data, form.password.data, client_ip())
        user = outcome.user
        if user is not None:
            if user.mfa_enabled:
                session.clear()
                session[PENDING_MFA] = {
                    "uid": user.id,
                    "sv": user.session_version,
                    "at": int(time.time()),
                    "next": safe_next(request.args.get("next")),
                }
                return redirect(url_for("auth.login_verify"))
            start_session(user)
            return redirect(safe_next(request.args.get("next")))
        metrics.sign_in_refused(locked=outcome.locked_until is not None)
        if outcome.locked_until is not None:
            form.form_errors.append(locked_message(outcome.locked_until))
            status = 429
        else:
            form.form_errors.append(gettext("The email address or password is not correct."))
            status = 401
    elif request.method == "POST":
        status = 400
    return render_template("auth/login.html", form=form), status


@bp.route("/login/verify", methods=["GET", "POST"])
@access(PUBLIC)
def login_verify():
    pending = session.get(PENDING_MFA)
    if not pending or time.time() - pending.get("at", 0) > PENDING_MFA_SECONDS:
        session.pop(PENDING_MFA, None)
        flash(gettext("Please sign in again."), "info")
        return redirect(url_for("auth.login"))
    form = TotpForm()
    status = 200
    if form.validate_on_submit():
        user = user_by_id(pending["uid"])
        lock = credentials.second_step_paused_until(pending["uid"], client_ip())
        if lock is not None:
            form.form_errors.append(locked_message(lock))
            status = 429
        elif (
            user
            and user.active
            and user.session_version == pending["sv"]
            and credentials.verify_second_factor(user.id, form.code.data)
        ):
            target = pending.get("next") or url_for("learn.course_map")
            start_session(user)
            return redirect(safe_next(target))
        else:
            credentials.record_failed_second_step(pending["uid"], client_ip())
            lock = credentials.second_step_paused_until(pending["uid"], client_ip())
            if lock is not None:
                form.form_errors.append(locked_message(lock))
                status = 429
            else:
                form.form_errors.append(gettext("That code is not correct, or it was already used."))
                status = 401
    return render_template("auth/login_verify.html", form=form), status


@bp.route("/logout", methods=["POST"])
@access(PUBLIC)
def logout():
    if current_user.is_authenticated:  # the form's CSRF token is checked before any view
        credentials.end_sessions(current_user.id)
    logout_user()
    session.clear()
    flash(gettext("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/register", methods=["GET", "POST"])
@access(PUBLIC)
def register():
    if current_user.is_authenticated:
        return redirect(url_for("learn.course_map"))
    if current_app.config["REGISTRATION"] == "invitation":
        return render_template("auth/registration_closed.html"), 403 if request.method == "POST" else 200
    form = RegisterForm(language=i18n.current_language())
    if form.validate_on_submit():
        try:
            registration = accounts.register(
                form.email.data,
                form.name.data,
                form.password.data,
                organisation=form.organisation.data or "",
                country=form.country.data or "",
                language=form.language.data,
                ip=client_ip(),
            )
        except accounts.AccountError as exc:
            form.email.errors.append(str(exc)) if "email" in str(exc).lower() else form.form_errors.append(str(exc))
        else:
            if registration.outcome == Outcome.CLIENT_LIMITED:
                abort(429)
            if registration.user is None:  # a link to confirm the address was mailed
                return render_template("auth/registered.html", email=form.email.data.strip())
            start_session(registration.user)
            i18n.choose(registration.user.language)
            flash(gettext("Welcome! Your account is ready. Start with the first unit below."), "success")
            return redirect(url_for("learn.course_map"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/account", methods=["GET", "POST"])
@access(SIGNED_IN)
def account():
    form = LanguageForm(language=current_user.language or i18n.current_language())
    if form.validate_on_submit():
        accounts.set_language(current_user.id, form.language.data)
        i18n.choose(form.language.data)
        flash(gettext("Your language is saved."), "success")
        return redirect(url_for("auth.account"))
    status = 400 if request.method == "POST" else 200
    return render_template("auth/account.html", form=form), status


@bp.route("/account/password", methods=["GET", "POST"])
@access(SIGNED_IN)
def change_password():
    form = ChangePasswordForm()
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        lock = credentials.locked_until(current_user.email, client_ip())
        try:
            if lock is not None:
                raise credentials.PasswordError(locked_message(lock))
            user = credentials.change_password(current_user.id, form.current.data, form.password.data)
        except credentials.WrongPassword as exc:
            credentials.record_failed_sign_in(current_user.email, client_ip())
            form.current.errors.append(str(exc))
            status = 401
        except credentials.PasswordError as exc:
            form.current.errors.append(str(exc))
            status = 429 if lock is not None else 400
        else:
            start_session(user)  # this browser continues; every other session has ended
            flash(gettext("Your password is changed. You were signed out everywhere else."), "success")
            return redirect(url_for("learn.dashboard"))
    return render_template("auth/change_password.html", form=form), status


@bp.route("/account/confirm", methods=["GET", "POST"])
@access(SIGNED_IN)
def reauthenticate():
    form = ReauthForm()
    status = 200
    if form.validate_on_submit():
        email = current_user.email
        lock = credentials.locked_until(email, client_ip())
        if lock is not None:
            form.password.errors.append(locked_message(lock))
            status = 429
        elif credentials.verify_password(user_by_id(current_user.id), form.password.data):
            mark_reauthenticated()
            return redirect(safe_next(request.args.get("next")))
        else:
            credentials.record_failed_sign_in(email, client_ip())
            form.password.errors.append(gettext("The password is not correct."))
            status = 401
    return render_template("auth/reauthenticate.html", form=form), status


@bp.route("/account/two-step", methods=["GET", "POST"])
@access(SIGNED_IN)
def mfa_setup():
    if current_user.mfa_enabled:
        return redirect(url_for("learn.dashboard"))
    # The cookie carries only a random value; the secret is derived from it on the server
    # (docs/security.md SIGN-6), and the recovery codes are shown in the answer itself.
    nonce = session.get(PENDING_TOTP) or secrets.token_urlsafe(16)
    session[PENDING_TOTP] = nonce
    secret = credentials.pending_totp_secret(current_user.id, nonce)
    form = ProfileMfaForm()
    if form.validate_on_submit():
        codes = credentials.enable_totp(current_user.id, secret, form.code.data)
        if codes is None:
            form.code.errors.append(gettext("That code is not correct. Check the time on your phone and try again."))
        else:
            session.pop(PENDING_TOTP, None)
            return render_template("auth/mfa_codes.html", codes=codes)
    uri = credentials.totp_uri(secret, current_user.email, get_catalogue().course.issuer_name)
    required = current_user.role.value in current_app.config["MFA_REQUIRED_ROLES"]
    status = 400 if request.method == "POST" else 200
    qr = credentials.totp_qr(uri)
    return render_template("auth/mfa_setup.html", form=form, secret=secret, uri=uri, qr=qr, required=required), status
