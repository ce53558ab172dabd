"""How the platform writes: the SQLite write lock at BEGIN, reads that never queue, retries."""

from __future__ import annotations

import sqlite3

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from training.database import transactional, write_transaction
from training.extensions import db
from training.models import User

from .factories import make_user
from .helpers import POSTGRES_URL

sqlite_only = pytest.mark.skipif(bool(POSTGRES_URL), reason="SQLite file locking; PostgreSQL has row locks")


def other_connection(app) -> sqlite3.Connection:
    path = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"]).database
    return sqlite3.connect(path, timeout=0, isolation_level=None)


@sqlite_only
def test_write_transaction_takes_the_write_lock_at_begin(app):
    user = make_user()
    other = other_connection(app)
    with write_transaction():
        db.session.get(User, user.id)  # only a read so far, yet the lock is already held
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("UPDATE user SET name = 'x'")
    other.execute("UPDATE user SET name = 'x'")  # free again after commit
    other.close()


@sqlite_only
def test_reads_do_not_take_the_write_lock(app):
    user = make_user()
    db.session.get(User, user.id)  # a read transaction is open in the app's session
    other = other_connection(app)
    other.execute("UPDATE user SET name = 'changed'")
    other.close()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    if db.engine.dialect.name != "sqlite":
        assert db.engine.pool._pre_ping  # PostgreSQL: stale connections are replaced
        return
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


class SerializationFailure(Exception):
    sqlstate = "40001"


def test_serialization_failures_are_retried(app):
    calls = []

    @transactional
    def flaky() -> str:
        calls.append(1)
        if len(calls) == 1:
            raise DBAPIError("UPDATE ...", {}, SerializationFailure())
        return "done"

    assert flaky() == "done" and len(calls) == 2


def test_other_database_errors_are_not_retried(app):
    calls = []

    @transactional
    def broken() -> None:
        calls.append(1)
        db.session.execute(sa.text("SELECT * FROM no_such_table"))

    with pytest.raises(DBAPIError):
        broken()
    assert len(calls) == 1


def test_a_failed_unit_of_work_leaves_nothing_behind(app):
    @transactional
    def half_done() -> None:
        db.session.add(User(email="half@example.org", name="Half", password_hash="x"))
        db.session.flush()
        raise RuntimeError("crash after the insert")

    with pytest.raises(RuntimeError):
        half_done()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
