"""Static files under fingerprinted names (``site.3f2a9c1b7e.css``), cached for a year.

A file's URL changes whenever its bytes change, so browsers on slow connections can keep
it for a year without ever using a stale copy; responses are compressed when they help.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

from flask import Flask, Response, current_app, send_from_directory, url_for
from flask_compress import Compress

from .access import PUBLIC, access

FINGERPRINT = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{10})(?P<suffix>\.[A-Za-z0-9]+)$")
ONE_YEAR = 365 * 24 * 3600

compress = Compress()


@cache
def _fingerprint(folder: str, filename: str) -> str:
    return hashlib.sha256((Path(folder) / filename).read_bytes()).hexdigest()[:10]


def asset_url(filename: str) -> str:
    """The URL of a static file with its content hash in the name."""
    path = Path(filename)
    digest = _fingerprint(current_app.static_folder, filename)
    return url_for("static", filename=str(path.with_name(f"{path.stem}.{digest}{path.suffix}")))


@access(PUBLIC)
def static(filename: str) -> Response:
    """Serve ``name.<hash>.ext`` (immutable, a year) or plain ``name.ext`` (revalidated)."""
    folder = _static_folder()
    found = FINGERPRINT.match(Path(filename).name)
    if found:
        real = str(Path(filename).with_name(found["stem"] + found["suffix"]))
        response = send_from_directory(folder, real, max_age=ONE_YEAR)
        response.cache_control.immutable = True
        return response
    return send_from_directory(folder, filename, max_age=0)


def _static_folder() -> str:
    folder = current_app.static_folder
    assert folder is not None  # the app is created with its package's static folder
    return folder


def init_app(app: Flask) -> None:
    app.view_functions["static"] = static  # Flask's own rule, our view
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_BR_LEVEL", 5)
    app.config.setdefault("COMPRESS_LEVEL", 6)
    app.config.setdefault("COMPRESS_MIN_SIZE", 1024)
    app.config.setdefault(
        "COMPRESS_MIMETYPES",
        ["text/html", "text/css", "text/csv", "application/javascript", "application/json", "image/svg+xml"],
    )
    compress.init_app(app)
