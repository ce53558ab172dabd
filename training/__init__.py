"""The training platform: ``create_app`` reads top to bottom, one step per subsystem."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from flask import Flask

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


class Platform(Flask):
    """Flask, asking once per function whether it is a coroutine function: Flask asks again
    for every hook and view on every request (17 times per lesson page)."""

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
