"""A folder of built PDFs, keyed by everything that shapes them.

Typesetting the whole course takes tens of seconds, so each PDF is built once per content
version, template version and option set, then served from the folder. Several gunicorn
workers (or threads) may ask for the same PDF at once: a per-key lock file makes one of them
build it while the others wait and then read it, and the file appears atomically (written to
a temporary name in the same folder, then renamed), so nobody ever reads half a PDF. Old
entries are pruned so planner variations cannot fill the disk.

Large documents (the whole guide) are also typeset one at a time across all workers
(``exclusive``): on a small machine, several minute-long builds at once would starve the
learners' requests.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

MAX_ENTRIES = 200


def cache_key(parts: Mapping[str, object]) -> str:
    """A stable file-name-safe digest of the parts (sorted JSON)."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with open(path, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def cached_path(folder: Path, parts: Mapping[str, object], suffix: str = ".pdf") -> Path | None:
    """The cached file for ``parts`` if it has been built."""
    path = folder / f"{cache_key(parts)}{suffix}"
    return path if path.is_file() else None


def cached_file(
    folder: Path,
    parts: Mapping[str, object],
    build: Callable[[], bytes],
    suffix: str = ".pdf",
    *,
    exclusive: bool = False,
) -> Path:
    """The cached file for ``parts``, calling ``build`` only when it is not there yet."""
    key = cache_key(parts)
    path = folder / f"{key}{suffix}"
    if path.is_file():
        _touch(path)
        return path
    folder.mkdir(parents=True, exist_ok=True)
    with _locked(folder / f"{key}.lock"):
        if path.is_file():  # another worker built it while we waited
            return path
        if exclusive:
            with _locked(folder / "typesetting.lock"):
                data = build()
        else:
            data = build()
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{key}.", suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    _prune(folder, suffix)
    return path


def _touch(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:
        pass  # read-only cache folder: serving still works


def _prune(folder: Path, suffix: str, keep: int = MAX_ENTRIES) -> None:
    """Remove the least recently used files beyond ``keep`` (with their lock files)."""

    def mtime(path: Path) -> float:
        try:
            return path.stat().st_mtime
        except FileNotFoundError:  # pruned by another worker meanwhile
            return 0.0

    entries = sorted(folder.glob(f"*{suffix}"), key=mtime, reverse=True)
    for old in entries[keep:]:
        old.unlink(missing_ok=True)
        (folder / f"{old.stem}.lock").unlink(missing_ok=True)
