"""How the platform writes: the SQLite write lock at BEGIN, reads that never queue, retries."""

from __future__ import annotations

import os
import sqlite3
import time
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from training import database
from training.database import driver_batches, transactional, write_transaction
from training.extensions import db
from training.models import Role, User
from training.queries.accounts import signed_in

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


@pytest.mark.skipif(not POSTGRES_URL, reason="PostgreSQL connections only")
def test_a_pooled_connection_the_server_ended_is_replaced_before_a_request_uses_it(app):
    assert not db.engine.pool._pre_ping  # no SELECT 1 before every request
    with db.engine.connect() as conn:
        ended = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    # back in the pool; an administrator (or a restart) ends it on the server's side
    admin = sa.create_engine(db.engine.url)
    with admin.connect() as conn:
        assert conn.execute(sa.text("SELECT pg_terminate_backend(:p)"), {"p": ended}).scalar()
        for _ in range(200):  # until the server has closed it
            if not conn.execute(sa.text("SELECT 1 FROM pg_stat_activity WHERE pid = :p"), {"p": ended}).first():
                break
            time.sleep(0.01)
    admin.dispose()
    with db.engine.connect() as conn:  # no error: the pool noticed and opened another
        assert conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() != ended


def test_sqlite_runs_in_wal_mode_with_foreign_keys(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
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


@pytest.mark.parametrize("app_overrides", [{"DB_POOL_SIZE": 1, "DB_POOL_TIMEOUT": 2}])
def test_the_signed_in_person_is_read_on_the_connection_a_request_already_holds(app):
    """A page that reads the database before it asks who is signed in must not wait for a
    second connection: a worker's pool holds one (on SQLite the pool is SQLAlchemy's own)."""
    user = make_user()
    db.session.remove()
    checkouts: list[object] = []
    sa.event.listen(db.engine, "checkout", lambda *_: checkouts.append(1))
    assert signed_in(user.id).email == user.email  # nothing open yet: a connection of its own
    assert len(checkouts) == 1
    db.session.execute(sa.select(1))  # the view's own read holds a connection now
    assert len(checkouts) == 2
    started = time.monotonic()
    person = signed_in(user.id, ("u1", "nowhere"))
    assert person is not None and person.id == user.id and person.lesson.record is None
    assert len(checkouts) == 2  # read on the same connection, not a second one
    assert time.monotonic() - started < 1


@sqlite_only
def test_on_sqlite_the_signed_in_person_is_read_on_the_threads_own_connection_and_sees_every_commit(app):
    """The read every signed-in page makes keeps one connection per thread outside the pool
    (checking one out cost as much as the statement), yet each read is a transaction of its
    own: a change committed elsewhere (another worker signing the person out everywhere) is
    seen by the next read, and no snapshot is held between reads (the WAL can be emptied)."""
    user = make_user()
    db.session.remove()
    checkouts: list[object] = []
    sa.event.listen(db.engine, "checkout", lambda *_: checkouts.append(1))
    before = signed_in(user.id)
    assert before is not None and before.active
    opened = len(checkouts)
    assert opened == 1  # the thread's reader, opened by the pool (its PRAGMAs) and detached
    other = other_connection(app)
    other.execute("UPDATE user SET session_version = session_version + 1, active = 0 WHERE id = ?", (user.id,))
    after = signed_in(user.id)
    assert after is not None and after.session_version == before.session_version + 1 and not after.active
    for _ in range(3):
        signed_in(user.id)
    assert len(checkouts) == opened and db.engine.pool.checkedout() == 0
    busy, _, _ = other.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    assert busy == 0  # no reader left a transaction open
    other.close()


@sqlite_only
def test_a_threads_sqlite_reader_is_closed_by_dispose_and_replaced_when_it_fails(app):
    """``dispose`` (a restore replacing the file) closes the readers with the pool's
    connections; a reader whose statement failed is dropped, and the next read opens another."""
    user = make_user()
    db.session.remove()
    signed_in(user.id)
    reader = database._thread.connection
    db.engine.dispose()
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        reader.execute("SELECT 1")
    assert signed_in(user.id).id == user.id
    broken = database._thread.connection
    assert broken is not reader
    broken.close()  # its state unknown, as after an I/O error
    with pytest.raises(DBAPIError):
        signed_in(user.id)
    assert signed_in(user.id).id == user.id and database._thread.connection is not broken


@sqlite_only
def test_a_forked_process_reads_on_a_sqlite_connection_of_its_own(app):
    """A worker forked from a process that had read (SQLite connections must not cross a
    fork) opens its own reader instead of using the one it inherited, and the parent's
    reader keeps working after the worker is gone."""
    user = make_user()
    db.session.remove()
    signed_in(user.id)
    reader = database._thread.connection
    child = os.fork()
    if child == 0:  # the worker
        status = 1
        try:
            person = signed_in(user.id)
            status = 0 if person is not None and database._thread.connection is not reader else 2
        finally:
            os._exit(status)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert database._thread.connection is reader
    assert reader.execute("SELECT count(*) FROM user").fetchone() == (1,)
    assert signed_in(user.id).id == user.id


def test_driver_batches_give_what_the_session_gives_in_batches_of_the_size_asked(app):
    """The rows read on the driver's cursor are the values ``Session.execute`` gives: the
    parameters through their types (an enum), the values through their columns' (an enum and
    a moment, which SQLite keeps as text), in order, and never more rows at once than asked."""
    for i in range(7):
        make_user("learner", name=f"Learner {i}")
    make_user("trainer", name="Not a learner")
    statement = (
        sa.select(User.id, User.name, User.role, User.created_at)
        .where(User.role == Role.LEARNER, User.name.like("Learner %"))
        .order_by(User.name.desc())
    )
    expected = [tuple(row) for row in db.session.execute(statement)]
    batches = list(driver_batches(statement, 3))
    assert [len(batch) for batch in batches] == [3, 3, 1]
    assert [row for batch in batches for row in batch] == expected
    assert {row[2] for row in expected} == {Role.LEARNER} and all(row[3].year > 2000 for row in expected)


def test_the_signed_in_read_converts_values_as_the_orm_does_every_time(app):
    """The read every signed-in page makes converts the driver's values (roles, flags, time
    stamps stored as text) as the ORM does, and its remembered conversions never hand one
    person's value to another or an old value after a change."""
    from datetime import UTC, datetime, timedelta

    from training.models import LessonProgress

    verified = datetime(2026, 11, 30, 9, 15, 30, 123456, tzinfo=UTC)
    first, second = make_user(role="trainer"), make_user()
    for user, when in ((first, verified), (second, verified + timedelta(seconds=1))):
        db.session.execute(sa.update(User).where(User.id == user.id).values(email_verified_at=when))
    db.session.add(
        LessonProgress(user_id=first.id, unit_id="u1", lesson_id="l1", last_opened_at=verified, completed_at=None)
    )
    db.session.commit()
    db.session.remove()
    for _ in range(3):  # the first read converts, the next ones may remember
        for user in (first, second):
            person = signed_in(user.id, ("u1", "l1"))
            stored = db.session.get(User, user.id)
            assert person is not None and stored is not None
            assert person.role is stored.role and person.active is stored.active is True
            assert person.email_verified_at == stored.email_verified_at
            assert person.email_verified_at.tzinfo is not None
            if user is first:
                assert person.lesson.record is not None and person.lesson.record.opened_at == verified
            else:
                assert person.lesson.record is None
            db.session.remove()
    db.session.execute(sa.update(User).where(User.id == first.id).values(email_verified_at=None, role=Role.ADMIN))
    db.session.commit()
    db.session.remove()
    changed = signed_in(first.id)
    assert changed is not None and changed.email_verified_at is None and changed.role is Role.ADMIN


def test_a_prepared_statement_writes_what_execute_would_with_its_values_bound_once(app):
    """Fixed values of every kind (an expanded list of texts, an enum, a boolean, a number, a
    moment), processed once by their types as ``execute`` would (SQLite's driver writes a
    moment without its zero microseconds, the column's type with them); the varying value
    given at each run."""
    chosen, other, admin = make_user(), make_user(), make_user(role="admin")
    moment = datetime(2026, 12, 8, 9, 30, tzinfo=UTC)
    db.session.execute(sa.update(User).values(created_at=moment))
    db.session.commit()
    statement = (
        sa.update(User)
        .where(
            User.id == sa.bindparam("learner", 0, type_=sa.Integer),
            User.email.in_([chosen.email, admin.email]),
            User.role == Role.LEARNER,
            User.active.is_(True),
            User.id > -1,
            User.created_at == moment,
        )
        .values(name="Renamed")
    )
    prepared = database.Prepared(statement, "learner")
    with write_transaction():
        connection = db.session.connection()
        changed = [prepared.run(connection, learner=user.id) for user in (chosen, other, admin)]
    assert changed == [1, 0, 0]  # other: not in the list; admin: not a learner
    db.session.expire_all()
    assert [u.name == "Renamed" for u in (chosen, other, admin)] == [True, False, False]


def test_a_prepared_statement_refuses_an_expanded_list_its_driver_might_read_otherwise(app):
    statement = sa.delete(User).where(User.id == sa.bindparam("learner", 0), User.role.in_([Role.ADMIN]))
    with write_transaction(), pytest.raises(TypeError, match="in an expanded list"):
        database.Prepared(statement, "learner").run(db.session.connection(), learner=1)
