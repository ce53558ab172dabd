"""Fixtures shared by the whole suite.

The suite runs on SQLite by default and on PostgreSQL when ``TRAINING_TEST_DATABASE_URL``
is set (``make test`` does both). Tests get a fresh, empty database each: a new SQLite file,
or the PostgreSQL tables emptied. CSRF protection stays on, as in production; helpers read
the token from the page like a browser would.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

import training.catalogue
from training import create_app
from training.content import build_catalogue
from training.extensions import db
from training.models import Base

from .factories import make_user  # noqa: F401 - re-exported for tests

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINIMAL = FIXTURES / "content" / "minimal"
TRANSLATED = FIXTURES / "content" / "translated"
"""The minimal course (with a few more figures) in French, partly in Spanish, two lessons in Arabic."""
POSTGRES_URL = os.environ.get("TRAINING_TEST_DATABASE_URL")
CSRF_PATTERN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@cache
def _cached_catalogue(content_dir: str):
    return build_catalogue(content_dir)


@pytest.fixture(autouse=True, scope="session")
def _catalogue_cache() -> Iterator[None]:
    """Build each content folder once per session: the catalogue is immutable anyway."""
    original = training.catalogue.build_catalogue
    training.catalogue.build_catalogue = lambda path: _cached_catalogue(str(Path(path).resolve()))
    yield
    training.catalogue.build_catalogue = original


def database_url(tmp_path: Path) -> str:
    return POSTGRES_URL or f"sqlite:///{tmp_path / 'test.db'}"


def make_config(tmp_path: Path, **overrides) -> dict:
    config = {
        "ENV_NAME": "testing",
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "DATABASE_URL": database_url(tmp_path),
        "CONTENT_DIR": str(MINIMAL),
        "GUIDE_CACHE_DIR": str(tmp_path / "guide-cache"),
    }
    config.update(overrides)
    return config


@contextmanager
def empty_database(tmp_path: Path):
    """A brand-new database: a SQLite file, or a throwaway PostgreSQL database."""
    if not POSTGRES_URL:
        yield f"sqlite:///{tmp_path / 'migrations.db'}"
        return
    name = f"migrations_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def reset_database(app) -> None:  # noqa: ANN001
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            with db.engine.begin() as conn:
                Base.metadata.create_all(conn)
                conn.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        else:
            Base.metadata.create_all(db.engine)


@pytest.fixture
def app_overrides() -> dict:
    """Override in a test module to change the app's settings."""
    return {}


class FreshContextClient(FlaskClient):
    """Each request gets its own application context, as in a real server.

    The ``app`` fixture keeps a context open so tests can use the database directly; without
    this, requests would share that context and its ``g`` (cached user, CSRF token).
    """

    def open(self, *args, **kwargs):  # noqa: ANN002, ANN003, ANN201
        kwargs.setdefault("buffered", True)  # read and close file responses (static files, PDFs)
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def app(tmp_path: Path, app_overrides: dict):
    app = create_app(make_config(tmp_path, **app_overrides))
    app.test_client_class = FreshContextClient
    reset_database(app)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_from(html: str) -> str:
    found = CSRF_PATTERN.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def get_csrf(client, path: str = "/login") -> str:  # noqa: ANN001
    return csrf_from(client.get(path).get_data(as_text=True))


class Auth:
    """Sign in and out through the real forms (flaskr's AuthActions)."""

    def __init__(self, client):  # noqa: ANN001
        self.client = client

    def login(self, email: str, password: str = "correct horse battery", follow: bool = False):  # noqa: ANN201
        token = get_csrf(self.client, "/login")
        response = self.client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}, follow_redirects=follow
        )
        if response.status_code == 302 and response.headers["Location"].endswith("/login/verify"):
            from .factories import totp_code_for

            token = get_csrf(self.client, "/login/verify")
            response = self.client.post(
                "/login/verify", data={"code": totp_code_for(email), "csrf_token": token}, follow_redirects=follow
            )
        return response

    def logout(self):  # noqa: ANN201
        token = get_csrf(self.client, "/")
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client) -> Auth:
    return Auth(client)


@pytest.fixture
def login_as(app, client, auth):
    """``login_as("learner")`` creates a user with that role, signs them in and returns them."""

    def _login(role: str = "learner", **fields):
        user = make_user(role=role, **fields)
        response = auth.login(user.email)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return _login
