"""Walk a content folder into raw records that remember where they came from.

Nothing is validated here beyond "can the file be read and split": that is the next stage.
Translations (``unit.fr.md``, ``concepts.fr.md``, ``guide.fr.yaml``: see :mod:`languages`)
are set aside with the source file they name; :mod:`translation` checks them.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .errors import ContentError
from .frontmatter import FrontMatterError, Meta, NotUTF8, decode, load_yaml, split_front_matter
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


NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
"""A unit folder's name, or a course file's name before ``.md``: lowercase letters, digits, hyphens."""
TEXT_SUFFIXES = {".md", ".markdown", ".mdown", ".txt", ".yaml", ".yml"}
"""Files that look like course text: one of these not named as the course expects is reported,
never silently skipped."""


class _Load:
    """One pass over a content folder: what was read, what went wrong, the translations set aside.

    Every path is checked to lie inside the course folder once links are followed, so the
    platform never reads a file outside it, whatever a name or a symbolic link says.
    """

    def __init__(self, root: Path):
        self.root = root.resolve()
        self.errors: list[ContentError] = []
        self.sources: Sources = {}
        self.translations: list[RawTranslation] = []

    def error(self, path: Path, line: int, message: str, *, root: bool = False) -> None:
        self.errors.append(ContentError(path, line, message, root=root))

    def inside(self, path: Path) -> bool:
        """True when ``path`` (a file or folder, links followed) lies in the course folder;
        otherwise an error says so."""
        if path.resolve().is_relative_to(self.root):
            return True
        what = "folder" if path.is_dir() else "file"
        self.error(
            path,
            1,
            f"this {what} is a link to {path.resolve()}, outside the course folder: "
            f"copy the {what} into the course instead",
            root=True,
        )
        return False

    def named(self, path: Path, *, folder: bool = False, suffixes: tuple[str, ...] = (".md",)) -> bool:
        """Course file and unit folder names: lowercase letters, digits and hyphens (then
        ``.md``, or a translation's ``.<language>.md``); anything else is reported, not skipped."""
        name = translation_name(path)
        stem = path.name if folder else (name.stem if name else path.stem)
        if (folder or path.suffix in suffixes) and NAME.match(stem):
            return True
        kind, like = ("folder", "01-concepts") if folder else ("file", f"01-first-lesson{suffixes[0]}")
        self.error(
            path,
            1,
            f"{kind} name {path.name!r} is not read: name course {kind}s with lowercase letters, digits "
            f"and hyphens, like {like}",
            root=True,
        )
        return False

    def files(self, folder: Path, suffixes: tuple[str, ...] = (".md",)) -> list[Path]:
        """The course files in ``folder``. A text file named otherwise is reported; other files
        (pictures, say) are not course text and are left alone."""
        return [
            path
            for path in sorted(folder.iterdir())
            if not path.name.startswith(".")
            and not path.is_dir()
            and path.suffix.lower() in TEXT_SUFFIXES
            and self.named(path, suffixes=suffixes)
        ]

    def set_aside(self, path: Path) -> bool:
        """Keep a translation file for later; False for a source file."""
        name = translation_name(path)
        if name is None:
            return False
        text = self.read(path)
        if text is not None:
            self.translations.append(RawTranslation(path, name.language, path.with_name(name.source_name()), text))
        return True

    def read(self, path: Path) -> str | None:
        if not self.inside(path):
            return None
        try:
            text = decode(path.read_bytes())
        except NotUTF8 as exc:
            self.error(path, exc.line, str(exc), root=True)
            return None
        self.sources[path] = text
        return text

    def document(self, path: Path) -> RawDocument | None:
        text = self.read(path)
        if text is None:
            return None
        try:
            meta, body, body_line = split_front_matter(text, path)
        except FrontMatterError as exc:
            self.errors.append(exc.error)
            return None
        return RawDocument(path, text, meta, body, body_line)

    def folder(self, path: Path, what: str) -> bool:
        if not path.is_dir():
            self.error(path, 1, f"folder missing: {what}", root=True)
            return False
        return self.inside(path)


def load_course(content_dir: Path) -> tuple[RawCourse, list[ContentError]]:
    load = _Load(content_dir)
    units = _load_units(load, content_dir / MODULES)
    quizzes: list[RawQuiz] = []
    quiz_dir = content_dir / QUIZZES
    if load.folder(quiz_dir, "one quiz file per unit goes here"):
        for path in load.files(quiz_dir):
            if load.set_aside(path):
                continue
            text = load.read(path)
            if text is None:
                continue
            quiz, quiz_errors = parse_quiz_text(text, path)
            load.errors.extend(quiz_errors)
            if quiz is not None:
                quizzes.append(quiz)
    guide = _load_guide(load, content_dir / GUIDE)
    raw = RawCourse(content_dir, units, quizzes, guide, load.sources, load.translations)
    return raw, load.errors


def _load_units(load: _Load, modules: Path) -> list[RawUnit]:
    if not load.folder(modules, "one folder per unit goes here"):
        return []
    units: list[RawUnit] = []
    for folder in sorted(p for p in modules.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if not load.inside(folder) or not load.named(folder, folder=True):
            continue
        unit_path = folder / UNIT_FILE
        if not unit_path.is_file():
            load.error(unit_path, 1, f"unit folder {folder.name!r} has no {UNIT_FILE}", root=True)
            continue
        doc = load.document(unit_path)
        lessons = []
        for path in load.files(folder):
            if path.name == UNIT_FILE or load.set_aside(path):
                continue
            lesson = load.document(path)
            if lesson is not None:
                lessons.append(lesson)
        if doc is not None:
            units.append(RawUnit(folder, doc, lessons))
    return units


def _load_guide(load: _Load, folder: Path) -> RawGuide | None:
    path = folder / GUIDE_FILE
    if not folder.is_dir() or not path.is_file():
        load.error(path, 1, "file missing: the trainer's guide settings", root=True)
        return None
    if not load.inside(folder):
        return None
    sources = [p for p in load.files(folder, (".md", ".yaml")) if not load.set_aside(p)]
    pages_found = [p for p in sources if p.suffix == ".md"]
    text = load.read(path)
    if text is None:
        return None
    try:
        meta = load_yaml(text, path)
    except FrontMatterError as exc:
        load.errors.append(exc.error)
        return None
    if not isinstance(meta, Meta):
        load.error(path, 1, "guide.yaml must be a mapping of fields", root=True)
        return None
    guide = RawGuide(path, meta)
    listed: set[Path] = set()
    for entry in meta.get("pages") or []:
        if not isinstance(entry, Meta) or not isinstance(entry.get("file"), str):
            line = entry.line if isinstance(entry, Meta) else meta.line_of("pages")
            load.error(path, line, "each page needs 'file' and 'title'")
            continue
        page_path = _page_file(load, path, entry)
        if page_path is None:
            continue
        listed.add(page_path)
        page = load.read(page_path)
        if page is not None:
            guide.pages.append((entry, page_path, page))
    for page_path in pages_found:
        if page_path not in listed:
            load.error(
                page_path,
                1,
                f"this page is not printed: list it under 'pages:' in {GUIDE}/{GUIDE_FILE} "
                "(file and title), or delete it",
            )
    return guide


def _page_file(load: _Load, guide_file: Path, entry: Meta) -> Path | None:
    """A page's file: a Markdown file named in the guide's own folder, nowhere else."""
    name = entry["file"]
    line = entry.line_of("file")
    if PurePosixPath(name).name != name or "\\" in name or name in (".", ".."):
        load.error(
            guide_file,
            line,
            f"page file {name!r} must be the name of a file in {GUIDE}/, without folders, '..' or '/'",
        )
        return None
    if not name.endswith(".md"):
        load.error(guide_file, line, f"page file {name!r} must be a Markdown file ending in .md")
        return None
    page_path = guide_file.parent / name
    if not page_path.is_file():
        load.error(guide_file, line, f"page file {name!r} not found in {GUIDE}/")
        return None
    return page_path
