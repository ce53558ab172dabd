"""Pages rendered once for everyone who sees them alike, with the few personal values filled
in per request: the lesson page is the most requested page (see docs/performance.md).

A frame is the page rendered with marks where the signed-in person's name, their form
token, a fresh idempotency key and their offline storage name go. Each request fills the
marks with its own values, escaped as the template would have escaped them, so the bytes are
the ones a full render gives. The caller's key names everything else the page depends on.

A request with flashed messages waiting is rendered in full (they are shown once, to one
person), and so is every request when the page's key is not known yet.
"""

from __future__ import annotations

import secrets
from collections.abc import Hashable
from typing import Any

from flask import render_template, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import escape

_MARK = secrets.token_hex(8)
NAME, TOKEN, KEY, ACCOUNT = (f"m{_MARK}{what}" for what in ("name", "token", "key", "account"))
"""Letters and digits only: escaping leaves them as they are, and no page text contains them."""

MAX_FRAMES = 2048
_frames: dict[Hashable, str] = {}


class _Person:
    """``current_user`` while a frame renders: signed in, with a mark for a name. Anything
    else a template asks of it fails loudly rather than render one person's data for all."""

    is_authenticated = True
    is_anonymous = False
    name = NAME

    def __getattr__(self, attribute: str) -> Any:
        raise RuntimeError(f"a shared page asked for the signed-in person's {attribute!r}: add it to the key")


def shared_page(key: Hashable, template: str, **context: Any) -> str:
    """``render_template(template, **context)`` for the signed-in person, rendered once per
    ``key`` (which must name every value the page depends on besides the marked ones)."""
    from .offline import idempotency_key, offline_account  # that blueprint imports the lesson view

    if "_flashes" in session:
        return render_template(template, **context)
    frame = _frames.get(key)
    if frame is None:
        frame = render_template(
            template,
            **context,
            current_user=_Person(),
            csrf_token=lambda: TOKEN,
            idempotency_key=lambda: KEY,
            offline_account=lambda: ACCOUNT,
        )
        if len(_frames) >= MAX_FRAMES:
            _frames.clear()
        _frames[key] = frame
    page = frame.replace(NAME, str(escape(current_user.name)))
    page = page.replace(TOKEN, str(escape(generate_csrf())))
    page = page.replace(ACCOUNT, str(escape(offline_account())))
    while KEY in page:  # each form gets its own key, as each call in a full render does
        page = page.replace(KEY, idempotency_key(), 1)
    return page
