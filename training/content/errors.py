"""Content problems as data with a location, printed as ``path:line: message``."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True, slots=True, order=True)
class ContentError:
    """One problem in one content file at a 1-based line (a problem with a whole file or
    folder is reported at line 1, so every message opens in an editor).

    ``root``: the file could not be read or parsed at all. Those problems are listed first.
    ``cascade``: a reference to something missing (a lesson, a unit, a quiz, a block), which a
    file that could not be read may explain; while a root problem remains, these are not
    reported, so the author fixes the cause and sees only what is still wrong.
    ``gap``: something the platform requires that a quiz marked ``draft: true`` may still lack
    (feedback, an explanation, a lesson, an objective); in a draft it is listed, not refused."""

    path: Path
    line: int
    message: str
    root: bool = field(default=False, compare=False)
    cascade: bool = field(default=False, compare=False)
    gap: bool = field(default=False, compare=False)

    def __post_init__(self) -> None:
        if self.line < 1:
            object.__setattr__(self, "line", 1)

    def __str__(self) -> str:
        return f"{display_path(self.path)}:{self.line}: {self.message}"


def ordered(errors: Iterable[ContentError]) -> list[ContentError]:
    """Files that could not be read or parsed first, then the rest, each part by file and line;
    references that may only follow from an unreadable file are left out while one remains."""
    errors = list(errors)
    if any(e.root for e in errors):
        errors = [e for e in errors if not e.cascade]
    return sorted(errors, key=lambda e: (not e.root, e))


class ContentInvalid(Exception):
    """Raised when a content folder has problems; carries every one of them, root causes first."""

    def __init__(self, errors: list[ContentError]):
        self.errors = ordered(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'shuffle'?)`` for a close known word, else ``(use a, b, c)``."""
    close = close_matches(word, choices)
    if close:
        return f" (did you mean {close[0]!r}?)"
    return f" (use {', '.join(sorted(choices))})"


def close_matches(word: str, choices: Iterable[str]) -> list[str]:
    """The known word ``word`` was most likely meant to be, if any."""
    return difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)


def relative_to_course(path: Path, course: Path) -> str:
    """A file's path inside the course folder, as the author wrote it: ``modules/01-a/unit.md``."""
    try:
        return path.relative_to(course).as_posix()
    except ValueError:
        return display_path(path)


def display_path(path: Path) -> str:
    """The path relative to the working directory when it lies below it, as editors expect."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)
    return str(path) if rel.startswith("..") else rel
