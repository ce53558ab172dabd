"""The training platform: ``create_app`` reads top to bottom, one step per subsystem."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from flask import Flask, wrappers
from werkzeug import datastructures

if TYPE_CHECKING:
    from .content import Catalogue


def create_app(overrides: Mapping[str, Any] | None = None, *, catalogue: Catalogue | None = None) -> Flask:
    """Build the application: config, logs (request ids), client addresses behind proxies,
    database, course, sign-in and headers, languages, page access, request checks, templates,
    static files, blueprints, error pages, metrics, mail after requests, commands.

    ``catalogue`` is a course already built from ``CONTENT_DIR`` (the tests build each fixture
    course once); without it the course is loaded and checked here.
    """
    from . import cli, config, course, database, i18n, logs, metrics, proxies, security
    from .web import access, assets, errors, mail, params, register_blueprints, templating

    app = Platform(__name__, instance_relative_config=True)
    config.load_config(app, overrides)
    logs.init_app(app)
    proxies.init_app(app)
    database.init_app(app)
    course.init_app(app, catalogue)
    security.init_app(app)
    i18n.init_app(app)
    access.init_app(app)
    params.init_app(app)
    templating.init_app(app)
    assets.init_app(app)
    register_blueprints(app)
    errors.init_app(app)
    metrics.init_app(app)
    mail.init_app(app)
    cli.init_app(app)
    return app


class Headers(datastructures.Headers):
    """Werkzeug's response headers, answering "is it there?" and "what is it, if anything?"
    without raising and catching an exception for an absent header, as Werkzeug does (about
    a microsecond each, and a page asks a dozen times: the hooks add ``Vary``, ``ETag``,
    ``Date`` only when absent). The same answers: names compared case-insensitively, the
    first match wins."""

    __slots__ = ()

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return super().__contains__(key)  # type: ignore[operator]  # Werkzeug's answer for the rest
        wanted = key.lower()
        return any(name.lower() == wanted for name, _ in self._list)

    def get(self, key: Any, default: Any = None, type: Any = None) -> Any:  # type: ignore[override]  # Werkzeug's names
        if type is not None or not isinstance(key, str):
            return super().get(key, default, type)
        wanted = key.lower()
        for name, value in self._list:
            if name.lower() == wanted:
                return value
        return default

    def add_absent(self, pairs: tuple[tuple[str, str], ...]) -> None:
        """``setdefault`` for each pair in turn (a header already there keeps its value), in
        one pass over the headers. The pairs are the platform's own constant headers, so they
        are checked for line breaks as Werkzeug checks every value, once per set of pairs
        rather than on every response."""
        if pairs not in _CHECKED:
            for name, value in pairs:
                datastructures.Headers().add(name, value)  # raises as ``add`` would
            _CHECKED.add(pairs)
        present = {name.lower() for name, _ in self._list}
        self._list.extend(pair for pair in pairs if pair[0].lower() not in present)


_CHECKED: set[tuple[tuple[str, str], ...]] = set()


class Response(wrappers.Response):
    """Flask's response, with :class:`Headers`, handing a plain answer's headers to the
    server as they are.

    Werkzeug copies every response's headers (checking each again) to adjust the few that
    depend on the request or the status: ``Location`` and ``Content-Location`` made absolute,
    ``Content-Length`` removed or worked out. A ``200`` with neither location header and its
    length known (every page) has nothing to adjust; any other answer is adjusted as before.
    """

    def __init__(
        self, response: Any = None, status: Any = None, headers: Any = None, *args: Any, **kwargs: Any
    ) -> None:
        if not isinstance(headers, datastructures.Headers):
            headers = Headers(headers)
        super().__init__(response, status, headers, *args, **kwargs)

    def get_wsgi_headers(self, environ: Any) -> datastructures.Headers:
        headers = self.headers
        if (
            self.status_code == 200
            and "Content-Length" in headers
            and "Location" not in headers
            and "Content-Location" not in headers
        ):
            return headers
        return super().get_wsgi_headers(environ)


class Platform(Flask):
    """Flask, asking once per function whether it is a coroutine function: Flask asks again
    for every hook and view on every request (17 times per lesson page); its responses
    carry :class:`Headers`."""

    response_class = Response

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._synced: dict[Callable[..., Any], Callable[..., Any]] = {}

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        synced = self._synced.get(func)
        if synced is None:
            if len(self._synced) >= MAX_SYNCED:  # per-request callbacks (after_this_request) are new each time
                self._synced.clear()
            synced = self._synced[func] = super().ensure_sync(func)
        return synced


MAX_SYNCED = 1024
