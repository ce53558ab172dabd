"""Walk a content folder into raw records that remember where they came from.

Nothing is validated here beyond "can the file be read and split": that is the next stage.
Translations (``unit.fr.md``, ``concepts.fr.md``, ``guide.fr.yaml``: see :mod:`languages`)
are set aside with the source file they name; :mod:`translation` checks them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ContentError
from .frontmatter import FrontMatterError, Meta, load_yaml, split_front_matter
from .languages import translation_name
from .quizfile import RawQuiz, parse_quiz_text

MODULES, QUIZZES, GUIDE = "modules", "quizzes", "trainer_guide"
UNIT_FILE = "unit.md"
GUIDE_FILE = "guide.yaml"


Sources = dict[Path, str]
"""Every file read, with its text: each file is read once, then checked and hashed from memory."""


@dataclass(slots=True)
class RawDocument:
    path: Path
    text: str
    meta: Meta
    body: str
    body_line: int


@dataclass(slots=True)
class RawUnit:
    folder: Path
    doc: RawDocument
    lessons: list[RawDocument] = field(default_factory=list)


@dataclass(slots=True)
class RawGuide:
    path: Path
    meta: Meta
    pages: list[tuple[Meta, Path, str]] = field(default_factory=list)
    """(the page's entry in guide.yaml, its file, its Markdown)"""


@dataclass(frozen=True, slots=True)
class RawTranslation:
    """A translation file, read but not parsed, with the source file its name points at."""

    path: Path
    language: str
    source: Path
    text: str


@dataclass(slots=True)
class RawCourse:
    content_dir: Path
    units: list[RawUnit]
    quizzes: list[RawQuiz]
    guide: RawGuide | None
    sources: Sources
    translations: list[RawTranslation] = field(default_factory=list)


def file_version(text: str) -> str:
    """A file's version: a digest of its text. Lessons and quizzes record it with progress and
    attempts; a translation records its source's as ``source_version``."""
    h = hashlib.sha256()
    data = text.encode()
    h.update(len(data).to_bytes(8, "big"))
    h.update(data)
    return h.hexdigest()[:12]


def load_course(content_dir: Path) -> tuple[RawCourse, list[ContentError]]:
    errors: list[ContentError] = []
    sources: Sources = {}
    translations: list[RawTranslation] = []
    units = _load_units(content_dir / MODULES, errors, sources, translations)
    quizzes: list[RawQuiz] = []
    quiz_dir = content_dir / QUIZZES
    if quiz_dir.is_dir():
        for path in sorted(quiz_dir.glob("*.md")):
            if _set_aside(path, sources, errors, translations):
                continue
            text = _read(path, sources, errors)
            if text is None:
                continue
            quiz, quiz_errors = parse_quiz_text(text, path)
            errors.extend(quiz_errors)
            if quiz is not None:
                quizzes.append(quiz)
    else:
        errors.append(ContentError(quiz_dir, 0, "folder missing: one quiz file per unit goes here"))
    guide = _load_guide(content_dir / GUIDE, errors, sources, translations)
    return RawCourse(content_dir, units, quizzes, guide, sources, translations), errors


def _set_aside(path: Path, sources: Sources, errors: list[ContentError], translations: list[RawTranslation]) -> bool:
    """Keep a translation file for later; False for a source file."""
    name = translation_name(path)
    if name is None:
        return False
    text = _read(path, sources, errors)
    if text is not None:
        translations.append(RawTranslation(path, name.language, path.with_name(name.source_name()), text))
    return True


def _read(path: Path, sources: Sources, errors: list[ContentError]) -> str | None:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        errors.append(ContentError(path, 1, "file is not UTF-8 text"))
        return None
    sources[path] = text
    return text


def _read_document(path: Path, sources: Sources, errors: list[ContentError]) -> RawDocument | None:
    text = _read(path, sources, errors)
    if text is None:
        return None
    try:
        meta, body, body_line = split_front_matter(text, path)
    except FrontMatterError as exc:
        errors.append(exc.error)
        return None
    return RawDocument(path, text, meta, body, body_line)


def _load_units(
    modules: Path, errors: list[ContentError], sources: Sources, translations: list[RawTranslation]
) -> list[RawUnit]:
    if not modules.is_dir():
        errors.append(ContentError(modules, 0, "folder missing: one folder per unit goes here"))
        return []
    units: list[RawUnit] = []
    for folder in sorted(p for p in modules.iterdir() if p.is_dir() and not p.name.startswith(".")):
        unit_path = folder / UNIT_FILE
        if not unit_path.is_file():
            errors.append(ContentError(unit_path, 0, f"unit folder {folder.name!r} has no {UNIT_FILE}"))
            continue
        doc = _read_document(unit_path, sources, errors)
        lessons = []
        for path in sorted(folder.glob("*.md")):
            if path.name == UNIT_FILE or _set_aside(path, sources, errors, translations):
                continue
            lesson = _read_document(path, sources, errors)
            if lesson is not None:
                lessons.append(lesson)
        if doc is not None:
            units.append(RawUnit(folder, doc, lessons))
    return units


def _load_guide(
    folder: Path, errors: list[ContentError], sources: Sources, translations: list[RawTranslation]
) -> RawGuide | None:
    for candidate in sorted([*folder.glob("*.md"), *folder.glob("*.yaml")]):
        _set_aside(candidate, sources, errors, translations)
    path = folder / GUIDE_FILE
    if not path.is_file():
        errors.append(ContentError(path, 0, "file missing: the trainer's guide settings"))
        return None
    text = _read(path, sources, errors)
    if text is None:
        return None
    try:
        meta = load_yaml(text, path)
    except FrontMatterError as exc:
        errors.append(exc.error)
        return None
    if not isinstance(meta, Meta):
        errors.append(ContentError(path, 1, "guide.yaml must be a mapping of fields"))
        return None
    guide = RawGuide(path, meta)
    for entry in meta.get("pages") or []:
        if not isinstance(entry, Meta) or not isinstance(entry.get("file"), str):
            line = entry.line if isinstance(entry, Meta) else meta.line_of("pages")
            errors.append(ContentError(path, line, "each page needs 'file' and 'title'"))
            continue
        page_path = folder / entry["file"]
        if not page_path.is_file():
            errors.append(ContentError(path, entry.line_of("file"), f"page file {entry['file']!r} not found"))
            continue
        page = _read(page_path, sources, errors)
        if page is not None:
            guide.pages.append((entry, page_path, page))
    return guide
