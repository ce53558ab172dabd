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
import datetime
import enum
import fcntl
import functools
import os
import secrets
import select
import signal
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any, ParamSpec, TypeVar, cast

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from flask import Flask, current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from .config import shipped
from .extensions import db, migrate

WRITE_OPTION = "training_write"
WRITER_QUEUE = "training.writer_queue"
RETRY_SQLSTATES = {"40001", "40P01"}
MAX_TRIES = 3

P = ParamSpec("P")
R = TypeVar("R")


def init_app(app: Flask) -> None:
    config = app.config
    url = sa.engine.make_url(config["SQLALCHEMY_DATABASE_URI"])
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if url.get_backend_name() == "sqlite":
        options.setdefault("connect_args", {})["timeout"] = config["SQLITE_BUSY_TIMEOUT"]
        if url.database and url.database != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(url.database)), exist_ok=True)
    else:
        options.update(_pool_options(config))
        if not config["DB_PREPARED_STATEMENTS"]:
            # PgBouncer in transaction mode hands each transaction to any server connection,
            # where a statement psycopg prepared on another one does not exist.
            options.setdefault("connect_args", {})["prepare_threshold"] = None
    config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    app.teardown_appcontext(_close_session_quietly)  # runs before Flask-SQLAlchemy's own
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR))
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _configure_sqlite(db.engine)
            if url.database and url.database != ":memory:":
                app.extensions[WRITER_QUEUE] = WriterQueue(os.path.abspath(url.database))
        else:
            _test_idle_connections(db.engine, config["DB_PING_AFTER_IDLE"])


def _pool_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """Connections per worker process: as many as it has threads (one request each), unless
    set, and no more (``DB_MAX_OVERFLOW``), so the total over every server stays within
    PostgreSQL's ``max_connections`` (docs/deploying.md); a request that finds none free
    within ``DB_POOL_TIMEOUT`` gets a 503."""
    return {
        "pool_size": config["DB_POOL_SIZE"] or config.get("SERVER_THREADS") or 5,
        "max_overflow": config["DB_MAX_OVERFLOW"],
        "pool_timeout": config["DB_POOL_TIMEOUT"],
        "pool_pre_ping": False,  # see _test_idle_connections
    }


def _test_idle_connections(engine: sa.Engine, ping_after: float | None) -> None:
    """Make sure a pooled connection still works before a request uses it, paying a round
    trip only where it earns it.

    SQLAlchemy's ``pool_pre_ping`` sends ``SELECT 1`` before every checkout: a round trip per
    request, most of the cost of a fast page. Instead: a connection the server has closed (a
    restart, an administrator ending backends) has data waiting on its socket, the server's
    farewell or the end of the stream, which one non-blocking ``poll`` sees for free; a
    connection idle for ``DB_PING_AFTER_IDLE`` seconds, which a firewall or PgBouncer may have
    dropped without a word, gets the real ping. Raising ``DisconnectionError`` here makes the
    pool replace the connection (SQLAlchemy, "Custom / Legacy Pessimistic Ping").
    """

    @sa.event.listens_for(engine, "checkin")
    def _note_idle(_dbapi_conn, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _check(dbapi_conn, record, _proxy) -> None:
        try:
            readable = select.select([dbapi_conn.fileno()], [], [], 0)[0]
        except (OSError, ValueError):
            raise sa.exc.DisconnectionError("connection closed") from None
        if readable:
            raise sa.exc.DisconnectionError("the server closed the connection")
        idle_since = record.info.get("idle_since")
        if ping_after is not None and idle_since is not None and time.monotonic() - idle_since > ping_after:
            try:
                dbapi_conn.execute("SELECT 1")
                dbapi_conn.rollback()
            except Exception as exc:
                raise sa.exc.DisconnectionError(str(exc)) from None


MIGRATIONS_DIR = shipped("migrations", "migrations")


@functools.cache
def _migration_script() -> ScriptDirectory:
    return ScriptDirectory(str(MIGRATIONS_DIR))


def migration_heads() -> set[str]:
    """The revisions this code's migrations end at."""
    return set(_migration_script().get_heads())


def migration_state(revisions: set[str]) -> str:
    """``ok`` (at this code's head), ``pending`` (an upgrade is due) or ``ahead`` (migrated by
    newer code, as during a rolling deploy)."""
    heads = migration_heads()
    if revisions == heads:
        return "ok"
    script = _migration_script()
    for revision in revisions:
        try:
            script.get_revision(revision)
        except CommandError:
            return "ahead"
    return "pending"


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

    @sa.event.listens_for(engine, "engine_disposed")
    def _on_dispose(disposed: sa.Engine) -> None:
        _close_readers(disposed)

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


def rollback_quietly() -> None:
    """Abandon the request's transaction after an error, even if the database has gone away
    meanwhile (the error page must not fail in turn)."""
    try:
        db.session.rollback()
    except OperationalError:
        pass


class DriverRead:
    """A read-only Core ``SELECT`` compiled once per database dialect and run as a single
    statement on the driver's cursor, outside any transaction: no ``BEGIN``, no
    ``ROLLBACK``, no ORM session. For the one statement every signed-in page runs
    (:func:`training.queries.accounts.signed_in`), where SQLAlchemy's execution layer cost
    more than the query (docs/performance.md).

    Isolation: one statement sees one snapshot on both databases. SQLite's connections run
    in the driver's autocommit mode (``isolation_level = None``: SQLAlchemy's ``begin``
    event, not pysqlite, starts transactions), so the statement runs in its own read
    transaction and sees every commit made before it; PostgreSQL's connection is put in
    autocommit for the statement, which then runs in its own READ COMMITTED snapshot, as the
    first statement of a transaction would. Nothing is written, so there is nothing to roll
    back; the pool's reset on return finds no transaction open. On SQLite the statement runs
    on the thread's own connection rather than one from the pool (:func:`_thread_reader`).
    Values come back converted by the columns' own types, as ``Session.execute`` gives them;
    driver errors are raised as SQLAlchemy's (an unreachable database is still a 503), and a
    broken connection is dropped (from the pool, or as the thread's reader).
    """

    def __init__(self, statement: sa.Select[*tuple[Any, ...]]):
        self.statement = statement
        self._compiled: dict[tuple[str, str, str], tuple[str, tuple[str, ...] | None, Converters]] = {}

    def _compile(self, dialect: sa.Dialect) -> tuple[str, tuple[str, ...] | None, Converters]:
        key = (dialect.name, dialect.driver, dialect.paramstyle)
        compiled = self._compiled.get(key)
        if compiled is None:
            form = self.statement.compile(dialect=dialect)
            names = tuple(form.positiontup or ()) if form.positional else None
            compiled = self._compiled[key] = (form.string, names, _converters(self.statement, dialect))
        return compiled

    def first(self, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row for these parameters, its values converted, or None."""
        if db.session.registry.has() and db.session().in_transaction():
            # The request already holds a connection (a view read something before the page
            # asked who is signed in): read on it. Taking a second one would wait for the
            # first to come back when a worker's pool holds one connection (DB_POOL_SIZE).
            row = db.session.execute(self.statement, dict(params)).first()
            return tuple(row) if row is not None else None
        engine = db.engine
        dialect = engine.dialect
        sql, names, processors = self._compile(dialect)
        arguments: Any = tuple(params[name] for name in names) if names is not None else dict(params)
        error = dialect.loaded_dbapi.Error
        if dialect.name == "sqlite":
            reader = _thread_reader(engine)
            try:
                row = _fetch_one(reader, sql, arguments)
            except error as exc:
                _close_readers(engine, only=reader)  # its state is unknown: the next read opens another
                raise DBAPIError.instance(sql, arguments, exc, error, dialect=dialect) from exc
            return None if row is None else _converted(row, processors)
        autocommit = dialect.name == "postgresql"
        try:
            raw = engine.raw_connection()  # the pool raises the driver's own errors
        except error as exc:
            broken = dialect.is_disconnect(exc, None, None)
            raise DBAPIError.instance(None, None, exc, error, connection_invalidated=broken, dialect=dialect) from exc
        try:
            driver: Any = raw.driver_connection
            if autocommit:
                driver.autocommit = True
            row = _fetch_one(raw, sql, arguments)
            if autocommit:
                driver.autocommit = False
        except error as exc:
            broken = dialect.is_disconnect(exc, raw.dbapi_connection, None)
            raw.invalidate(exc)  # its state is unknown: never hand it to another request
            raise DBAPIError.instance(
                sql, arguments, exc, error, connection_invalidated=broken, dialect=dialect
            ) from exc
        finally:
            raw.close()
        if row is None:
            return None
        return _converted(row, processors)


class Prepared:
    """A large Core statement compiled once per database dialect, its fixed values bound
    once, and run in the caller's transaction with only its varying values.

    ``Connection.execute`` works out a statement's cache key and processes every bound value
    on each call. For the summary upkeep (:mod:`training.services.summaries`: a course's units,
    lessons and rules, about 550 values) that cost SQLAlchemy three times the database's own
    work, inside the write lock (docs/performance.md). Here the statement is compiled with its
    ``IN`` lists expanded, each fixed value is processed by its column's type once, as
    ``execute`` would, and each run hands the driver the SQL and the values through
    ``exec_driver_sql`` (errors come back as SQLAlchemy's, as from ``execute``).

    ``varying`` names the parameters given at each run (bound in the statement with a value
    to compile with); a value of an expanded list must be text or a number (types that
    convert nothing).
    """

    def __init__(self, statement: sa.sql.expression.UpdateBase, *varying: str):
        self.statement = statement
        self.varying = frozenset(varying)
        self._compiled: dict[tuple[str, str, str], tuple[str, tuple[str, ...] | None, dict[str, Any]]] = {}

    def _compile(self, dialect: sa.Dialect) -> tuple[str, tuple[str, ...] | None, dict[str, Any]]:
        key = (dialect.name, dialect.driver, dialect.paramstyle)
        compiled = self._compiled.get(key)
        if compiled is None:
            form = self.statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
            fixed = {}
            for name, value in form.params.items():  # an expanded list's values one by one
                if name in self.varying:
                    continue
                bind = form.binds.get(name)
                if bind is not None:
                    process = bind.type.dialect_impl(dialect).bind_processor(dialect)
                    fixed[name] = process(value) if process is not None else value
                elif type(value) in DRIVER_TEXT_AND_NUMBERS:
                    fixed[name] = value
                else:
                    raise TypeError(f"{name}: {type(value).__name__} in an expanded list")
            names = tuple(form.positiontup or ()) if form.positional else None
            compiled = self._compiled[key] = (form.string, names, fixed)
        return compiled

    def run(self, connection: sa.Connection, **varying: Any) -> int:
        """Run it with these values; how many rows it wrote."""
        sql, names, fixed = self._compile(connection.dialect)
        values = {**fixed, **varying}
        arguments: Any = tuple(values[name] for name in names) if names is not None else values
        return connection.exec_driver_sql(sql, arguments).rowcount


def _fetch_one(connection: Any, sql: str, arguments: Any) -> Any:
    cursor = connection.cursor()
    try:
        cursor.execute(sql, arguments)
        return cursor.fetchone()
    finally:
        cursor.close()


_readers: weakref.WeakKeyDictionary[sa.Engine, dict[Any, int]] = weakref.WeakKeyDictionary()
"""Every thread's reading connection to each SQLite database, with the process that opened
it, so that ``dispose`` (a restore, a test replacing the file) closes them with the pool's."""
_inherited: list[Any] = []
"""Readers a forked process found open: never closed here (closing is a use, and an SQLite
connection must not be used across ``fork``), only kept from being closed by the collector."""
_readers_lock = threading.Lock()


class _ThreadReader(threading.local):
    key: tuple[sa.Engine, int] | None = None
    connection: Any = None


_thread = _ThreadReader()


def _thread_reader(engine: sa.Engine) -> Any:
    """This thread's own SQLite connection for :class:`DriverRead`, kept outside the pool.

    Checking a connection out of SQLAlchemy's pool and back in cost about as much as the
    statement itself (6 % of a lesson page's CPU under load, docs/performance.md). On SQLite
    a connection is a file handle and a page cache: one more per thread costs the database
    nothing, whereas on PostgreSQL it is a server process counted against
    ``max_connections``, so there :class:`DriverRead` keeps using the pool. The connection is
    opened by the pool (its PRAGMAs set by the same ``connect`` hook) and then detached from
    it; it runs in the driver's autocommit mode like the pool's, so each statement is its own
    read transaction and sees every commit made before it. A process made by ``fork`` opens
    its own; ``dispose`` closes them."""
    key = (engine, os.getpid())
    connection = _thread.connection
    if _thread.key == key and connection in _readers.get(engine, ()):
        return connection
    fairy = engine.raw_connection()
    connection = fairy.dbapi_connection
    fairy.detach()  # ours now: the pool opens another in its place when it needs one
    with _readers_lock:
        _readers.setdefault(engine, {})[connection] = os.getpid()
    _thread.key, _thread.connection = key, connection
    return connection


def _close_readers(engine: sa.Engine, only: Any = None) -> None:
    """Close the readers of ``engine`` (or ``only`` that one) that this process opened."""
    closing = []
    with _readers_lock:
        found = _readers.get(engine, {})
        for connection in [only] if only is not None else list(found):
            pid = found.pop(connection, None)
            if pid == os.getpid():
                closing.append(connection)
            elif pid is not None:
                _inherited.append(connection)
    for connection in closing:
        with contextlib.suppress(Exception):
            connection.close()


def driver_batches(statement: sa.Select[Any], batch_rows: int) -> Iterator[list[tuple[Any, ...]]]:
    """The rows of a read-only Core ``SELECT``, ``batch_rows`` at a time, as the driver's own
    tuples: on the session's connection and in its transaction (its snapshot, and settings
    such as :func:`training.reports.scope.prepare_session`'s), streamed as SQLAlchemy's
    ``yield_per`` streams (a server-side cursor on PostgreSQL; SQLite steps its statement as
    rows are fetched), but without building a SQLAlchemy ``Row`` per row, which costs about a
    tenth of a 100,000-row export (docs/performance.md). Parameters go through their types'
    bind processors and values through their columns' result processors, as
    ``Session.execute`` would; driver errors are raised as SQLAlchemy's."""
    connection = db.session.connection()
    dialect = connection.dialect
    compiled = statement.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params(escape_names=False)
    for name, bind in compiled.binds.items():
        process = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None and name in params:
            params[name] = process(params[name])
    if compiled.positional:
        arguments: Any = tuple(params[name] for name in compiled.positiontup or ())
    else:
        escaped = compiled.escaped_bind_names
        arguments = {escaped.get(name, name): value for name, value in params.items()}
    converters = _converters(statement, dialect)
    error = dialect.loaded_dbapi.Error
    driver: Any = connection.connection.driver_connection
    try:
        # A named cursor is PostgreSQL's server-side cursor: the rows come batch by batch.
        named = f"driver_batches_{secrets.token_hex(4)}"  # two streams may be open in one transaction
        cursor = driver.cursor(name=named) if dialect.name == "postgresql" else driver.cursor()
        try:
            cursor.execute(compiled.string, arguments)
            while rows := cursor.fetchmany(batch_rows):
                if converters:
                    rows = [_converted(row, converters) for row in rows]
                yield rows
        finally:
            cursor.close()
    except error as exc:
        raise DBAPIError.instance(compiled.string, arguments, exc, error, dialect=dialect) from exc


Converters = list[tuple[int, Callable[[Any], Any]]]


def _converters(statement: sa.Select[Any], dialect: sa.Dialect) -> Converters:
    """Each selected column's result processor, with its position: only the columns whose type
    converts a driver's value (dates, enums), as ``Session.execute`` converts them."""
    return [
        (i, _remembered(process) if _immutable(column.type) else process)
        for i, column in enumerate(statement.selected_columns)
        if (process := column.type.dialect_impl(dialect).result_processor(dialect, None)) is not None
    ]


IMMUTABLE = (datetime.datetime, datetime.date, datetime.time, bool, int, str, enum.Enum)
"""Column types whose converted values a cache may hand to several callers."""
CONVERTED_VALUES = 4096
"""How many driver values each converter remembers: a time stamp read as text is parsed by a
regular expression (1 µs; the lesson page reads three), and the same learners come back."""
DRIVER_TEXT_AND_NUMBERS = frozenset({str, int, float})


def _immutable(kind: sa.types.TypeEngine[Any]) -> bool:
    try:
        python_type = kind.python_type
    except NotImplementedError:
        return False
    return issubclass(python_type, IMMUTABLE)


def _remembered(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    cached = functools.lru_cache(maxsize=CONVERTED_VALUES, typed=True)(process)

    def convert(value: Any) -> Any:
        return cached(value) if type(value) in DRIVER_TEXT_AND_NUMBERS else process(value)

    return convert


def _converted(row: tuple[Any, ...], converters: Sequence[tuple[int, Callable[[Any], Any]]]) -> tuple[Any, ...]:
    values = list(row)
    for i, process in converters:
        values[i] = process(values[i])
    return tuple(values)
