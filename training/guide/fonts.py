"""The typefaces of the printed documents, and which characters they cannot print.

Text is set in Noto Serif, headings, tables and labels in Noto Sans; when a character is not
in those, the typesetter falls back along the list below, so Arabic, Devanagari, Chinese,
Japanese, Korean, symbols and emoji print in fonts made for them. The fonts come from
Debian's ``fonts-noto-core``, ``fonts-noto-cjk`` and ``fonts-noto-color-emoji`` packages
(installed by ``scripts/system-deps``); ``TRAINING_FONT_DIRS`` (folders separated by ``:``)
points elsewhere on other systems.

:func:`missing_characters` answers, for any text, which characters no listed font has, so
``training guide build`` can name the content file and line that would print as empty boxes.
"""

from __future__ import annotations

import os
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DEFAULT_FONT_DIRS = (
    "/usr/share/fonts/truetype/noto",
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/truetype/dejavu",
)

FALLBACK = (
    "Noto Naskh Arabic",
    "Noto Sans Hebrew",
    "Noto Sans Devanagari",
    "Noto Sans Bengali",
    "Noto Sans Thai",
    "Noto Sans Ethiopic",
    "Noto Sans Armenian",
    "Noto Sans Georgian",
    "Noto Sans CJK SC",
    "Noto Sans Math",
    "Noto Sans Symbols",
    "Noto Sans Symbols 2",
    "DejaVu Sans",
    "Noto Color Emoji",
)
SERIF = ("Noto Serif", *FALLBACK)
SANS = ("Noto Sans", *FALLBACK)
MONO = ("DejaVu Sans Mono", *FALLBACK)


def font_dirs() -> tuple[str, ...]:
    """The folders the typesetter reads fonts from (only these: no other system font)."""
    configured = os.environ.get("TRAINING_FONT_DIRS")
    folders = configured.split(":") if configured else DEFAULT_FONT_DIRS
    return tuple(f for f in folders if f and Path(f).is_dir())


def families() -> dict[str, tuple[str, ...]]:
    """The font lists the templates use, by role."""
    return {"serif": SERIF, "sans": SANS, "mono": MONO}


@cache
def _faces(folders: tuple[str, ...]) -> tuple[tuple[str, int], ...]:
    """(file, index in the collection) of every face of a listed family in the folders."""
    import typst

    wanted = set(SERIF) | set(SANS) | set(MONO)
    found = typst.Fonts(include_system_fonts=False, include_embedded_fonts=False, font_paths=list(folders)).fonts()
    return tuple(sorted({(f.path, f.index) for f in found if f.family in wanted and f.path is not None}))


@cache
def font_folder() -> str:
    """A folder holding (links to) only the font files the documents use, for the
    typesetter: searching it takes a few hundredths of a second, where the system's font
    folders, with a few hundred fonts the documents never use, take a few tenths. Made once
    per process, removed at exit."""
    folder = tempfile.TemporaryDirectory(prefix="training-fonts-")
    _folders.append(folder)
    for path in sorted({path for path, _ in _faces(font_dirs())}):
        link = Path(folder.name) / Path(path).name
        if not link.exists():
            link.symlink_to(path)
    return folder.name


_folders: list[tempfile.TemporaryDirectory] = []


@cache
def _coverage(folders: tuple[str, ...]) -> frozenset[int]:
    """Every code point that some face of a listed family can draw."""
    from fontTools.ttLib import TTFont

    covered: set[int] = set()
    for path, index in _faces(folders):
        with TTFont(path, fontNumber=index, lazy=True) as font:
            covered.update(font.getBestCmap() or {})
    return frozenset(covered)


def _printable(char: str) -> bool:
    """Characters that need a glyph (not spaces, line breaks, controls or format characters)."""
    return unicodedata.category(char) not in {"Cc", "Cf", "Zs", "Zl", "Zp"} and not 0xFE00 <= ord(char) <= 0xFE0F


def missing_characters(text: str) -> list[str]:
    """The characters of ``text`` that no font of the documents has, in order, once each."""
    covered = _coverage(font_dirs())
    found: dict[str, None] = {}
    for char in text:
        if ord(char) not in covered and _printable(char) and not char.isspace():
            found[char] = None
    return list(found)


REPLACEMENT = "\ufffd"


def replace_missing(text: str) -> str:
    """``text`` with each character that no font has replaced by U+FFFD (DejaVu has it)."""
    missing = missing_characters(text)
    return text.translate({ord(c): REPLACEMENT for c in missing}) if missing else text


@dataclass(frozen=True, slots=True)
class MissingGlyph:
    path: Path
    line: int
    char: str

    def __str__(self) -> str:
        name = unicodedata.name(self.char, "unnamed")
        code = f"U+{ord(self.char):04X}"
        return f"{self.path}:{self.line}: no font has {self.char!r} ({code} {name}); it prints as an empty box"


def missing_glyphs(files: Iterable[Path], root: Path | None = None) -> Iterator[MissingGlyph]:
    """Each character of the files that no font has, with the file and line it is on."""
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError):
            continue  # content check reports unreadable files
        shown = path.relative_to(root) if root and path.is_relative_to(root) else path
        for number, line in enumerate(lines, start=1):
            for char in missing_characters(line):
                yield MissingGlyph(shown, number, char)
