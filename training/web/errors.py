"""Error pages: HTML for people, JSON for API callers; never a traceback or SQL."""

from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from .. import i18n
from ..course import get_catalogue
from ..database import rollback_quietly
from ..i18n import gettext
from ..i18n import lazy_gettext as _l
from ..logs import request_id
from .assets import asset_url, theme_url
from .params import BadParameter

log = logging.getLogger(__name__)

MESSAGES = {
    400: (
        _l("The request could not be understood"),
        _l("Something in the form was not as expected. Go back, reload the page and try again."),
    ),
    401: (_l("Please sign in"), _l("You need to sign in to see this.")),
    403: (
        _l("You do not have access to this page"),
        _l("Your account does not have permission to open this page. If you think it should, ask your administrator."),
    ),
    404: (_l("Page not found"), _l("There is no page at this address. It may have moved, or the link may be wrong.")),
    405: (_l("Not allowed"), _l("This page cannot be used that way.")),
    409: (_l("Already done"), _l("This was already saved.")),
    413: (_l("The file is too large"), _l("Choose a smaller file and try again.")),
    429: (_l("Too many attempts"), _l("Please wait a few minutes and try again.")),
    500: (_l("Something went wrong"), _l("The error has been logged. Please try again in a moment.")),
    503: (
        _l("Temporarily unavailable"),
        _l("The platform is busy or restarting. Nothing you saved is lost. Please try again in a moment."),
    ),
}


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(PoolTimeout, handle_database_unavailable)  # every connection busy
    app.register_error_handler(Exception, handle_unexpected)


def _wants_json() -> bool:
    return request.blueprint == "api" or request.accept_mimetypes.best == "application/json"


def render_error(code: int, detail: str | None = None):
    title, message = MESSAGES.get(code, (gettext("Error %(code)s", code=code), ""))
    if _wants_json():
        body = {"error": str(title), "status": code, "request_id": request_id()}
        return jsonify({**body, **({"detail": detail} if detail else {})}), code
    page = render_template(
        "errors/error.html", code=code, title=title, message=detail or message, request_id=request_id()
    )
    return make_response(page), code


def handle_http(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    body, code = render_error(error.code, error.description if isinstance(error, BadParameter) else None)
    allowed = getattr(error, "valid_methods", None)
    if allowed:
        body.headers["Allow"] = ", ".join(allowed)
    return body, code


def handle_csrf(error: CSRFError):
    return render_error(
        400,
        gettext(
            "The form had expired or was sent from another site. Reload the page and try again; nothing was changed."
        ),
    )


def handle_database_unavailable(error: OperationalError | PoolTimeout):
    """The database is down or restarting: answer 503 without touching it again (no user
    lookup, no context processors), so the answer itself cannot fail."""
    rollback_quietly()
    log.warning("database unavailable: %s", type(getattr(error, "orig", None) or error).__name__)
    code = ServiceUnavailable.code
    language = i18n.interface_language(i18n.language_without_account())
    with i18n.force_locale(language.replace("-", "_")):
        title, message = (str(text) for text in MESSAGES[code])
        if _wants_json():
            response = make_response(jsonify({"error": title, "status": code, "request_id": request_id()}), code)
        else:
            html = current_app.jinja_env.get_template("errors/unavailable.html").render(
                code=code,
                title=title,
                message=message,
                course=get_catalogue().in_language(language).course,
                course_title=get_catalogue().in_language(language).course.name,
                theme=theme_url(),
                stylesheet=asset_url("site.css"),
                lang=language,
                dir=i18n.text_direction(language),
                request_id=request_id(),
            )
            response = make_response(html, code)
    response.headers["Retry-After"] = "5"
    return response


def handle_unexpected(error: Exception):
    rollback_quietly()
    log.exception("unhandled error")
    return render_error(InternalServerError.code)
