"""Fixtures shared by the whole suite (helpers that are not fixtures are in
``tests/helpers.py``, factories in ``tests/factories.py``).

The suite runs on SQLite by default and on PostgreSQL when ``TRAINING_TEST_DATABASE_URL``
is set (``make test`` does both). Tests get a fresh, empty database each: a new SQLite file,
or the PostgreSQL tables emptied (under pytest-xdist, each worker has a database of its own).
CSRF protection stays on, as in production; helpers read the token from the page like a
browser would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from training import create_app
from training.extensions import db
from training.models import User

from .factories import make_user
from .helpers import (  # noqa: F401 - the guide and content tests import these from here
    FIXTURES,
    MINIMAL,
    ROOT,
    Auth,
    FreshContextClient,
    cached_catalogue,
    make_config,
    reset_database,
)

_cached_catalogue = cached_catalogue  # the name the guide tests import


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that start a real server or browser run one after another on one xdist worker
    (``--dist loadgroup``): they would otherwise compete for the two cores with each other's
    workers and time-outs. Everything else is spread over the workers."""
    for item in items:
        if item.get_closest_marker("server") or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("live"))


@pytest.fixture
def app_overrides() -> dict[str, Any]:
    """Override in a test module to change the app's settings."""
    return {}


@pytest.fixture
def app(tmp_path: Path, app_overrides: dict[str, Any]) -> Iterator[Flask]:
    config = make_config(tmp_path, **app_overrides)
    app = create_app(config, catalogue=cached_catalogue(config["CONTENT_DIR"]))
    app.test_client_class = FreshContextClient
    reset_database(app)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    return Auth(client)


@pytest.fixture
def login_as(app: Flask, client: FlaskClient, auth: Auth) -> Callable[..., User]:
    """``login_as("learner")`` creates a user with that role, signs them in and returns them."""

    def _login(role: str = "learner", **fields: Any) -> User:
        user = make_user(role=role, **fields)
        response = auth.login(user.email)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return _login
