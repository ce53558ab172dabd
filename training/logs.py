"""Logs an operator can search: one JSON object per line, each tied to its request.

* Every request has an id: the ``X-Request-ID`` header that nginx sets (``$request_id``), or
  one made here. It is on every log line written while the request runs, in the response's
  ``X-Request-ID`` header and on error pages, so a person's "reference" leads to the lines.
* ``training serve`` writes JSON lines to stderr (``LOG_FORMAT = "text"`` for people), its
  own gunicorn lines included; systemd's journal keeps them.
* Audit events (logger ``training.audit``) are written whatever ``LOG_LEVEL`` says.
* ``ACCESS_LOG`` adds a line per request (method, path, route, status, time, client).
"""

from __future__ import annotations

import logging
import logging.config
import re
import secrets
import time
from typing import Any

from flask import Flask, Response, has_request_context, request
from pythonjsonlogger.json import JsonFormatter

from .context import the_request

REQUEST_ID_HEADER = "X-Request-ID"
AUDIT_LOGGER = "training.audit"
ACCESS_LOGGER = "training.access"
_ID_KEY, _STARTED_KEY = "training.request_id", "training.started"
_ACCEPTED_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
"""What a request id given by the proxy may look like (nginx's is 32 hex digits); anything
else (a log-forging attempt, a huge value) is replaced by one made here."""

access_log = logging.getLogger(ACCESS_LOGGER)


def request_id() -> str | None:
    """The current request's id (made on first use), or None outside a request."""
    if not has_request_context():
        return None
    environ = the_request().environ
    found = environ.get(_ID_KEY)
    if found is None:
        given = environ.get("HTTP_X_REQUEST_ID", "")
        found = given if _ACCEPTED_ID.fullmatch(given) else secrets.token_hex(16)  # 32 hex digits, as uuid4().hex
        environ[_ID_KEY] = found
    return found


def elapsed() -> float:
    """Seconds since the request began (as seen by the first hook)."""
    return time.perf_counter() - the_request().environ.get(_STARTED_KEY, time.perf_counter())


def init_app(app: Flask) -> None:
    _install_record_factory()
    app.before_request(_start)
    app.after_request(_finish)


def _start() -> None:
    the_request().environ[_STARTED_KEY] = time.perf_counter()


SECRET_VIEW_ARGS = ("token",)
"""URL parts that are secrets (the one-time tokens of links sent by email): never logged."""


def _logged_path() -> str:
    path = request.path
    for name in SECRET_VIEW_ARGS:
        value = (request.view_args or {}).get(name)
        if value:
            path = path.replace(str(value), "[token]")
    return path


def _finish(response: Response) -> Response:
    rid = request_id()
    if rid:
        response.headers[REQUEST_ID_HEADER] = rid
    if access_log.isEnabledFor(logging.INFO):
        access_log.info(
            "%s %s %s",
            request.method,
            _logged_path(),
            response.status_code,
            extra={
                "method": request.method,
                "path": _logged_path(),
                "route": request.endpoint,
                "status": response.status_code,
                "duration_ms": round(elapsed() * 1000, 2),
                "client": request.remote_addr,
            },
        )
    return response


def _install_record_factory() -> None:
    """Every log record, from any library, carries ``request_id`` (None outside a request)."""
    base = logging.getLogRecordFactory()
    if getattr(base, "training_request_id", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = base(*args, **kwargs)
        record.request_id = request_id()
        return record

    factory.training_request_id = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


class JsonLines(JsonFormatter):
    """``{"time": ..., "level": ..., "logger": ..., "message": ..., "request_id": ..., ...}``:
    the fields given with ``extra=`` follow; control characters are escaped by JSON itself,
    so a crafted value cannot forge a line."""

    def __init__(self) -> None:
        super().__init__(
            "%(levelname)s %(name)s %(message)s",
            rename_fields={"levelname": "level", "name": "logger"},
            timestamp="time",
            json_ensure_ascii=False,
        )


class TextLines(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        if not hasattr(record, "request_id"):
            record.request_id = None
        return super().format(record)


FORMATTERS = {"json": JsonLines, "text": TextLines}


def logging_config(level: str, fmt: str, access: bool = False) -> dict[str, Any]:
    """The ``logging.config.dictConfig`` of a server process: its own lines and gunicorn's,
    one handler on stderr. Gunicorn takes it as ``logconfig_dict``."""
    if fmt not in FORMATTERS:
        raise RuntimeError(f"TRAINING_LOG_FORMAT must be one of {', '.join(FORMATTERS)}, not {fmt!r}")
    level = str(level).upper()
    if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise RuntimeError(f"TRAINING_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {level!r}")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"lines": {"()": FORMATTERS[fmt]}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "lines"}},
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            AUDIT_LOGGER: {"level": "INFO"},  # always, whatever LOG_LEVEL says
            ACCESS_LOGGER: {"level": "INFO" if access else "WARNING"},
            "gunicorn.error": {"level": level, "handlers": ["stderr"], "propagate": False},
            # gunicorn's own access lines are off: ACCESS_LOG writes them, with the request id
            # and the client address behind the proxy.
            "gunicorn.access": {"level": "WARNING", "handlers": ["stderr"], "propagate": False},
        },
    }


def configure(config: dict[str, Any]) -> None:
    """Set up logging for a server process from the app's settings (``training serve --dev``;
    gunicorn does the same through ``logconfig_dict``)."""
    logging.config.dictConfig(logging_config(config["LOG_LEVEL"], config["LOG_FORMAT"], config["ACCESS_LOG"]))
