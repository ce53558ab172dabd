"""Languages of a course: the file-naming rule for translations and what a language code means.

A translation sits beside its source and adds the language before the extension:
``01-why-words-matter.md`` -> ``01-why-words-matter.fr.md``, ``guide.yaml`` ->
``guide.fr.yaml``. A dot inside a file name therefore always marks a language; the course
declares the languages it accepts (``translations:`` in ``trainer_guide/guide.yaml``).
Babel's locale data says which codes are languages and which way they are written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError

CODE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$")
TRANSLATABLE_EXTENSIONS = ("md", "yaml")


@dataclass(frozen=True, slots=True)
class TranslationName:
    """A file name read as ``<stem>.<language>.<extension>``."""

    stem: str
    language: str
    extension: str

    def source_name(self) -> str:
        return f"{self.stem}.{self.extension}"


def translation_name(path: Path) -> TranslationName | None:
    """The parts of a translation's file name, or None for a source file (no inner dot)."""
    parts = path.name.split(".")
    if len(parts) < 3 or not parts[0] or parts[-1] not in TRANSLATABLE_EXTENSIONS:
        return None
    return TranslationName(".".join(parts[:-2]), parts[-2], parts[-1])


def translation_path(source: Path, language: str) -> Path:
    """Where the translation of ``source`` into ``language`` lives: beside it."""
    return source.with_name(f"{source.stem}.{language}{source.suffix}")


def source_path(translation: Path) -> Path | None:
    name = translation_name(translation)
    return translation.with_name(name.source_name()) if name else None


def known_language(code: str) -> bool:
    """A lowercase code (``fr``, ``es``, ``pt-br``) that Babel's locale data knows."""
    if not CODE.match(code):
        return False
    try:
        Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return False
    return True


def language_name(code: str, in_language: str = "en") -> str:
    """``fr`` -> ``French`` (in English) or ``français`` (in French); the code itself if unknown."""
    try:
        return Locale.parse(code.replace("-", "_")).get_display_name(in_language.replace("-", "_")) or code
    except (UnknownLocaleError, ValueError):
        return code


def direction(code: str) -> str:
    """``rtl`` for languages written right to left (Arabic, Hebrew, Persian, Urdu...), else ``ltr``."""
    try:
        return Locale.parse(code.replace("-", "_")).text_direction
    except (UnknownLocaleError, ValueError):
        return "ltr"
