"""Small on the wire: conditional lesson pages (``ETag``/``304``) and static files compressed
once, ahead of time, with gzip and Brotli, sent to clients that accept them.

Pages are compressed as they are sent (Flask-Compress, see ``assets.py``); static files
never change under their fingerprinted names, so each is compressed once per process at
the highest levels (Brotli 11, gzip 9), which would be too slow to do per request.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import sys
import threading
import time
from functools import cache, lru_cache
from pathlib import Path

import brotli
from flask import Response, request
from werkzeug.http import http_date

from ..context import the_request, the_session

if sys.version_info >= (3, 14):
    from compression import zstd
else:
    from backports import zstd

COMPRESSIBLE = {".css", ".js", ".svg", ".json", ".txt", ".html", ".webmanifest"}
"""What is worth compressing, here and in ``training assets collect``."""
ENCODINGS = ("br", "gzip")

TOKENS = re.compile(rb'name="(?:csrf_token|idempotency_key)" value="[^"]*"')


def conditional_page(response: Response, identity: bytes | None = None) -> Response:
    """A weak ETag, and ``304 Not Modified`` when the client already holds this page.

    Safe because the page is compared without its form tokens (new at every render) but
    with the session's own token: a copy the client holds from this same session has a
    form token that is still valid, and any other change (the text, the learner's progress,
    the page frame) changes the tag. Signed-in pages stay ``no-store``, so browsers keep no
    copy of their own; the copies that profit are the ones a device saved for offline use.

    ``identity`` is what identifies the page without its form tokens when the caller knows
    it already (a shared page: :meth:`frames.SharedPage.identity`); otherwise the page's
    bytes, less the tokens, are hashed.
    """
    if identity is None:
        identity = TOKENS.sub(b"", response.get_data())
    session_token = str(the_session().get("csrf_token", "")).encode()
    response.set_etag(hashlib.sha256(identity + b"\0" + session_token).hexdigest()[:32], weak=True)
    if "Date" not in response.headers:
        response.headers["Date"] = _http_date(int(time.time()))  # what make_conditional would set
    if not asks_conditions():
        return response  # nothing to compare: make_conditional would leave the answer as it is
    response.make_conditional(the_request())  # changes the response in place
    return response


CONDITIONS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_RANGE",
    "HTTP_IF_RANGE",
)
"""The request headers ``make_conditional`` reads; without any of them it changes nothing."""


def asks_conditions() -> bool:
    """Whether this request carries any of :data:`CONDITIONS`."""
    environ = the_request().environ
    return any(name in environ for name in CONDITIONS)


_compressors = threading.local()


def zstd_frame(data: bytes, level: int) -> bytes:
    """``data`` as one Zstandard frame, by this thread's compressor for ``level``. The
    library's ``compress`` makes a new compression context on every call, which costs more
    (18 µs) than compressing a name or a token with one kept (0.5 µs)."""
    kept: dict[int, zstd.ZstdCompressor] | None = getattr(_compressors, "by_level", None)
    if kept is None:
        kept = _compressors.by_level = {}
    compressor = kept.get(level)
    if compressor is None:
        compressor = kept[level] = zstd.ZstdCompressor(level=level)
    return compressor.compress(data, mode=zstd.ZstdCompressor.FLUSH_FRAME)


@lru_cache(maxsize=2)
def _http_date(second: int) -> str:
    """``Date`` for this second, formatted once (the formatting costs more than the rest of
    the conditional answer)."""
    return http_date(second)


@cache
def _compressed(path: Path, mtime: float, encoding: str) -> bytes:
    data = path.read_bytes()
    if encoding == "br":
        return brotli.compress(data, quality=11)
    return gzip.compress(data, compresslevel=9, mtime=0)


def precompressed(path: Path, response: Response) -> Response:
    """Swap a static file's body for its Brotli or gzip form when the client accepts one and
    it is smaller; the ETag names the encoding, and caches are told the answer varies."""
    if path.suffix not in COMPRESSIBLE or response.status_code != 200:
        return response
    response.vary.add("Accept-Encoding")
    accepted = request.accept_encodings
    for encoding in ENCODINGS:
        if accepted[encoding] <= 0:
            continue
        data = _compressed(path, path.stat().st_mtime, encoding)
        if len(data) >= path.stat().st_size:
            return response
        etag, _ = response.get_etag()
        sent_file = response.response  # the open file send_file would have streamed
        response.direct_passthrough = False
        response.set_data(data)
        if hasattr(sent_file, "close"):
            sent_file.close()
        response.headers["Content-Encoding"] = encoding
        if etag:
            response.set_etag(f"{etag}-{encoding}")
        response.make_conditional(request)
        return response
    return response


def warm(folder: str) -> None:
    """Compress every static file once at start-up, before the first request asks."""
    for path in Path(folder).rglob("*"):
        if path.is_file() and path.suffix in COMPRESSIBLE:
            for encoding in ENCODINGS:
                _compressed(path, path.stat().st_mtime, encoding)
