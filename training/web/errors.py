"""Error pages: HTML for people, JSON for API callers; never a traceback or SQL."""

from __future__ import annotations

import logging

from flask import Flask, current_app, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from ..catalogue import get_catalogue
from ..extensions import db
from .assets import asset_url

log = logging.getLogger(__name__)

MESSAGES = {
    400: (
        "The request could not be understood",
        "Something in the form was not as expected. Go back, reload the page and try again.",
    ),
    401: ("Please sign in", "You need to sign in to see this."),
    403: (
        "You do not have access to this page",
        "Your account does not have permission to open this page. If you think it should, ask your administrator.",
    ),
    404: ("Page not found", "There is no page at this address. It may have moved, or the link may be wrong."),
    405: ("Not allowed", "This page cannot be used that way."),
    409: ("Already done", "This was already saved."),
    413: ("The file is too large", "Choose a smaller file and try again."),
    429: ("Too many attempts", "Please wait a few minutes and try again."),
    500: ("Something went wrong", "The error has been logged. Please try again in a moment."),
    503: (
        "Temporarily unavailable",
        "The platform is busy or restarting. Nothing you saved is lost. Please try again in a moment.",
    ),
}


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, handle_http)
    app.register_error_handler(CSRFError, handle_csrf)
    app.register_error_handler(OperationalError, handle_database_unavailable)
    app.register_error_handler(Exception, handle_unexpected)


def _wants_json() -> bool:
    return request.blueprint == "api" or request.accept_mimetypes.best == "application/json"


def render_error(code: int, detail: str | None = None):  # noqa: ANN201
    title, message = MESSAGES.get(code, (f"Error {code}", ""))
    if _wants_json():
        return jsonify({"error": title, "status": code}), code
    return make_response(render_template("errors/error.html", code=code, title=title, message=detail or message)), code


def handle_http(error: HTTPException):  # noqa: ANN201
    if error.code is None or error.code < 400:
        return error
    body, code = render_error(error.code)
    allowed = getattr(error, "valid_methods", None)
    if allowed:
        body.headers["Allow"] = ", ".join(allowed)
    return body, code


def handle_csrf(error: CSRFError):  # noqa: ANN201
    return render_error(
        400, "The form had expired or was sent from another site. Reload the page and try again; nothing was changed."
    )


def handle_database_unavailable(error: OperationalError):  # noqa: ANN201
    """The database is down or restarting: answer 503 without touching it again (no user
    lookup, no context processors), so the answer itself cannot fail."""
    try:
        db.session.rollback()
    except OperationalError:
        pass
    log.warning("database unavailable: %s", type(error.orig).__name__)
    code = ServiceUnavailable.code
    title, message = MESSAGES[code]
    if _wants_json():
        response = make_response(jsonify({"error": title, "status": code}), code)
    else:
        html = current_app.jinja_env.get_template("errors/unavailable.html").render(
            code=code,
            title=title,
            message=message,
            course_title=get_catalogue().guide.title,
            stylesheet=asset_url("site.css"),
        )
        response = make_response(html, code)
    response.headers["Retry-After"] = "5"
    return response


def handle_unexpected(error: Exception):  # noqa: ANN201
    db.session.rollback()
    log.exception("unhandled error")
    return render_error(InternalServerError.code)
