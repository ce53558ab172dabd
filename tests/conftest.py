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
from .helpers import (  # noqa: F401 - the content tests still import the paths from here
    FIXTURES,
    MINIMAL,
    ROOT,
    TRANSLATED,
    Auth,
    FreshContextClient,
    cached_catalogue,
    make_config,
    reset_database,
)
from .mailserver import SmtpServer, smtp_server


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """How pytest-xdist (``--dist loadgroup``) shares the tests out. Tests that start a real
    server or browser run one after another on one worker, rather than competing with each
    other for the cores; tests that share a fixture built once per module (or session) in
    their own module run on one worker, so it is built once. Everything else is spread."""
    for item in items:
        if item.get_closest_marker("server") or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("live"))
        elif _shares_a_module_fixture(item):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))


def _shares_a_module_fixture(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    module = item.nodeid.split("::")[0]
    return any(
        definition.scope in ("module", "session") and getattr(definition.node, "nodeid", None) == module
        for definitions in info.name2fixturedefs.values()
        for definition in definitions
    )


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


@pytest.fixture
def smtp(app: Flask) -> Iterator[SmtpServer]:
    """A real SMTP server (aiosmtpd) on loopback; the app sends its mail there."""
    with smtp_server() as server:
        app.config.update(server.config)
        yield server


@pytest.fixture
def send_mail(app: Flask) -> Callable[[], Any]:
    """Send the outbox now, as ``training mail send-pending`` would."""
    from training.services import mail as outbox

    return outbox.send_pending
