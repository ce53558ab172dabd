"""The training platform: ``create_app`` reads top to bottom, one step per subsystem."""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any, cast

from flask import Flask, wrappers
from werkzeug import datastructures
from werkzeug.routing import Map, Rule
from werkzeug.routing.matcher import StateMachineMatcher

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
    ``Date`` only when absent), and comparing a name in lower case only when its length
    matches (Werkzeug lowers every name it passes: 160 times a page). The same answers: names
    compared case-insensitively, the first match wins; setting an absent header adds it."""

    __slots__ = ()

    def _index(self, key: str) -> int:
        """Where the first header named ``key`` is, or -1."""
        size, wanted = len(key), key.lower()
        for index, (name, _) in enumerate(self._list):
            if len(name) == size and name.lower() == wanted:
                return index
        return -1

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return super().__contains__(key)  # type: ignore[operator]  # Werkzeug's answer for the rest
        return self._index(key) >= 0

    def get(self, key: Any, default: Any = None, type: Any = None) -> Any:  # type: ignore[override]  # Werkzeug's names
        if type is not None or not isinstance(key, str):
            return super().get(key, default, type)
        index = self._index(key)
        return default if index < 0 else self._list[index][1]

    def set(self, _key: str, _value: Any, /, **kw: Any) -> None:
        if not kw and isinstance(_key, str) and self._index(_key) < 0:
            self.add(_key, _value)  # what ``set`` does for an absent header, value checked the same
        else:
            super().set(_key, _value, **kw)

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


_WERKZEUG_VARY: property = wrappers.Response.vary


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

    def _read_vary(self) -> datastructures.HeaderSet:
        """Werkzeug's ``vary``, reading a list of plain names (no quotes: every ``Vary`` the
        platform sends) with ``split`` instead of its parser, which walks the value a character
        at a time (3 µs for a page's ``Vary``, which Flask reads on every response to add
        ``Cookie``). The same set, kept in the header the same way when it changes."""
        value = self.headers.get("Vary")
        if not value or '"' in value:
            return cast(datastructures.HeaderSet, _WERKZEUG_VARY.__get__(self))
        headers = self.headers

        def on_update(names: datastructures.HeaderSet) -> None:
            if not names and "Vary" in headers:
                del headers["Vary"]
            elif names:
                headers["Vary"] = names.to_header()

        parts = (part.strip(" \t") for part in value.split(","))
        return datastructures.HeaderSet([part for part in parts if part], on_update)

    vary = property(_read_vary, _WERKZEUG_VARY.fset, doc=_WERKZEUG_VARY.__doc__)

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


class RememberingMatcher(StateMachineMatcher):
    """Werkzeug's route matcher, remembering the routes it found for the addresses asked
    most: finding one walks the rules' state machine with a regular expression per variable
    part (7 µs for a lesson's address, on every request). A match depends only on what it is
    given (host part, path, method, websocket) and the rules, so it is kept until the rules
    change (Werkzeug updates the matcher after a rule is added); a path with no route (404,
    405, a redirect) is worked out every time, and at most :data:`MAX_REMEMBERED_ROUTES`
    addresses are kept (a flood of made-up paths empties it)."""

    def __init__(self, merge_slashes: bool) -> None:
        super().__init__(merge_slashes)
        self._found: dict[tuple[str, str, str, bool], tuple[Rule, dict[str, Any]]] = {}

    def update(self) -> None:
        self._found.clear()
        super().update()

    def match(self, domain: str, path: str, method: str, websocket: bool) -> tuple[Rule, MutableMapping[str, Any]]:
        key = (domain, path, method, websocket)
        found = self._found.get(key)
        if found is None:
            rule, values = super().match(domain, path, method, websocket)
            if len(self._found) >= MAX_REMEMBERED_ROUTES:
                self._found.clear()
            found = self._found[key] = (rule, dict(values))
        return found[0], dict(found[1])  # the caller's own copy: Flask may change the values


MAX_REMEMBERED_ROUTES = 4096


class Routes(Map):
    """Werkzeug's URL map with a :class:`RememberingMatcher`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._matcher = RememberingMatcher(self.merge_slashes)
        for rule in self.iter_rules():  # any given to the constructor
            self._matcher.add(rule)


class Platform(Flask):
    """Flask, asking once per function whether it is a coroutine function: Flask asks again
    for every hook and view on every request (17 times per lesson page); its responses
    carry :class:`Headers`; its routes are matched by :class:`RememberingMatcher`."""

    response_class = Response
    url_map_class = Routes

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
