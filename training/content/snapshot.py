"""A built course kept on disk, so that a process starts without building it again when
nothing it was built from has changed.

Building the course reads its files and renders every lesson, quiz and guide page in every
language: about 4.5 s for a course of twelve units in three languages, paid by every
``training`` command and every server start. The result is immutable, so it is kept, pickled,
in ``CATALOGUE_DIR`` (by default ``instance/catalogue/``), under a name that is a digest of
everything the build reads:

- every name under ``modules/``, ``quizzes/`` and ``trainer_guide/`` and the bytes of every
  file there (links followed, as the loader follows them);
- the course folder's own ``course*.yaml`` and ``evaluation*.md`` files;
- the course folder's absolute path (the catalogue names its files by it);
- the code: every Python file of the ``training`` package, the names of the installed
  distributions (a ``.dist-info`` folder's name carries its version) and Python's version.

Images and the certificate logo may sit anywhere in the course folder: a snapshot lists the
ones its course uses, each with a digest of its bytes, and is used only while they all still
match. ``tests/content/test_snapshot.py`` builds courses under an audit hook and checks that
every file the build opens and every folder it lists is one of the above.

Only a valid course is kept (a build that finds a problem raises, as ever), so every entry
point still refuses invalid content: the changed file changes the name, the build runs and
reports it. ``training content check`` always builds.

Unpickling can run code, so a snapshot carries an HMAC-SHA-256 of its name and bytes under a
key derived from the app's secret key, checked before anything in it is read: a snapshot that
does not match (changed on disk, copied under another name, or written under another key) is
ignored and built again, never unpickled.
The unpickler also makes nothing but the course model's own classes.

Pickle rather than a format of our own: the catalogue is a graph of frozen dataclasses whose
translated views share the source's objects; pickle keeps that sharing and round-trips every
field (a hand-written encoder would have to follow each model change), loading the whole
course in a few tens of milliseconds.
"""

from __future__ import annotations

import contextlib
import copyreg
import hashlib
import hmac
import io
import json
import logging
import os
import pickle
import site
import sys
import sysconfig
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path, PurePath
from types import MappingProxyType
from typing import Any

from .catalogue import build_catalogue
from .coursefile import COURSE_FILE
from .evaluationfile import EVALUATION_FILE
from .loader import GUIDE, MODULES, QUIZZES
from .model import Catalogue

log = logging.getLogger(__name__)

FORMAT = b"training-catalogue-1\n"
SUFFIX = ".catalogue"
KEEP = 3
"""Snapshots kept in the folder: the newest few, so that servers of two releases sharing an
instance folder during a deployment do not rebuild in turn."""

_CODE = Path(__file__).resolve().parent.parent
_FOLDERS = (MODULES, QUIZZES, GUIDE)
_ROOT_FILES = tuple(name.split(".")[0] + "." for name in (COURSE_FILE, EVALUATION_FILE))


def load_or_build(content_dir: Path | str, folder: Path | str, secret: str | bytes) -> Catalogue:
    """The course built from ``content_dir``: the snapshot kept in ``folder`` if it was built
    from the same files and code, else a new build (kept for the next process). Raises
    :class:`~training.content.ContentInvalid` as :func:`build_catalogue` does."""
    content_dir, folder = Path(content_dir).resolve(), Path(folder)
    key = _mac_key(secret)
    path = folder / f"{inputs_digest(content_dir)}{SUFFIX}"
    catalogue = _read(path, key)
    if catalogue is None:
        catalogue = build_catalogue(content_dir)
        _write(path, catalogue, key)
    return catalogue


def inputs_digest(content_dir: Path) -> str:
    """A digest of every file and name the build reads, except images and the logo."""
    h = hashlib.sha256(FORMAT)
    _update(h, str(content_dir), sys.version, *_distributions())
    for module in sorted(_CODE.rglob("*.py")):
        _update(h, str(module.relative_to(_CODE)))
        h.update(hashlib.sha256(module.read_bytes()).digest())
    for name, path in _content_files(content_dir):
        _update(h, name)
        if path is not None:
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()[:32]


def content_inputs(content_dir: Path) -> list[Path]:
    """The course's files in :func:`inputs_digest`, and its folders (for the tests)."""
    return [content_dir / name for name, _ in _content_files(content_dir)]


def used_files(catalogue: Catalogue) -> list[Path]:
    """The images and logos the course uses, in every language, each once."""
    found: dict[Path, None] = {}
    for language in catalogue.languages:
        view = catalogue.in_language(language)
        found.update(dict.fromkeys(image.path for image in view.images.values()))
        if view.settings is not None and view.settings.logo is not None:
            found[view.settings.logo] = None
    return sorted(found)


def _content_files(content_dir: Path) -> Iterator[tuple[str, Path | None]]:
    """Relative names, each with its file (``None`` for a folder or anything else), sorted."""
    for entry in sorted(os.scandir(content_dir), key=lambda e: e.name):
        if entry.name.startswith(_ROOT_FILES) and entry.is_file():
            yield entry.name, Path(entry.path)
    seen: set[Path] = set()
    for name in _FOLDERS:
        yield from _tree(content_dir, content_dir / name, seen)


def _tree(content_dir: Path, folder: Path, seen: set[Path]) -> Iterator[tuple[str, Path | None]]:
    """``folder`` and every name under it, links followed (what is inside each real folder
    once: a link may loop)."""
    if not folder.is_dir():
        return
    yield f"{folder.relative_to(content_dir)}/", None
    real = folder.resolve()
    if real in seen:
        return
    seen.add(real)
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        path = Path(entry.path)
        if entry.is_dir():
            yield from _tree(content_dir, path, seen)
        else:
            yield str(path.relative_to(content_dir)), path if entry.is_file() else None


def _distributions() -> list[str]:
    """The installed distributions' folder names, which carry their versions (from the
    folders they are installed in, not ``sys.path``, which changes with how Python started)."""
    names: list[str] = []
    folders = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib"), site.getusersitepackages()}
    for entry in sorted(folders):
        if os.path.isdir(entry):
            names.extend(n for n in os.listdir(entry) if n.endswith((".dist-info", ".egg-info", ".egg-link", ".pth")))
    return sorted(names)


def _update(h: Any, *texts: str) -> None:
    for text in texts:
        data = text.encode("utf-8", "surrogateescape")
        h.update(len(data).to_bytes(8, "big") + data)


def _mac_key(secret: str | bytes) -> bytes:
    raw = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(raw, b"training: catalogue snapshots", hashlib.sha256).digest()


def _mac(key: bytes, path: Path, body: bytes) -> bytes:
    """The snapshot's MAC, over its name too: a snapshot copied under another name (an older
    course's, say) does not match."""
    return hmac.new(key, path.name.encode() + b"\0" + body, hashlib.sha256).digest()


def _files_digest(paths: Iterable[Path]) -> dict[str, str]:
    return {str(path): hashlib.sha256(path.read_bytes()).hexdigest() for path in paths}


def _read(path: Path, key: bytes) -> Catalogue | None:
    """The snapshot at ``path``, or None when there is none, its MAC does not match, or an
    image or logo it uses has changed."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    mac, body = data[:32], data[32:]
    if not hmac.compare_digest(mac, _mac(key, path, body)):
        log.warning("catalogue snapshot %s ignored: not signed for this name with this secret key", path.name)
        return None
    size = int.from_bytes(body[:8], "big")
    files = json.loads(body[8 : 8 + size])
    try:
        if _files_digest(Path(name) for name in files) != files:
            return None
    except OSError:
        return None
    try:
        catalogue = _Unpickler(io.BytesIO(body[8 + size :])).load()
    except (pickle.UnpicklingError, AttributeError, ImportError, EOFError) as exc:
        log.warning("catalogue snapshot %s ignored: %s", path.name, exc)
        return None
    return catalogue if isinstance(catalogue, Catalogue) else None


def _write(path: Path, catalogue: Catalogue, key: bytes) -> None:
    """Keep ``catalogue`` at ``path`` (written whole, then renamed into place, so a process
    reading at the same time sees the old file or the new one); drop the older snapshots.
    A folder that cannot be written only costs the next process a build."""
    buffer = io.BytesIO()
    _Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(catalogue)
    files = json.dumps(_files_digest(used_files(catalogue)), sort_keys=True).encode()
    body = len(files).to_bytes(8, "big") + files + buffer.getvalue()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, part = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(_mac(key, path, body) + body)
            os.replace(part, path)
        finally:
            Path(part).unlink(missing_ok=True)
    except OSError as exc:
        log.warning("catalogue snapshot not kept in %s: %s", path.parent, exc)
        return
    with contextlib.suppress(OSError):  # another process may be dropping the same files
        others = (p for p in path.parent.glob(f"*{SUFFIX}") if p != path)
        for old in sorted(others, key=lambda p: p.stat().st_mtime_ns, reverse=True)[KEEP - 1 :]:
            old.unlink(missing_ok=True)


def _mapping(items: dict) -> Mapping:
    return MappingProxyType(items)


class _Pickler(pickle.Pickler):
    """Pickles the catalogue's read-only mappings as the dictionaries they wrap."""

    dispatch_table = {**copyreg.dispatch_table, MappingProxyType: lambda proxy: (_mapping, (dict(proxy),))}


class _Unpickler(pickle.Unpickler):
    """Makes the course model's classes, paths and read-only mappings, and nothing else."""

    def find_class(self, module: str, name: str) -> Any:
        if module == __name__ and name == _mapping.__name__:
            return _mapping
        if module == "pathlib" or module.startswith(f"{__package__}."):
            found = super().find_class(module, name)
            if isinstance(found, type) and (module != "pathlib" or issubclass(found, PurePath)):
                return found
        raise pickle.UnpicklingError(f"catalogue snapshot names {module}.{name}")
