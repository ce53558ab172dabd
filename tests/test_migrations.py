"""Alembic migrations build the same schema as the models, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from training import create_app
from training.extensions import db
from training.models import Base

from .helpers import empty_database, make_config


def test_upgrade_from_empty_matches_the_models(tmp_path: Path):
    with empty_database(tmp_path) as url:
        app = create_app(make_config(tmp_path, DATABASE_URL=url))
        with app.app_context():
            upgrade()
            with db.engine.connect() as conn:
                diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
                tables = set(sa.inspect(conn).get_table_names())
            assert diff == []
            assert {"user", "quiz_attempt", "lesson_progress", "alembic_version"} <= tables
            db.engine.dispose()


def test_downgrade_to_base_and_upgrade_again(tmp_path: Path):
    with empty_database(tmp_path) as url:
        app = create_app(make_config(tmp_path, DATABASE_URL=url))
        with app.app_context():
            upgrade()
            downgrade(revision="base")
            with db.engine.connect() as conn:
                assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
            upgrade()
            db.engine.dispose()


def test_cli_db_check_reports_no_drift(tmp_path: Path):
    with empty_database(tmp_path) as url:
        app = create_app(make_config(tmp_path, DATABASE_URL=url))
        runner = app.test_cli_runner()
        assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
        result = runner.invoke(args=["db", "check"])
        assert result.exit_code == 0, result.output  # `db check` exits 1 when the models drift
        with app.app_context():
            db.engine.dispose()
