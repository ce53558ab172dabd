"""Static files and course images under fingerprinted names (``site.3f2a9c1b7e.css``),
cached for a year.

A file's URL changes whenever its bytes change, so browsers on slow connections can keep
it for a year without ever using a stale copy. Pages are compressed as they are sent; static
files are compressed once, ahead of time, with Brotli and gzip (``wire.py``).

Behind nginx, ``training assets collect DIR`` writes each file under its fingerprinted name
(with a gzip copy beside it) for nginx to serve from disk (``deploy/nginx/training.conf``).
Files are only ever added: during a rolling deploy, pages from servers still running the
previous release keep finding the files they name.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import re
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

import click
from flask import Flask, Response, abort, current_app, send_file, send_from_directory, url_for
from flask.cli import AppGroup
from flask_compress import Compress
from flask_compress.flask_compress import _choose_algorithm  # its rule, so both choose alike

from ..content.colours import palette
from ..content.images import URL_PREFIX
from ..context import the_app, the_request
from ..course import get_catalogue
from .access import PUBLIC, access
from .wire import COMPRESSIBLE, asks_conditions, precompressed, warm

FINGERPRINT = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{10})(?P<suffix>\.[A-Za-z0-9]+)$")
ONE_YEAR = 365 * 24 * 3600


class PageCompress(Compress):
    """Flask-Compress, which reads ``Accept-Encoding`` through Werkzeug's headers (raising and
    catching an exception when it is absent) and works out its choice of encoding before it
    looks whether the answer is encoded already. For a request that accepts no encoding, or an
    answer already encoded (a lesson page in Zstandard, :func:`zstd_page`), Flask-Compress only
    adds ``Accept-Encoding`` to ``Vary``, and that is all this does; every other answer goes
    through Flask-Compress."""

    def after_request(self, response: Response | None) -> Response:
        if response and (
            not the_request().environ.get("HTTP_ACCEPT_ENCODING") or "Content-Encoding" in response.headers
        ):
            vary = response.headers.get("Vary")  # as Flask-Compress writes it
            if not vary:
                response.headers["Vary"] = "Accept-Encoding"
            elif "accept-encoding" not in vary.lower():
                response.headers["Vary"] = f"{vary}, Accept-Encoding"
            return response
        return super().after_request(response)


compress = PageCompress()


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
        return precompressed(Path(folder) / real, response)
    response = send_from_directory(folder, filename, max_age=0)
    return precompressed(Path(folder) / filename, response)


IMAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
"""An SVG opened on its own runs nothing and loads nothing (the check already refused any
script or outside reference; this holds even if a file changed after the check)."""


@access(PUBLIC)
def course_image(name: str) -> Response:
    """An image a lesson shows, by its fingerprinted name: the same for every reader, so it is
    public and cached for a year; a name the course does not show is a 404."""
    image = get_catalogue().images.get(name)
    if image is None:
        abort(404)
    response = send_file(image.path, mimetype=image.media_type, max_age=ONE_YEAR, conditional=True)
    response.cache_control.public = True
    response.cache_control.immutable = True
    response.headers["Content-Security-Policy"] = IMAGE_POLICY
    return response


def theme_css(colours: dict[str, str]) -> str:
    """The course's colours (checked for contrast when the content was loaded) as the custom
    properties ``site.css`` uses."""
    return (
        f":root{{--brand:{colours['main']};--brand-dark:{colours['dark']};"
        f"--brand-tint:{colours['tint']};--accent:{colours['accent']}}}\n"
    )


def _theme() -> tuple[str, str] | None:
    course = get_catalogue().course
    if not course.colours:
        return None
    text = theme_css(palette(course.colours))
    return text, hashlib.sha256(text.encode()).hexdigest()[:10]


def theme_url() -> str | None:
    """The URL of the course's colours, named by their hash; None for the platform's own."""
    theme = _theme()
    return url_for("theme", digest=theme[1]) if theme else None


@access(PUBLIC)
def theme(digest: str) -> Response:
    """The course's colours: cached for a year under their hash; an old hash is a 404."""
    found = _theme()
    if found is None or found[1] != digest:
        abort(404)
    response = Response(found[0], mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = ONE_YEAR
    response.cache_control.immutable = True
    return response


def _static_folder() -> str:
    return _static_folder_of(current_app)


def _static_folder_of(app: Flask) -> str:
    folder = app.static_folder
    assert folder is not None  # the app is created with its package's static folder
    return folder


def zstd_page(response: Response, compressed: Callable[[], bytes | None]) -> Response:
    """``response`` with ``compressed()`` as its body in Zstandard, when Flask-Compress would
    send it in Zstandard: the same rule (its own choice of algorithm for the request's
    ``Accept-Encoding``, its types and minimum size), applied in the view; Flask-Compress then
    finds the page encoded, leaves it as it is and still adds ``Vary: Accept-Encoding``. A
    request with conditions (``If-None-Match``, ``Range``...) is left to it, as is every
    other answer.

    For a page rendered from a frame (``frames.SharedPage.zstd``), which compresses the
    frame's texts once: the lesson page costs 0.06 ms to compress whole on every request."""
    config = the_app().config
    if (
        response.status_code != 200
        or not config["COMPRESS_REGISTER"]
        or response.mimetype not in compress.compress_mimetypes_set
        or (response.content_length or 0) < config["COMPRESS_MIN_SIZE"]
        or "Content-Encoding" in response.headers
    ):
        return response
    if asks_conditions():
        return response
    accepted = the_request().environ.get("HTTP_ACCEPT_ENCODING", "")
    if _choose_algorithm(tuple(compress.enabled_algorithms), accepted) != "zstd":
        return response
    body = compressed()
    if body is not None:
        response.set_data(body)
        response.headers["Content-Encoding"] = "zstd"
    return response


def init_app(app: Flask) -> None:
    app.view_functions["static"] = static  # Flask's own rule, our view
    app.add_url_rule(URL_PREFIX + "<path:name>", "course_image", course_image)
    app.add_url_rule("/theme.<digest>.css", "theme", theme)
    app.config.setdefault("COMPRESS_ALGORITHM", ["zstd", "br", "gzip"])
    # The lowest levels: a lesson page (18 KB) costs 0.06 ms with Zstandard at level 1
    # (6.6 KB: what current Chromium and Firefox accept), 0.11 ms with Brotli at quality 1
    # (7.0 KB) and 0.16 ms with gzip at level 1 (6.8 KB), against 19 ms at Brotli's default
    # quality (4.8 KB) and 0.31 ms at gzip's (6.1 KB): docs/performance.md. Behind nginx,
    # pages can be left to it: TRAINING_COMPRESS_REGISTER=false (docs/deploying.md).
    app.config.setdefault("COMPRESS_ZSTD_LEVEL", 1)
    app.config.setdefault("COMPRESS_BR_LEVEL", 1)
    app.config.setdefault("COMPRESS_LEVEL", 1)
    app.config.setdefault("COMPRESS_MIN_SIZE", 1024)
    app.config.setdefault(
        "COMPRESS_MIMETYPES",
        ["text/html", "text/css", "text/csv", "application/javascript", "application/json", "image/svg+xml"],
    )
    compress.init_app(app)
    warm(_static_folder_of(app))
    app.cli.add_command(assets_command)


def collect(folder: Path, target: Path) -> int:
    """Copy every file of ``folder`` into ``target`` under its fingerprinted name (and a
    ``.gz`` beside the compressible ones); files already there are left alone. Returns how
    many were written."""
    written = 0
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix):
        relative = path.relative_to(folder)
        digest = _fingerprint(str(folder), relative.as_posix())
        destination = target / relative.with_name(f"{relative.stem}.{digest}{relative.suffix}")
        if destination.exists():
            continue
        data = path.read_bytes()
        _write_atomically(destination, data)
        if path.suffix in COMPRESSIBLE:
            _write_atomically(destination.with_name(destination.name + ".gz"), gzip.compress(data, 9, mtime=0))
        written += 1
    return written


def _write_atomically(path: Path, data: bytes) -> None:
    """Readers (nginx) see the whole file or none of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".collect-")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)


assets_command = AppGroup("assets", help="Static files for a web server in front (nginx).")


@assets_command.command("collect")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
def collect_command(target: Path) -> None:
    """Write the static files under their fingerprinted names into TARGET, for nginx."""
    written = collect(Path(_static_folder()), target)
    click.echo(f"{written} file(s) written to {target}.", err=True)
