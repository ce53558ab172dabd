"""Engine set-up and the one way to write: :func:`transactional`.

SQLite (the default) runs in WAL mode with foreign keys on and a busy timeout. Reads use a
plain deferred ``BEGIN``, so readers never queue behind each other; every write transaction
starts with ``BEGIN IMMEDIATE``, which takes the write lock up front and so waits politely for
another worker's write instead of failing with "database is locked" (a deferred transaction
that read first cannot upgrade to a writer once another connection has written).
PostgreSQL runs at READ COMMITTED; writes are single conditional statements or upserts, and a
deadlock or serialization failure is retried.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import ParamSpec, TypeVar, cast

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from .config import PROJECT_ROOT
from .extensions import db, migrate

WRITE_OPTION = "training_write"
WRITER_QUEUE = "training.writer_queue"
RETRY_SQLSTATES = {"40001", "40P01"}
MAX_TRIES = 3

P = ParamSpec("P")
R = TypeVar("R")


def init_app(app: Flask) -> None:
    url = sa.engine.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if url.get_backend_name() == "sqlite":
        options.setdefault("connect_args", {})["timeout"] = app.config["SQLITE_BUSY_TIMEOUT"]
        if url.database and url.database != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(url.database)), exist_ok=True)
    else:
        options.setdefault("pool_pre_ping", True)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    app.teardown_appcontext(_close_session_quietly)  # runs before Flask-SQLAlchemy's own
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"))
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _configure_sqlite(db.engine)
            if url.database and url.database != ":memory:":
                app.extensions[WRITER_QUEUE] = WriterQueue(os.path.abspath(url.database))


def _close_session_quietly(_exc: BaseException | None) -> None:
    """End the request's session; if the database went away meanwhile, forget the session
    instead of failing the response the learner already has (it was a 503 or a success)."""
    try:
        db.session.remove()
    except DBAPIError:
        db.session.registry.clear()


def _configure_sqlite(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:
        dbapi_conn.isolation_level = None  # SQLAlchemy, not pysqlite, emits BEGIN
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # a result the learner was told is saved stays saved
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class WriterQueue:
    """Lines up SQLite writers from every thread and worker process on one file lock.

    SQLite lets one writer in at a time; the others wait in its busy handler, which sleeps
    in growing steps (up to 100 ms) and wakes late. Queuing on ``flock`` first hands the
    turn over the moment the previous writer finishes, and a crashed worker's place is
    released by the kernel. ``BEGIN IMMEDIATE`` and the busy timeout remain the guarantee.
    """

    def __init__(self, database: str):
        self.path = f"{database}.writers"
        self.thread_lock = threading.Lock()
        self.pid = -1
        self.fd = -1

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self.thread_lock:
            if self.pid != os.getpid():  # a forked worker needs its own open file
                self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                self.pid = os.getpid()
            fcntl.flock(self.fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self.fd, fcntl.LOCK_UN)


def _writer_queue() -> contextlib.AbstractContextManager[None]:
    queue = current_app.extensions.get(WRITER_QUEUE)
    return queue.turn() if queue is not None else nullcontext()


@contextmanager
def write_transaction(name: str = "write") -> Iterator[None]:
    """One unit of work that writes: committed at the end, rolled back on any error."""
    session = db.session()
    if session.in_transaction():
        # End the request's read snapshot first: nothing is pending in it, and a fresh
        # transaction can take the write lock at BEGIN.
        session.commit()
    with _writer_queue():
        session.connection(execution_options={WRITE_OPTION: True})
        try:
            yield
            session.flush()
            fault_point(f"before_commit:{name}")
            session.commit()
        except BaseException:
            session.rollback()
            raise


def transactional(fn: Callable[P, R]) -> Callable[P, R]:
    """Run a service function as one write transaction, retrying PostgreSQL serialization
    failures and deadlocks (SQLSTATE 40001/40P01) as the PostgreSQL manual advises."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        for attempt in range(1, MAX_TRIES + 1):
            try:
                with write_transaction(fn.__name__):
                    return fn(*args, **kwargs)
            except DBAPIError as exc:
                sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
                if sqlstate not in RETRY_SQLSTATES or attempt == MAX_TRIES:
                    raise
        raise AssertionError("unreachable")

    return wrapper


def fault_point(name: str) -> None:
    """Crash the worker here when the fault-injection test asks for it (never in production).

    With ``FAULT_INJECTION`` on and ``TRAINING_FAULT=<name>`` in the environment (for example
    ``before_commit:submit_attempt``: after the writes are flushed, before they are committed),
    the process kills itself with SIGKILL; the crash tests prove nothing half-written survives.
    """
    if current_app.config.get("FAULT_INJECTION") and os.environ.get("TRAINING_FAULT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


@contextmanager
def unique_or(error: Exception) -> Iterator[None]:
    """Raise ``error`` (a message for the person) when the rows added inside the block clash
    with a unique constraint: under concurrency the database decides, not a count made
    beforehand, and the clash costs a savepoint instead of the whole transaction."""
    try:
        with db.session.begin_nested():
            yield
    except IntegrityError:
        raise error from None


def insert(model: type) -> sqlite.Insert:
    """A dialect-aware INSERT that supports ``on_conflict_do_nothing/do_update`` (upserts).
    PostgreSQL's and SQLite's INSERT share that interface; the type names SQLite's."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(sqlite.Insert, postgresql.insert(model))
    return sqlite.insert(model)


def changed_rows(result: Result) -> int:
    """How many rows an UPDATE or DELETE changed (``rowcount``, typed)."""
    return cast(CursorResult, result).rowcount


def ping() -> None:
    """One round trip to the database; raises when it cannot be reached."""
    db.session.execute(sa.text("SELECT 1"))


def rollback_quietly() -> None:
    """Abandon the request's transaction after an error, even if the database has gone away
    meanwhile (the error page must not fail in turn)."""
    try:
        db.session.rollback()
    except OperationalError:
        pass
