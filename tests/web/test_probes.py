"""The probes: /healthz answers without the database; /readyz checks the database, the schema
revision, the course and the secret key shared by every server."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask_migrate import stamp

from training import create_app
from training.extensions import db
from training.probes import NotServing, check_before_serving, fingerprint
from training.queries.site import site_setting
from training.services.site import replace_site_setting

from ..helpers import make_config

UNREACHABLE = "postgresql+psycopg://nobody@127.0.0.1:9/nothing?connect_timeout=2"
"""Port 9 (discard) has no PostgreSQL: every connection attempt is refused at once."""
OTHER_KEY = "another-servers-secret-key-0123456789-abcdef"


@pytest.fixture
def alembic_version(app: Flask) -> Iterator[None]:
    """The tests' databases are made with create_all (no revision table): drop the one a test
    stamps, so the next test on the same PostgreSQL database starts without it."""
    yield
    db.session.rollback()
    with db.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))


def test_healthz_answers_while_the_database_is_unreachable(tmp_path: Path):
    app = create_app(make_config(tmp_path, DATABASE_URL=UNREACHABLE))
    client = app.test_client()
    live = client.get("/healthz")
    assert live.status_code == 200 and live.get_json()["status"] == "ok"
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json() == {"status": "not ready", "checks": {"content": "ok", "database": "unreachable"}}


def test_readyz_waits_for_the_migrations(client, alembic_version):
    pending = client.get("/readyz")
    assert pending.status_code == 503
    assert pending.get_json()["checks"] == {"content": "ok", "database": "ok", "migrations": "pending"}
    stamp(revision="head")
    ready = client.get("/readyz")
    assert ready.status_code == 200, ready.get_json()
    assert ready.get_json() == {
        "status": "ready",
        "checks": {"content": "ok", "database": "ok", "migrations": "ok", "secret_key": "ok"},
    }


def test_readyz_stays_ready_when_newer_code_migrated_first(client, alembic_version):
    """A rolling deploy runs the migrations, then replaces the servers one by one: the old
    servers keep serving meanwhile."""
    stamp(revision="head")
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'f00dfeed1234'"))
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"]["migrations"] == "ahead"


def test_readyz_fails_when_another_server_signs_with_another_key(client, alembic_version):
    stamp(revision="head")
    replace_site_setting("secret_key_fingerprint", fingerprint(OTHER_KEY))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["secret_key"] == "differs"


def _server_app(app: Flask, tmp_path: Path, **overrides) -> Flask:
    """Another app server on the same database."""
    return create_app(make_config(tmp_path, DATABASE_URL=app.config["DATABASE_URL"], **overrides))


def test_a_server_with_another_key_refuses_to_start(app, tmp_path, alembic_version):
    stamp(revision="head")
    first = _server_app(app, tmp_path / "one")
    check_before_serving(first)
    assert site_setting("secret_key_fingerprint") == fingerprint(first.config["SECRET_KEY"])
    second = _server_app(app, tmp_path / "two", SECRET_KEY=OTHER_KEY)
    with pytest.raises(NotServing, match="Every server must use the same key"):
        check_before_serving(second)
    check_before_serving(first)  # the same key again: fine


def test_a_key_being_rotated_is_accepted_and_recorded(app, tmp_path, alembic_version):
    stamp(revision="head")
    old = _server_app(app, tmp_path / "old")
    check_before_serving(old)
    new = _server_app(app, tmp_path / "new", SECRET_KEY=OTHER_KEY, SECRET_KEY_FALLBACKS=[old.config["SECRET_KEY"]])
    check_before_serving(new)
    assert site_setting("secret_key_fingerprint") == fingerprint(OTHER_KEY)
    check_before_serving(new)


def test_the_key_check_waits_for_the_migrations(app, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="training.probes")
    check_before_serving(_server_app(app, tmp_path / "early"))  # no revision table yet: no refusal
    assert "training db upgrade" in caplog.text


def test_adopting_a_new_key_from_the_command_line(app, tmp_path, alembic_version):
    stamp(revision="head")
    check_before_serving(_server_app(app, tmp_path / "one"))
    other = _server_app(app, tmp_path / "two", SECRET_KEY=OTHER_KEY)
    runner = other.test_cli_runner()
    with other.app_context():  # the commands run as that server, not the fixture's app
        assert runner.invoke(args=["secret-key", "check"]).exit_code == 1
        result = runner.invoke(args=["secret-key", "adopt", "--yes"])
        assert result.exit_code == 0, result.output
        checked = runner.invoke(args=["secret-key", "check"])
        assert checked.exit_code == 0 and "is the one the other servers" in checked.output
    check_before_serving(other)
