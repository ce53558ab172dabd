"""The training platform: ``create_app`` reads top to bottom, one step per subsystem."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the application: config, database, catalogue, security, languages, blueprints,
    errors, CLI."""
    from . import catalogue, cli, config, database, i18n, security
    from .web import errors, register_blueprints

    app = Flask(__name__, instance_relative_config=True)
    config.load_config(app, overrides)
    database.init_app(app)
    catalogue.init_app(app)
    security.init_app(app)
    i18n.init_app(app)
    register_blueprints(app)
    errors.init_app(app)
    cli.init_app(app)
    return app
