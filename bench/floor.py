"""The floor: the least any Python design must do per signed-in lesson page while keeping
the platform's guarantees, with no framework. A third baseline for ``bench/serving.py``
(SQLite only), to tell what the guarantees cost from what the framework and the platform's
layers cost (docs/performance.md, "The request path, third pass").

Per request, as the platform does it: the session cookie parsed from the ``Cookie`` header,
its signature checked (or a checked one remembered) and its age checked; the idle and absolute
session limits; the person and the lesson's progress row read in the database by the
platform's own statement (active flag and session version checked, never trusted from the
cookie); the form token signed once per raw token; the person's name escaped into the page;
a weak ETag from the shared page's digest and the person's values, with ``If-None-Match``
answered by a 304; the platform's security headers, ``Vary``, ``Cache-Control: no-store`` and
a request id; the time taken recorded in a Prometheus histogram.

Left out, because the platform does them only in ways a framework adds: routing beyond one
path shape, language negotiation (the page is in one language here), CSRF on unsafe methods
(a GET has none), logging. Served by the same gunicorn settings as the other baselines.

This is a measuring stick, not a second implementation: nothing here is used by the platform.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from flask.json.tag import TaggedJSONSerializer
from itsdangerous import BadSignature, URLSafeTimedSerializer
from markupsafe import escape
from prometheus_client import Histogram
from sqlalchemy.dialects import sqlite
from werkzeug.http import parse_cookie

from training.config import Config, ProductionConfig
from training.queries.accounts import READ_SIGNED_IN_READING
from training.security import CONTENT_SECURITY_POLICY, HARDENING, HSTS

BODY = Path(os.environ.get("BENCH_BODY", "/dev/null")).read_bytes().decode()
_third = len(BODY) // 3
FRAME = (BODY[:_third], BODY[_third : 2 * _third], BODY[2 * _third :])
"""The page cut in three, the person's name and form token joined in between: as much text
as the platform's shared frame joins."""
DIGEST = hashlib.md5(BODY.encode(), usedforsecurity=False).hexdigest()
DATABASE = os.environ.get("TRAINING_DATABASE_URL", "sqlite:///:memory:").removeprefix("sqlite:///")
KEY = os.environ.get("TRAINING_SECRET_KEY", "")
COOKIE = ProductionConfig.SESSION_COOKIE_NAME
LIFETIME = int(Config.PERMANENT_SESSION_LIFETIME.total_seconds())
IDLE = int(Config.SESSION_IDLE_TIMEOUT.total_seconds())
ABSOLUTE = int(Config.SESSION_ABSOLUTE_TIMEOUT.total_seconds())
_form = READ_SIGNED_IN_READING.statement.compile(dialect=sqlite.dialect())
SQL, NAMES = _form.string, tuple(_form.positiontup or ())
SESSIONS = URLSafeTimedSerializer(
    KEY,
    salt="cookie-session",
    serializer=TaggedJSONSerializer(),
    signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1},
)
TOKENS = URLSafeTimedSerializer(KEY, salt="wtf-csrf-token")
HEADERS = [
    ("Content-Type", "text/html; charset=utf-8"),
    ("Vary", "Accept-Encoding, Accept-Language, Cookie"),
    ("Cache-Control", "no-store"),
    *HARDENING,
    HSTS,
]
assert ("Content-Security-Policy", CONTENT_SECURITY_POLICY) in HEADERS
LATENCY = Histogram("floor_request_seconds", "Time to answer a lesson page")
_opened: dict[str, tuple[int, dict[str, Any]]] = {}
_signed: dict[str, str] = {}
_local = threading.local()


def _connection() -> sqlite3.Connection:
    """One connection per thread and process, in autocommit: each read sees every commit."""
    if getattr(_local, "pid", None) != os.getpid():
        _local.connection = sqlite3.connect(DATABASE, isolation_level=None, check_same_thread=False, timeout=15)
        _local.connection.execute("PRAGMA foreign_keys=ON")
        _local.pid = os.getpid()
    return _local.connection


def _refuse(start_response: Any, status: str) -> list[bytes]:
    start_response(status, [("Content-Type", "text/plain; charset=utf-8")])
    return [status.encode()]


def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    started = time.perf_counter()
    parts = environ.get("PATH_INFO", "").split("/")
    if environ["REQUEST_METHOD"] not in ("GET", "HEAD") or len(parts) != 4 or parts[1] != "units":
        return _refuse(start_response, "404 Not Found")
    text = parse_cookie(environ.get("HTTP_COOKIE", "")).get(COOKIE)
    if not text:
        return _refuse(start_response, "401 Unauthorized")
    now = int(time.time())
    known = _opened.get(text)
    if known is None or not 0 <= now - known[0] <= LIFETIME:
        try:
            data, signed = SESSIONS.loads(text, max_age=LIFETIME, return_timestamp=True)
        except BadSignature:
            return _refuse(start_response, "401 Unauthorized")
        known = _opened[text] = (int(signed.timestamp()), data)
    session = dict(known[1])
    if now - session.get("auth_at", 0) > ABSOLUTE or now - session.get("seen_at", 0) > IDLE:
        return _refuse(start_response, "401 Unauthorized")
    user_id, _, version = str(session.get("_user_id", "")).partition(".")
    if not user_id.isdigit():
        return _refuse(start_response, "401 Unauthorized")
    values = {"user_id": int(user_id), "unit_id": parts[2], "lesson_id": parts[3]}
    row = _connection().execute(SQL, tuple(values[name] for name in NAMES)).fetchone()
    # id, email, name, organisation, country, language, time zone, role, active,
    # must_change_password, session_version, email_verified_at, mfa, last opened, completed
    if row is None or not row[8] or row[9] or str(row[10]) != version:
        return _refuse(start_response, "401 Unauthorized")
    raw = str(session.get("csrf_token", ""))
    token = _signed.get(raw)
    if token is None:
        token = _signed[raw] = str(TOKENS.dumps(raw))
    name = str(escape(row[2]))
    identity = f"{DIGEST}\0{name}\0{token}\0{row[7]}\0{row[14] is not None}".encode()
    etag = 'W/"' + hashlib.md5(identity, usedforsecurity=False).hexdigest() + '"'
    request_id = secrets.token_hex(16)
    if environ.get("HTTP_IF_NONE_MATCH") == etag:
        start_response("304 Not Modified", [("ETag", etag), ("X-Request-ID", request_id)])
        LATENCY.observe(time.perf_counter() - started)
        return []
    body = (FRAME[0] + name + FRAME[1] + token + FRAME[2]).encode()
    headers = [*HEADERS, ("Content-Length", str(len(body))), ("ETag", etag), ("X-Request-ID", request_id)]
    start_response("200 OK", headers)
    LATENCY.observe(time.perf_counter() - started)
    return [body]
