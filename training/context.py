"""The objects of the request being answered, taken once instead of through a proxy.

Flask's ``request``, ``session``, ``g`` and ``current_app`` and Flask-Login's
``current_user`` are proxies: every attribute read through one finds the context again,
and an attribute the proxy itself lacks goes through an exception on the way (0.7-0.9 µs a
read, against 0.1 µs to take the object; ``current_user`` asks Flask-Login's loader each
time, 1.5 µs). The code that runs for every request (the hooks, the language choice, the
lesson page) read them some 80 times a page, about a sixth of the page's time
(docs/performance.md). Such code takes each object once from here and reads it directly;
code that runs once in a while keeps the proxies, which read better.

Each function must be called where the proxy would work (inside a request, or an
application context for :func:`the_app` and :func:`the_g`), and raises the same error
outside.
"""

from __future__ import annotations

from typing import Any, cast

from flask import Flask, Request, current_app, g, request, session
from flask.ctx import _AppCtxGlobals
from flask.sessions import SessionMixin
from flask_login import current_user
from werkzeug.local import LocalProxy

# The proxies with the type of what they stand for, once (a ``cast`` per call costs too).
_request = cast("LocalProxy[Request]", request)
_session = cast("LocalProxy[SessionMixin]", session)
_g = cast("LocalProxy[_AppCtxGlobals]", g)
_app = cast("LocalProxy[Flask]", current_app)
_user = cast("LocalProxy[Any]", current_user)


def the_request() -> Request:
    return _request._get_current_object()


def the_session() -> SessionMixin:
    return _session._get_current_object()


def the_g() -> _AppCtxGlobals:
    return _g._get_current_object()


def the_app() -> Flask:
    return _app._get_current_object()


def the_person(state: _AppCtxGlobals | None = None) -> Any:
    """Flask-Login's ``current_user`` (the anonymous user when nobody is signed in): the one
    Flask-Login loaded for this request (it keeps it in ``g._login_user``), else what
    ``current_user`` gives, which loads it. ``state`` is ``g`` when the caller has it."""
    person = (the_g() if state is None else state).get("_login_user")
    return _user._get_current_object() if person is None else person
