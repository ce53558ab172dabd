"""Blueprint "lti" (``/lti``): the tool side of LTI 1.3.

* ``/lti/login``: the platform starts a login; the tool answers with an authentication
  request carrying a new ``state`` (also in a cookie) and ``nonce``.
* ``/lti/launch``: the platform posts the signed ``id_token``; every check of the
  specification runs (``training.interop.lti.verify_launch``), the login is used up, and
  the person is signed in and sent to the course or the unit the link names.
* ``/lti/deep-link``: an instructor chooses what to place in the LMS course (the whole
  course or units), and the tool returns a signed Deep Linking response.
* ``/lti/jwks``: the tool's public keys, for the platform to check the tool's signatures.

``login`` and ``launch`` come from the platform's pages, so they carry no CSRF token of
ours: the signed token, the single-use nonce and the state bound to the browser protect them.
"""

from __future__ import annotations

import hmac
import logging
import time
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, abort, current_app, jsonify, redirect, render_template, request, session, url_for

from ..content.model import Catalogue
from ..course import get_catalogue, get_course
from ..extensions import csrf
from ..i18n import gettext
from ..interop import lti
from ..queries import lti as queries
from ..security import CONTENT_SECURITY_POLICY, start_session
from ..services import lti as service
from .access import PUBLIC, STAFF, access
from .lti_forms import COURSE, DeepLinkForm

bp = Blueprint("lti", __name__, url_prefix="/lti")
log = logging.getLogger(__name__)

STATE_COOKIE = "lti1p3_state"
AUTH_VIA = "auth_via"
DEEP_LINK = "lti_deep_link"


def refuse(message: str, status: int = 400):
    """The refusal page: what went wrong, in the reader's language (the log has it too)."""
    log.warning("LTI refused (%s): %s", request.endpoint, message)
    return render_template("lti/refused.html", message=message), status


def _ours(url: str) -> bool:
    """A target on this site (the host the platform was given), never elsewhere."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and parts.netloc == request.host


def _unit_of(url: str) -> str:
    path = urlsplit(url).path.rstrip("/").split("/")
    if len(path) == 3 and path[1] == "units":
        try:
            return get_catalogue().unit(path[2]).id
        except KeyError:
            return ""
    return ""


@bp.route("/login", methods=["GET", "POST"])
@access(PUBLIC)
@csrf.exempt
def login():
    values = request.values
    platform = queries.find_platform(values.get("iss", ""), values.get("client_id"))
    if platform is None:
        return refuse(
            gettext("This learning platform is not registered here. Ask the course administrator to register it.")
        )
    target = values.get("target_link_uri", "")
    if not _ours(target) or not values.get("login_hint"):
        return refuse(gettext("The launch request is incomplete or points to another site."))
    state, nonce = service.start_login(platform.id)
    query = {
        "scope": "openid",
        "response_type": "id_token",
        "response_mode": "form_post",
        "prompt": "none",
        "client_id": platform.client_id,
        "redirect_uri": url_for("lti.launch", _external=True),
        "login_hint": values["login_hint"],
        "state": state,
        "nonce": nonce,
    }
    if values.get("lti_message_hint"):
        query["lti_message_hint"] = values["lti_message_hint"]
    separator = "&" if "?" in platform.auth_login_url else "?"
    response = redirect(f"{platform.auth_login_url}{separator}{urlencode(query)}", code=302)
    secure = current_app.config["SESSION_COOKIE_SECURE"]
    response.set_cookie(
        STATE_COOKIE,
        state,
        max_age=lti.LOGIN_TTL,
        path=url_for("lti.launch"),
        secure=secure,
        httponly=True,
        samesite="None" if secure else "Lax",  # the launch is a cross-site POST from the platform
    )
    return response


class Refused(Exception):
    """A launch that fails a check: the message for the person, and the status."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.status = status


def verified_launch() -> tuple[int, lti.Launch]:
    """The posted launch, checked: bound to this browser's login (state), that login used up
    (nonce), the token verified against the platform's registration and keys, the target on
    this site. Returns the platform's id and the launch; raises :class:`Refused`."""
    state, token = request.form.get("state", ""), request.form.get("id_token", "")
    cookie = request.cookies.get(STATE_COOKIE, "")
    if not state or not token:
        raise Refused(gettext("The launch carries no identity token."))
    if not cookie or not hmac.compare_digest(cookie, state):
        raise Refused(gettext("This launch did not start in this browser. Open the activity again from your course."))
    login = service.consume_login(state)
    if login is None:
        raise Refused(gettext("This launch was already used or has expired. Open the activity again from your course."))
    nonce, platform_id = login
    platform = queries.get_platform(platform_id)
    if platform is None or not platform.active:
        raise Refused(gettext("This learning platform is no longer registered here."))
    try:
        kid = lti.unverified_header(token).get("kid")
        message = lti.verify_launch(token, service.platform_keys(platform, kid), queries.registration(platform), nonce)
    except lti.LtiError as exc:
        raise Refused(gettext("The launch was refused: %(reason)s.", reason=exc.translated())) from exc
    if not _ours(message.target_link_uri):
        raise Refused(gettext("The launch points to another site."))
    if message.message_type == lti.DEEP_LINKING and not message.is_trainer:
        raise Refused(gettext("Only instructors can add course content."), 403)
    return platform.id, message


@bp.route("/launch", methods=["POST"])
@access(PUBLIC)
@csrf.exempt
def launch():
    try:
        platform_id, message = verified_launch()
    except Refused as exc:
        return refuse(str(exc), exc.status)
    unit_id = _unit_of(message.target_link_uri)
    user = service.record_launch(platform_id, message, unit_id).user
    if not user.active:
        return refuse(gettext("This account is deactivated. Ask the course administrator."), 403)
    start_session(user)
    session[AUTH_VIA] = "lti"
    if message.deep_linking is not None:
        session[DEEP_LINK] = {
            "platform": platform_id,
            "deployment": message.deployment_id,
            "return_url": message.deep_linking.return_url,
            "multiple": message.deep_linking.accept_multiple,
            "data": message.deep_linking.data,
            "at": int(time.time()),
        }
        target = url_for("lti.deep_link")
    else:
        target = url_for("learn.unit", unit_id=unit_id) if unit_id else url_for("learn.course_map")
    response = redirect(target, code=303)
    response.delete_cookie(STATE_COOKIE, path=url_for("lti.launch"))
    return response


def content_items(catalogue: Catalogue, chosen: list[str]) -> list[lti.ContentItem]:
    """The links to place: the course map, or units' pages, each with a gradebook column."""
    items = []
    for choice in chosen:
        if choice == COURSE:
            url, title, text = (
                url_for("learn.course_map", _external=True),
                catalogue.guide.title,
                catalogue.guide.subtitle,
            )
        else:
            unit = catalogue.unit(choice)
            url, title, text = url_for("learn.unit", unit_id=unit.id, _external=True), unit.title, unit.summary
        items.append(lti.ContentItem(url, title, text, line_item_label=title, resource_id=choice))
    return items


@bp.route("/deep-link", methods=["GET", "POST"])
@access(STAFF)
def deep_link():
    pending = session.get(DEEP_LINK)
    platform = queries.get_platform(pending["platform"]) if pending else None
    if not pending or platform is None or time.time() - pending.get("at", 0) > lti.LOGIN_TTL * 3:
        abort(404)
    catalogue = get_course()  # the units named in the trainer's language, on the page and in the LMS
    form = DeepLinkForm.for_catalogue(catalogue, multiple=pending["multiple"])
    if not form.validate_on_submit():
        return render_template("lti/deep_link.html", form=form), 400 if request.method == "POST" else 200
    items = content_items(catalogue, form.chosen())
    settings = lti.DeepLinkSettings(pending["return_url"], (), pending["multiple"], pending.get("data"))
    claims = lti.deep_linking_response(
        settings, items, platform.client_id, platform.issuer, pending["deployment"], int(time.time())
    )
    session.pop(DEEP_LINK, None)
    page = render_template(
        "lti/deep_link_return.html",
        return_url=pending["return_url"],
        jwt=lti.sign(claims, service.signing_key()),
        items=items,
        platform=platform,
    )
    response = current_app.make_response(page)
    response.headers["Content-Security-Policy"] = _csp_posting_to(pending["return_url"])
    return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _csp_posting_to(url: str) -> str:
    """The site's policy, with forms also allowed to post to ``url``'s site (the LMS)."""
    return CONTENT_SECURITY_POLICY.replace("form-action 'self'", f"form-action 'self' {_origin(url)}")


@bp.route("/register/<token>")
@access(PUBLIC)
def register(token: str):
    """Dynamic registration: the LMS opens this one-time link (made at /admin/lti) with its
    OpenID configuration and a registration token; the tool registers itself there."""
    config_url = request.args.get("openid_configuration", "")
    try:
        platform = service.register_with(
            token,
            config_url,
            request.args.get("registration_token", ""),
            {
                "name": get_catalogue().guide.title,
                "login": url_for("lti.login", _external=True),
                "launch": url_for("lti.launch", _external=True),
                "jwks": url_for("lti.jwks", _external=True),
                "target": url_for("learn.course_map", _external=True),
                "description": get_catalogue().guide.subtitle,
            },
        )
    except service.RegistrationError as exc:
        return refuse(" ".join(exc.problems))
    response = current_app.make_response(render_template("lti/registered.html", platform=platform))
    # The LMS shows this page in its own frame and closes it when the page says so. (Browsers
    # follow frame-ancestors over the X-Frame-Options header every response carries.)
    response.headers["Content-Security-Policy"] = _csp_posting_to(platform.issuer).replace(
        "frame-ancestors 'none'", f"frame-ancestors {_origin(platform.issuer)}"
    )
    return response


@bp.route("/jwks")
@access(PUBLIC)
def jwks():
    response = jsonify(service.public_key_set())
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
