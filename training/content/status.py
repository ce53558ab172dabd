"""Translation coverage and stamps.

A translation records the version of the source it was made from (``source_version:``, the
source file's :func:`~training.content.loader.file_version`). When the source changes, its
version changes, and the translation counts as *outdated* until a translator brings it up to
date and stamps it again (``training content stamp FILE``). This works on the files alone, so
a translator can see where things stand while the course still has problems.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from .frontmatter import FrontMatterError, Meta, NotUTF8, decode, load_yaml, split_front_matter
from .languages import source_path, translation_name, translation_path
from .loader import RawCourse, file_version
from .model import FileCoverage, LanguageCoverage, TranslationState
from .translation import STAMP_KEY

_STAMP_LINE = re.compile(rf"^{STAMP_KEY}\s*:.*$", re.MULTILINE)


def coverage(raw: RawCourse, languages: Sequence[str]) -> tuple[LanguageCoverage, ...]:
    """Per language: each source file of the course, translated, outdated or missing."""
    originals = sorted(p for p in raw.sources if translation_name(p) is None)
    result = []
    for language in languages:
        files = []
        for source in originals:
            target = translation_path(source, language)
            current = file_version(raw.sources[source])
            text = raw.sources.get(target)
            if text is None:
                files.append(FileCoverage(source, target, TranslationState.MISSING, None, current))
                continue
            stamp = read_stamp(text, target)
            state = TranslationState.TRANSLATED if stamp == current else TranslationState.OUTDATED
            files.append(FileCoverage(source, target, state, stamp, current))
        result.append(LanguageCoverage(language, tuple(files)))
    return tuple(result)


def read_stamp(text: str, path: Path) -> str | None:
    """The ``source_version`` a translation records, or None when it has none (or cannot be read)."""
    try:
        if path.suffix == ".yaml":
            meta = load_yaml(text, path)
        elif text.startswith("---"):
            meta, _, _ = split_front_matter(text, path)
        else:
            return None
    except FrontMatterError:
        return None
    value = meta.get(STAMP_KEY) if isinstance(meta, Meta) else None
    return value if isinstance(value, str) else None


class StampError(ValueError):
    """The file is not a translation, or its source is missing."""


def stamp(path: Path) -> tuple[str, bool]:
    """Record in a translation the current version of its source; returns (version, changed).

    Only the one line changes (or is added), so the translator's formatting and comments stay.
    """
    source = source_path(path)
    if source is None:
        raise StampError(f"{path.name} is not a translation: its name has no language, as in unit.fr.md")
    if not path.is_file():
        raise StampError(f"{path} does not exist")
    if not source.is_file():
        raise StampError(f"translation without a source: there is no {source.name} beside it")
    try:
        version = file_version(decode(source.read_bytes()))
        text = decode(path.read_bytes())
    except NotUTF8 as exc:
        raise StampError(f"line {exc.line}: {exc}") from exc
    stamped = with_stamp(text, version, yaml_file=path.suffix == ".yaml")
    if stamped != text:
        path.write_text(stamped, encoding="utf-8")
    return version, stamped != text


def with_stamp(text: str, version: str, *, yaml_file: bool) -> str:
    line = f'{STAMP_KEY}: "{version}"'
    lines = text.split("\n")
    if yaml_file:
        if _STAMP_LINE.search(text):
            return _STAMP_LINE.sub(line, text, count=1)
        header = next((i for i, v in enumerate(lines) if v.strip() and not v.startswith("#")), len(lines))
        return "\n".join([*lines[:header], line, *lines[header:]])
    if lines[0].strip() != "---":  # a guide page without front matter
        return f"---\n{line}\n---\n\n{text}"
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        raise StampError("front matter not closed by a line '---'")
    for index in range(1, end):
        if _STAMP_LINE.match(lines[index]):
            lines[index] = line
            return "\n".join(lines)
    lines.insert(end, line)
    return "\n".join(lines)
