"""LMS connections (LTI 1.3): administrators register a platform with the values its tool
settings show, read the tool's own addresses to paste into the platform, make a one-time
link for a platform that registers itself (dynamic registration), and turn a platform off
or on again (a confirmation page of its own, as for accounts, so that after re-entering the
password the administrator lands back on the form)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from ...i18n import gettext
from ...interop import lti
from ...queries import lti as queries
from ...services import lti as service
from ..access import ADMIN, access
from ..forms import ActionForm
from ..lti_forms import PlatformForm
from .blueprint import bp
from .common import actor, or_404


def tool_urls() -> list[tuple[str, str]]:
    return lti.tool_addresses(lambda endpoint: url_for(endpoint, _external=True))


@bp.route("/lti")
@access(ADMIN)
def lti_platforms():
    return render_template("admin/lti.html", platforms=queries.platforms(), tool=tool_urls(), form=ActionForm())


@bp.route("/lti/registration-link", methods=["POST"])
@access(ADMIN.recent())
def lti_registration_link():
    """A one-time link for an LMS that registers tools dynamically (Moodle 4.x, Canvas)."""
    token = service.create_registration_link(actor())
    return render_template("admin/lti_link.html", link=url_for("lti.register", token=token, _external=True))


@bp.route("/lti/new", methods=["GET", "POST"])
@access(ADMIN.recent())
def lti_new():
    form = PlatformForm()
    if form.validate_on_submit():
        fields = service.PlatformFields(
            name=form.name.data,
            issuer=form.issuer.data,
            client_id=form.client_id.data,
            auth_login_url=form.auth_login_url.data,
            auth_token_url=form.auth_token_url.data,
            key_set_url=form.key_set_url.data,
            deployment_ids=form.deployments(),
            token_audience=form.token_audience.data or "",
        )
        try:
            platform = service.register_platform(actor(), fields)
        except service.RegistrationError as exc:
            form.form_errors.extend(exc.problems)
        else:
            message = gettext(
                "%(platform)s is registered. Its instructors can now add the course.", platform=platform.name
            )
            flash(message, "success")
            return redirect(url_for("admin.lti_platforms"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/lti_new.html", form=form, tool=tool_urls()), status


@bp.route("/lti/<int:platform_id>/deactivate", methods=["GET", "POST"])
@access(ADMIN.recent())
def lti_deactivate(platform_id: int):
    return _platform_state(platform_id, active=False)


@bp.route("/lti/<int:platform_id>/reactivate", methods=["GET", "POST"])
@access(ADMIN.recent())
def lti_reactivate(platform_id: int):
    return _platform_state(platform_id, active=True)


def _platform_state(platform_id: int, active: bool):
    """The confirmation page (GET) and the change itself (POST)."""
    platform = queries.get_platform(platform_id)
    if platform is None:
        abort(404)
    form = ActionForm()
    if form.validate_on_submit():
        platform = or_404(lambda: service.set_platform_active(actor(), platform_id, active))
        if active:
            flash(gettext("%(platform)s can launch the course again.", platform=platform.name), "success")
        else:
            flash(gettext("%(platform)s is turned off: its launches are refused.", platform=platform.name), "success")
        return redirect(url_for("admin.lti_platforms"), code=303)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/lti_platform_state.html", platform=platform, active=active, form=form), status
