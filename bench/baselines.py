"""The two baselines the serving benchmark compares against, served by the same gunicorn
settings: a minimal Flask app and a bare WSGI callable, both returning the bytes of a real
lesson page (read from the file named by BENCH_BODY) from memory."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, Response

BODY = Path(os.environ.get("BENCH_BODY", "/dev/null")).read_bytes()

flask_app = Flask(__name__)


@flask_app.get("/units/<unit_id>/<lesson_id>")
def lesson(unit_id: str, lesson_id: str) -> Response:
    return Response(BODY, mimetype="text/html")


def wsgi_app(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY)))])
    return [BODY]
