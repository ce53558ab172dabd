"""Pages rendered once for everyone who sees them alike, with the few personal values filled
in per request: the lesson page is the most requested page (see docs/performance.md).

A frame is the page rendered with marks where the signed-in person's name, their form
token, a fresh idempotency key and their offline storage name go. Each request fills the
marks with its own values, escaped as the template would have escaped them, so the bytes are
the ones a full render gives. The caller's key names everything else the page depends on.

A page that shows more of the person (the course map and the dashboard show their progress)
names those parts as *pieces*: macros of one template, each called with the person's data
(``Pieces``). The template calls ``mine.NAME(args)``; a full render calls the macro there and
then, a frame keeps a mark in its place and each request calls the same macro with the same
arguments, so the bytes are again the ones a full render gives. A piece sees its arguments and
the templates' globals only; everything around the pieces is rendered once per key.

A request with flashed messages waiting is rendered in full (they are shown once, to one
person), and so is every request when the page's key is not known yet.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Hashable
from functools import partial
from typing import Any, NamedTuple

from flask import get_template_attribute, render_template
from markupsafe import Markup, escape

from ..context import the_person, the_session
from ..security import csrf_token
from .wire import zstd_frame

_MARK = secrets.token_hex(8)
NAME, TOKEN, KEY, ACCOUNT = (f"m{_MARK}{what}" for what in ("name", "token", "key", "account"))
"""Letters and digits only: escaping leaves them as they are, and no page text contains them."""

_MARKS = re.compile(f"m{_MARK}(?:(name|token|key|account)|piece([0-9]+)e)")

MAX_FRAMES = 2048
TEXT_LEVEL, VALUE_LEVEL = 9, 1
"""Zstandard levels: a frame's texts are compressed once, so harder (the lesson page's at level 9:
0.5 ms once, where the whole page at level 1 costs 0.06 ms on every request); a request's few
values at the fastest."""


class Pieces:
    """The parts of a page made for the person: ``mine.NAME(*args)`` in the page's template
    is the macro ``NAME`` of ``template`` called as ``NAME(data, *args)``."""

    def __init__(self, template: str, data: Any) -> None:
        self.template, self.data = template, data

    def __getattr__(self, name: str) -> Callable[..., Markup]:
        macro = get_template_attribute(self.template, name)
        piece: Callable[..., Markup] = partial(macro, self.data)
        setattr(self, name, piece)  # found directly by the page's next call
        return piece


class _Calls:
    """``mine`` while a frame renders: each call leaves a mark and is noted, to be made for
    each request."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def __getattr__(self, name: str) -> Callable[..., str]:
        def call(*args: Any) -> str:  # letters and digits: autoescaping leaves the mark as it is
            self.calls.append((name, args))
            return f"m{_MARK}piece{len(self.calls) - 1}e"

        return call


def idempotency_key() -> str:
    from .offline import idempotency_key  # that blueprint imports the lesson view

    return idempotency_key()


class _Frame:
    """A rendered page cut at its marks: ``texts`` around them, ``fills[i]`` what goes after
    ``texts[i]``: the name of a personal value (``name``, ``token``, ``key``, ``account``) or
    a piece's call. Each request joins the texts with its own values in one pass. The texts
    are kept encoded, so that a page is encoded once per frame rather than on every request
    (the lesson page, with its typographic quotes and dashes, costs some 8 µs to encode).

    ``digest`` names the frame's own bytes (its texts and what goes where), the same in every
    process that renders the same page, so that a page's identity (:class:`SharedPage`) can
    be worked out without hashing the whole page again."""

    __slots__ = ("_compressed", "digest", "fills", "texts")

    def __init__(self, page: str, calls: list[tuple[str, tuple[Any, ...]]]) -> None:
        cut = _MARKS.split(page)  # text, value name or None, piece index or None, text, ...
        texts = cut[::3]
        self.texts = [text.encode() for text in texts]
        self.fills: list[str | tuple[str, tuple[Any, ...]]] = [
            value if value is not None else calls[int(piece)] for value, piece in zip(cut[1::3], cut[2::3], strict=True)
        ]
        outline = (fill if isinstance(fill, str) else f"piece:{fill[0]}" for fill in self.fills)
        self.digest = hashlib.sha256("\0".join((*texts, *outline)).encode()).hexdigest()
        self._compressed: list[bytes] | None = None

    def compressed(self) -> list[bytes]:
        """Each text as a Zstandard frame of its own, compressed on first use and kept (a
        page's texts are compressed once, harder than a page can be on every request)."""
        found = self._compressed
        if found is None:
            found = self._compressed = [zstd_frame(text, TEXT_LEVEL) if text else b"" for text in self.texts]
        return found

    def fill(self, values: dict[str, str], mine: Pieces | None) -> SharedPage:
        texts = self.texts
        out = [texts[0]]
        shown = [self.digest]  # what identifies the page: all but its form tokens and keys
        for fill, text in zip(self.fills, texts[1:], strict=True):
            if isinstance(fill, str):
                if fill == "key":  # each form gets a fresh key, as each call in a full render does
                    out.append(idempotency_key().encode())
                else:
                    out.append(values[fill].encode())
                    if fill != "token":
                        shown.append(values[fill])
            else:
                piece = getattr(mine, fill[0])(*fill[1])
                out.append(piece.encode())
                shown.append(piece)
            out.append(text)
        return SharedPage(b"".join(out), shown, self, out)


class SharedPage(NamedTuple):
    """A page for the signed-in person (UTF-8), and what identifies it (for its ``ETag``)."""

    body: bytes
    shown: list[str] | None
    """The frame's digest and the person's values in it, without form tokens and keys; None
    for a page rendered in full (with flashed messages), which only its bytes identify."""
    frame: _Frame | None = None
    parts: list[bytes] | None = None
    """The frame's texts and this request's values between them, as joined into ``body``."""

    def zstd(self) -> bytes | None:
        """The page in Zstandard: the frame's texts compressed once (:meth:`_Frame.compressed`),
        this request's values each compressed as a frame of its own between them. A stream of
        frames decodes to their contents one after the other (RFC 8878, section 3.1). None for
        a page rendered in full."""
        if self.frame is None or self.parts is None:
            return None
        texts = self.frame.compressed()
        values = self.parts[1::2]
        stream = [texts[0]]
        for value, text in zip(values, texts[1:], strict=True):
            if value:
                stream.append(zstd_frame(value, VALUE_LEVEL))
            stream.append(text)
        return b"".join(stream)

    def identity(self) -> bytes | None:
        if self.shown is None:
            return None
        return hashlib.sha256("\0".join(self.shown).encode()).digest()


_frames: dict[Hashable, _Frame] = {}


class _Person:
    """``current_user`` while a frame renders: signed in, with a mark for a name. Anything
    else a template asks of it fails loudly rather than render one person's data for all."""

    is_authenticated = True
    is_anonymous = False
    name = NAME

    def __getattr__(self, attribute: str) -> Any:
        raise RuntimeError(f"a shared page asked for the signed-in person's {attribute!r}: add it to the key")


def shared_page(key: Hashable, template: str, mine: Pieces | None = None, **context: Any) -> bytes:
    """``render_template(template, mine=mine, **context)`` for the signed-in person, rendered
    once per ``key`` (which must name every value the page depends on besides the marked ones
    and the pieces), encoded."""
    return render_shared(key, template, mine, **context).body


def render_shared(key: Hashable, template: str, mine: Pieces | None = None, **context: Any) -> SharedPage:
    """:func:`shared_page`, with what identifies the page."""
    from .offline import account_key  # that blueprint imports the lesson view

    if "_flashes" in the_session():
        return SharedPage(render_template(template, mine=mine, **context).encode(), None)
    frame = _frames.get(key)
    if frame is None:
        calls = _Calls()
        rendered = render_template(
            template,
            **context,
            mine=calls,
            current_user=_Person(),
            csrf_token=lambda: TOKEN,
            idempotency_key=lambda: KEY,
            offline_account=lambda: ACCOUNT,
        )
        frame = _Frame(rendered, calls.calls)
        if len(_frames) >= MAX_FRAMES:
            _frames.clear()
        _frames[key] = frame
    person = the_person()
    values = {
        "name": str(escape(person.name)),
        "token": str(escape(csrf_token())),
        "account": str(escape(account_key(person.id))),
    }
    return frame.fill(values, mine)
