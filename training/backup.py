"""Backups taken while the platform runs, and restores.

SQLite: the online backup API copies a consistent snapshot page by page while other
connections keep writing (a plain file copy of a live WAL database is not safe).
PostgreSQL: ``pg_dump`` in custom format, ``pg_restore`` to bring it back.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa


class BackupError(RuntimeError):
    """The backup or restore could not be done; the message says why."""


def backup(database_url: str, destination: Path) -> Path:
    url = sa.engine.make_url(database_url)
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    if url.get_backend_name() == "sqlite":
        _sqlite_copy(_sqlite_file(url), destination)
    elif url.get_backend_name() == "postgresql":
        _run(_pg_tool("pg_dump"), "--format=custom", "--no-owner", f"--file={destination}", _libpq(url))
    else:
        raise BackupError(f"backups are not supported for {url.get_backend_name()}")
    return destination


def _sqlite_file(url: sa.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise BackupError("an in-memory SQLite database has no file to back up or restore")
    return Path(url.database)


def restore(database_url: str, source: Path) -> None:
    """Replace the database's contents with a backup. Stop the server first."""
    url = sa.engine.make_url(database_url)
    source = Path(source)
    if not source.is_file():
        raise BackupError(f"{source}: no such backup file")
    if url.get_backend_name() == "sqlite":
        _check_sqlite(source)
        _sqlite_copy(source, _sqlite_file(url))
    elif url.get_backend_name() == "postgresql":
        _run(
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            f"--dbname={_libpq(url)}",
            str(source),
        )
    else:
        raise BackupError(f"restores are not supported for {url.get_backend_name()}")


def _sqlite_copy(source: Path, destination: Path) -> None:
    """Copy with the online backup API, into a temporary file renamed into place."""
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # a single self-contained file
    finally:
        dst.close()
        src.close()
    _check_sqlite(partial)
    for suffix in ("-wal", "-shm"):
        Path(str(destination) + suffix).unlink(missing_ok=True)
    os.replace(partial, destination)


def _check_sqlite(path: Path) -> None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path}: not a SQLite database ({exc})") from exc
    finally:
        conn.close()
    if result != "ok":
        raise BackupError(f"{path}: integrity check failed: {result}")


def _libpq(url: sa.URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if candidates:
        return str(candidates[-1])
    raise BackupError(f"{name} not found: install the PostgreSQL client tools")


def _run(*args: str) -> None:
    result = subprocess.run(args, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise BackupError(result.stderr.strip() or f"{args[0]} failed with exit code {result.returncode}")
