"""Check raw records field by field and across files; return typed specs and every problem.

The specs still hold Markdown; :mod:`catalogue` renders them. Rules that keep the course
honest live here too: objectives, key terms and sources on every lesson, trainer material and
a quiz for every unit, no placeholder text, figures only with sources.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .blocks import RawBlock, split_blocks
from .errors import ContentError, did_you_mean, relative_to_course
from .frontmatter import Meta, refuse_unknown_fields
from .languages import known_language
from .loader import RawCourse, RawDocument, RawGuide, Sources
from .model import BlockKind, KeyTerm, StepKind, WorkshopDefaults
from .quizfile import ID_PATTERN, RawQuestion, RawQuiz

PLACEHOLDER = re.compile(r"\b(?:TODO|TBD|FIXME)\b|(?i:lorem ipsum)")
FIGURE = re.compile(r"\d[\d,.]*\s*(?:million|billion|per\s*cent|percent|%)", re.IGNORECASE)
TIME_STEP = re.compile(r"\*\*\s*(\d+)\s*min\.?\s*\*\*")
ACTIVITY_SECTIONS = ("Purpose", "Materials", "Steps", "Debrief")
CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
MIN_DISCUSSION_QUESTIONS = 4
CALLOUTS = ("note", "tip", "example", "warning")
"""The ``!!! kind`` callouts the pages and the PDFs have a style for."""
_FENCE = re.compile(r"^\s*(```|~~~)")
_H1 = re.compile(r"^ {0,3}#(?:\s|$)")
_SETEXT_H1 = re.compile(r"^ {0,3}=+\s*$")
_CALLOUT = re.compile(r"^ {0,3}!!!\s*([^\s\"]*)")

LESSON_KEYS = ("id", "title", "order", "duration", "objectives", "key_terms", "sources")
UNIT_KEYS = ("id", "title", "order", "summary", "objectives", "sources", "workshop")
UNIT_WORKSHOP_KEYS = ("materials", "key_messages", "session_plan")
STEP_KEYS = ("title", "lesson", "activity", "quiz", "minutes", "method", "materials")
KEY_TERM_KEYS = ("term", "definition")
QUIZ_KEYS = (
    "id",
    "unit",
    "title",
    "pass_mark",
    "attempts",
    "shuffle",
    "duration",
    "draw",
    "time_limit",
    "reveal",
    "draft",
)
GUIDE_KEYS = ("title", "subtitle", "edition", "publisher", "language", "translations", "workshop", "pages")
GUIDE_WORKSHOP_KEYS = ("day_start", "hours_per_day", "break_minutes", "lunch_minutes")
PAGE_KEYS = ("file", "title")


@dataclass(frozen=True, slots=True)
class LessonText:
    """A lesson's words: its source's, or a translation's (see :mod:`translation`)."""

    title: str
    objectives: tuple[str, ...]
    key_terms: tuple[KeyTerm, ...]
    sources: tuple[str, ...]
    doc: RawDocument
    blocks: tuple[RawBlock, ...]
    learner_markdown: str
    guide_markdown: str


@dataclass(frozen=True, slots=True)
class LessonSpec(LessonText):
    """A source lesson: its words and what every language shares."""

    id: str
    unit_id: str
    order: int
    duration: int


@dataclass(frozen=True, slots=True)
class StepText:
    title: str
    method: str
    materials: str


@dataclass(frozen=True, slots=True)
class StepSpec(StepText):
    kind: StepKind
    minutes: int | None
    ref: str | None


@dataclass(frozen=True, slots=True)
class UnitText:
    """A unit's words: its source's, or a translation's."""

    title: str
    summary: str
    objectives: tuple[str, ...]
    materials: tuple[str, ...]
    key_messages: tuple[str, ...]
    steps: tuple[StepText, ...]
    doc: RawDocument
    blocks: tuple[RawBlock, ...]
    learner_markdown: str
    guide_markdown: str


@dataclass(frozen=True, slots=True)
class UnitSpec(UnitText):
    """A source unit: its words and what every language shares."""

    id: str
    order: int
    steps: tuple[StepSpec, ...]
    lessons: tuple[LessonSpec, ...]


@dataclass(frozen=True, slots=True)
class QuizText:
    """A translated quiz's words; its questions and options pair with the source's by id.
    (A :class:`QuizSpec` has the same two fields, its source's words.)"""

    title: str
    raw: RawQuiz


REVEAL_CHOICES = ("after-each-attempt", "after-passing", "after-last-attempt")
REVEAL_DEFAULT = "after-last-attempt"
"""While attempts remain, a result shows the score and which questions were wrong, no key."""


@dataclass(frozen=True, slots=True)
class QuizSpec:
    id: str
    unit_id: str
    title: str
    pass_mark: int
    attempts: int
    shuffle: bool
    duration: int
    raw: RawQuiz
    draw: int = 0
    time_limit: int = 0
    reveal: str = REVEAL_DEFAULT
    draft: bool = False
    """``draft: true``: not shown to learners; what it still lacks is listed, not refused."""


@dataclass(frozen=True, slots=True)
class GuideSpec:
    title: str
    subtitle: str
    edition: str
    publisher: str
    language: str
    translations: tuple[str, ...]
    """The languages the course may be translated into (file suffixes), in the order given."""
    workshop: WorkshopDefaults
    pages: tuple[tuple[str, str, Path, str], ...]
    """(id, title, file, markdown)"""


@dataclass(frozen=True, slots=True)
class CourseSpec:
    content_dir: Path
    units: tuple[UnitSpec, ...]
    quizzes: tuple[QuizSpec, ...]
    guide: GuideSpec | None
    sources: Sources
    """Every file's text, as read once by the loader."""


class _Fields:
    """Typed access to one front-matter mapping, recording a located error per bad field."""

    def __init__(self, meta: Meta, path: Path, errors: list[ContentError], where: str = ""):
        self.meta, self.path, self.errors, self.where = meta, path, errors, where
        self.misspelt: set[str] = set()
        """Known fields an unknown one was close to: 'duraton' means 'duration' is not missing
        but misspelt, and only the misspelling is reported."""

    def error(self, key: str, message: str, *, cascade: bool = False) -> None:
        if key in self.misspelt:
            return
        line = self.meta.line_of(key)
        self.errors.append(ContentError(self.path, line, f"{self.where}{message}", cascade=cascade))

    def known(self, keys: tuple[str, ...]) -> None:
        self.misspelt |= refuse_unknown_fields(self.meta, keys, self.path, self.errors, self.where)

    def text(self, key: str, required: bool = True, default: str = "") -> str:
        value = self.meta.get(key)
        if value is None:
            if required:
                self.error(key, f"'{key}' is required")
            return default
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or (required and not value.strip()):
            self.error(key, f"'{key}' must be text")
            return default
        return value.strip()

    def ident(self, key: str) -> str:
        value = self.text(key)
        if value and not ID_PATTERN.match(value):
            self.error(key, f"'{key}' {value!r} must use lowercase letters, digits and hyphens")
        return value

    def integer(self, key: str, low: int, high: int | None = None, default: int | None = None) -> int:
        value = self.meta.get(key, default)
        if value is None:
            self.error(key, f"'{key}' is required")
            return low
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
            bounds = f"from {low} to {high}" if high is not None else f"of at least {low}"
            self.error(key, f"'{key}' must be a whole number {bounds}")
            return low
        return value

    def boolean(self, key: str, default: bool) -> bool:
        value = self.meta.get(key, default)
        if not isinstance(value, bool):
            self.error(key, f"'{key}' must be true or false")
            return default
        return value

    def strings(self, key: str, required: bool = True) -> tuple[str, ...]:
        value = self.meta.get(key)
        if value is None or value == []:
            if required:
                self.error(key, f"'{key}' needs at least one entry")
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.error(key, f"'{key}' must be a list of text entries")
            return ()
        return tuple(v.strip() for v in value)


def validate(raw: RawCourse) -> tuple[CourseSpec, list[ContentError]]:
    errors: list[ContentError] = []
    course = raw.content_dir
    units = [unit for u in raw.units if (unit := _unit(u.doc, u.lessons, errors, course)) is not None]
    _check_unique(((u.id, u.doc.path, u.doc.meta.line_of("id")) for u in units), "unit id", errors, course)
    _check_unique(
        ((str(u.order), u.doc.path, u.doc.meta.line_of("order")) for u in units), "unit order", errors, course
    )
    units.sort(key=lambda u: (u.order, u.id))
    quizzes = [q for q in (_quiz(r, raw.sources[r.path], errors) for r in raw.quizzes) if q is not None]
    _check_quizzes(units, quizzes, errors, course)
    guide = _guide(raw.guide, errors) if raw.guide else None
    return CourseSpec(raw.content_dir, tuple(units), tuple(quizzes), guide, raw.sources), errors


def _check_unique(items, what: str, errors: list[ContentError], course: Path) -> None:
    seen: dict[str, tuple[Path, int]] = {}
    for value, path, line in items:
        if not value:
            continue
        if value in seen:
            first, first_line = seen[value]
            also = relative_to_course(first, course)
            errors.append(ContentError(path, line, f"duplicate {what} {value!r} (also in {also}:{first_line})"))
        else:
            seen[value] = (path, line)


def markdown_checks(path: Path, body: str, first_line: int, errors: list[ContentError]) -> None:
    """What Markdown would render as something else, or drop: a level-1 heading (each page has
    one, its title) and a callout kind the pages have no style for. Code is left alone."""
    in_fence = False
    previous = ""
    for offset, line in enumerate(body.split("\n")):
        lineno = first_line + offset
        if _FENCE.match(line):
            in_fence = not in_fence
        if in_fence:
            previous = ""
            continue
        setext = bool(_SETEXT_H1.match(line) and previous.strip() and not previous.startswith("    "))
        if _H1.match(line) or setext:
            errors.append(
                ContentError(
                    path,
                    lineno - setext,
                    "a level-1 heading: the page's title is its only level-1 heading; "
                    "start a section with '## ' (and a subsection with '### ')",
                )
            )
        callout = _CALLOUT.match(line)
        if callout and callout.group(1).lower() not in CALLOUTS:
            kind = callout.group(1)
            errors.append(ContentError(path, lineno, f"unknown callout '!!! {kind}'{did_you_mean(kind, CALLOUTS)}"))
        previous = line


def placeholders(path: Path, text: str, errors: list[ContentError]) -> None:
    for number, line in enumerate(text.split("\n"), start=1):
        found = PLACEHOLDER.search(line)
        if found:
            errors.append(ContentError(path, number, f"placeholder text {found.group(0)!r}"))


def _body_checks(doc: RawDocument, needs_sources: bool, errors: list[ContentError]) -> None:
    """Placeholder text anywhere; figures only in a file that lists its sources."""
    placeholders(doc.path, doc.text, errors)
    markdown_checks(doc.path, doc.body, doc.body_line, errors)
    if needs_sources:
        for offset, line in enumerate(doc.body.split("\n")):
            found = FIGURE.search(line)
            if found:
                errors.append(
                    ContentError(
                        doc.path,
                        doc.body_line + offset,
                        f"states a figure ({found.group(0)!r}) but the file lists no 'sources'",
                    )
                )
                break


def _lesson(doc: RawDocument, unit_id: str, errors: list[ContentError]) -> LessonSpec | None:
    f = _Fields(doc.meta, doc.path, errors)
    f.known(LESSON_KEYS)
    key_terms = []
    raw_terms = doc.meta.get("key_terms")
    if not isinstance(raw_terms, list) or not raw_terms:
        f.error("key_terms", "'key_terms' needs at least one entry (term and definition)")
    else:
        for entry in raw_terms:
            if isinstance(entry, Meta):
                _Fields(entry, doc.path, errors, "key term: ").known(KEY_TERM_KEYS)
            if (
                isinstance(entry, Meta)
                and isinstance(entry.get("term"), str)
                and isinstance(entry.get("definition"), str)
            ):
                key_terms.append(KeyTerm(entry["term"].strip(), entry["definition"].strip()))
            else:
                line = entry.line if isinstance(entry, Meta) else doc.meta.line_of("key_terms")
                errors.append(ContentError(doc.path, line, "each key term needs 'term' and 'definition'"))
    sources = f.strings("sources")
    _body_checks(doc, needs_sources=not sources, errors=errors)
    split = split_blocks(doc.body, doc.path, doc.body_line)
    errors.extend(split.errors)
    _check_blocks(split.blocks, doc.path, errors)
    return LessonSpec(
        id=f.ident("id"),
        unit_id=unit_id,
        title=f.text("title"),
        order=f.integer("order", 1),
        duration=f.integer("duration", 1, 240),
        objectives=f.strings("objectives"),
        key_terms=tuple(key_terms),
        sources=sources,
        doc=doc,
        blocks=split.blocks,
        learner_markdown=split.learner_markdown,
        guide_markdown=split.guide_markdown,
    )


def _check_blocks(blocks: tuple[RawBlock, ...], path: Path, errors: list[ContentError]) -> None:
    for block in blocks:

        def error(message: str, block: RawBlock = block) -> None:
            errors.append(ContentError(path, block.line, message))

        if not block.markdown.strip():
            error(f"block '{block.kind}' is empty")
        if block.kind in (BlockKind.ACTIVITY, BlockKind.HANDOUT):
            for key in ("id", "title"):
                if not block.attrs.get(key):
                    error(f"{block.kind} block needs {key}=...")
            if block.attrs.get("id") and not ID_PATTERN.match(block.attrs["id"]):
                error(f"{block.kind} id must use lowercase letters, digits and hyphens")
        if block.kind == BlockKind.ACTIVITY:
            _check_activity(block, error)
        if block.kind == BlockKind.DISCUSSION and _count_questions(block.markdown) == 0:
            error("a discussion block holds a numbered or bulleted list of questions")


def _check_activity(block: RawBlock, error) -> None:
    minutes = block.attrs.get("minutes", "")
    if not minutes.isdigit() or int(minutes) <= 0:
        error("activity block needs minutes=N (a whole number of minutes)")
        return
    for section in ACTIVITY_SECTIONS:
        if not re.search(rf"^#+\s*{section}\b", block.markdown, re.MULTILINE):
            error(f"activity needs a '#### {section}' section")
    steps = re.search(r"^#+\s*Steps\b(.*?)(?=^#+\s|\Z)", block.markdown, re.MULTILINE | re.DOTALL)
    if steps:
        total = sum(int(m) for m in TIME_STEP.findall(steps.group(1)))
        if total != int(minutes):
            error(
                f"activity steps add up to {total} min but the activity says minutes={minutes} "
                "(start each step with '**N min.**')"
            )


def _count_questions(markdown: str) -> int:
    return len(re.findall(r"^\s*(?:\d+[.)]|[-*])\s+\S", markdown, re.MULTILINE))


def _unit(
    doc: RawDocument | None, lesson_docs: list[RawDocument], errors: list[ContentError], course: Path
) -> UnitSpec | None:
    if doc is None:
        return None
    f = _Fields(doc.meta, doc.path, errors)
    f.known(UNIT_KEYS)
    unit_id = f.ident("id")
    lessons = [lesson for lesson in (_lesson(d, unit_id, errors) for d in lesson_docs) if lesson]
    if not lessons:
        f.error("id", "the unit has no lessons: add lesson files beside unit.md", cascade=True)
    _check_unique(((le.id, le.doc.path, le.doc.meta.line_of("id")) for le in lessons), "lesson id", errors, course)
    _check_unique(
        ((str(le.order), le.doc.path, le.doc.meta.line_of("order")) for le in lessons), "lesson order", errors, course
    )
    lessons.sort(key=lambda le: (le.order, le.id))

    _body_checks(doc, needs_sources=not f.strings("sources", required=False), errors=errors)
    split = split_blocks(doc.body, doc.path, doc.body_line)
    errors.extend(split.errors)
    _check_blocks(split.blocks, doc.path, errors)
    all_blocks = list(split.blocks) + [b for le in lessons for b in le.blocks]
    _check_trainer_material(doc, all_blocks, errors)
    _check_unique(
        (
            (b.attrs.get("id", ""), doc.path, b.line)
            for b in all_blocks
            if b.kind in (BlockKind.ACTIVITY, BlockKind.HANDOUT)
        ),
        "activity/handout id",
        errors,
        course,
    )

    workshop = doc.meta.get("workshop")
    steps: tuple[StepSpec, ...] = ()
    materials: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()
    if not isinstance(workshop, Meta):
        f.error("workshop", "'workshop' is required: materials, key_messages and session_plan for the guide")
    else:
        w = _Fields(workshop, doc.path, errors, "workshop: ")
        w.known(UNIT_WORKSHOP_KEYS)
        materials = w.strings("materials")
        messages = w.strings("key_messages")
        steps = _session_plan(workshop, doc.path, lessons, all_blocks, errors)

    return UnitSpec(
        id=unit_id,
        title=f.text("title"),
        order=f.integer("order", 1),
        summary=f.text("summary"),
        objectives=f.strings("objectives"),
        materials=materials,
        key_messages=messages,
        steps=steps,
        doc=doc,
        blocks=split.blocks,
        learner_markdown=split.learner_markdown,
        guide_markdown=split.guide_markdown,
        lessons=tuple(lessons),
    )


def _check_trainer_material(doc: RawDocument, blocks: list[RawBlock], errors: list[ContentError]) -> None:
    kinds = {b.kind for b in blocks}
    for kind in BlockKind:
        if kind not in kinds:
            errors.append(
                ContentError(doc.path, 1, f"the unit has no '::: {kind}' block (in unit.md or a lesson)", cascade=True)
            )
    questions = sum(_count_questions(b.markdown) for b in blocks if b.kind == BlockKind.DISCUSSION)
    if BlockKind.DISCUSSION in kinds and questions < MIN_DISCUSSION_QUESTIONS:
        errors.append(
            ContentError(
                doc.path,
                1,
                f"the unit has {questions} discussion questions; at least {MIN_DISCUSSION_QUESTIONS} are needed",
                cascade=True,
            )
        )


def _session_plan(
    workshop: Meta, path: Path, lessons: list[LessonSpec], blocks: list[RawBlock], errors: list[ContentError]
) -> tuple[StepSpec, ...]:
    raw_steps = workshop.get("session_plan")
    if not isinstance(raw_steps, list) or not raw_steps:
        errors.append(
            ContentError(path, workshop.line_of("session_plan"), "workshop: 'session_plan' needs at least one step")
        )
        return ()
    activities = {b.attrs.get("id"): b for b in blocks if b.kind == BlockKind.ACTIVITY}
    lesson_ids = {le.id: le for le in lessons}
    steps: list[StepSpec] = []
    used: dict[str, int] = {}
    for raw in raw_steps:
        if not isinstance(raw, Meta):
            errors.append(ContentError(path, workshop.line_of("session_plan"), "each session plan step is a mapping"))
            continue
        s = _Fields(raw, path, errors, "session plan step: ")
        s.known(STEP_KEYS)
        refs = [k for k in ("title", "lesson", "activity", "quiz") if k in raw]
        if len(refs) != 1:
            errors.append(
                ContentError(path, raw.line, "session plan step needs exactly one of title, lesson, activity, quiz")
            )
            continue
        key = refs[0]
        method = s.text("method")
        materials = s.text("materials", required=False)
        minutes = s.integer("minutes", 1, 600) if key != "activity" or "minutes" in raw else None
        ref = None
        title = ""
        if key == "title":
            title = s.text("title")
        elif key == "lesson":
            ref = s.text("lesson")
            if ref not in lesson_ids:
                s.error("lesson", f"no lesson {ref!r} in this unit", cascade=True)
            else:
                title = lesson_ids[ref].title
        elif key == "activity":
            ref = s.text("activity")
            block = activities.get(ref)
            if block is None:
                s.error("activity", f"no activity block with id={ref!r} in this unit")
            else:
                title = block.attrs.get("title", "")
                declared = block.attrs.get("minutes", "")
                if minutes is None and declared.isdigit():
                    minutes = int(declared)
                elif minutes is not None and declared.isdigit() and minutes != int(declared):
                    s.error("minutes", f"step says {minutes} min but the activity says minutes={declared}")
        else:
            if raw.get("quiz") is not True:
                s.error("quiz", "'quiz' must be true")
            title = "Quiz"
        if ref:
            if ref in used:
                errors.append(ContentError(path, raw.line, f"{key} {ref!r} appears twice in the session plan"))
            used[ref] = raw.line
        kind = StepKind(key if key != "title" else "step")
        steps.append(StepSpec(title=title, method=method, materials=materials, kind=kind, minutes=minutes, ref=ref))
    for lesson_id in lesson_ids:
        if lesson_id and lesson_id not in used:
            errors.append(
                ContentError(
                    path, workshop.line_of("session_plan"), f"session plan does not include lesson {lesson_id!r}"
                )
            )
    for activity_id in activities:
        if activity_id and activity_id not in used:
            errors.append(
                ContentError(
                    path, workshop.line_of("session_plan"), f"session plan does not include activity {activity_id!r}"
                )
            )
    return tuple(steps)


def _quiz(raw: RawQuiz, text: str, errors: list[ContentError]) -> QuizSpec | None:
    f = _Fields(raw.meta, raw.path, errors)
    f.known(QUIZ_KEYS)
    placeholders(raw.path, text, errors)
    return QuizSpec(
        id=f.ident("id"),
        unit_id=f.ident("unit"),
        title=f.text("title"),
        pass_mark=f.integer("pass_mark", 0, 100),
        attempts=f.integer("attempts", 0, 1000, default=0),
        shuffle=f.boolean("shuffle", False),
        duration=f.integer("duration", 1, 240, default=15),
        raw=raw,
        draw=_draw(f, raw),
        time_limit=f.integer("time_limit", 0, 600, default=0),
        reveal=_reveal(f),
        draft=f.boolean("draft", False),
    )


def _draw(f: _Fields, raw: RawQuiz) -> int:
    """``draw: N`` takes N questions at random per attempt: fewer than the quiz holds."""
    draw = f.integer("draw", 0, 1000, default=0)
    if draw and draw >= len(raw.questions):
        f.error("draw", f"'draw' ({draw}) must be fewer than the quiz's {len(raw.questions)} questions")
    return draw


def _reveal(f: _Fields) -> str:
    value = f.meta.get("reveal", REVEAL_DEFAULT)
    if value not in REVEAL_CHOICES:
        f.error("reveal", f"'reveal' must be one of {', '.join(REVEAL_CHOICES)}")
        return REVEAL_DEFAULT
    return str(value)


def _check_quizzes(units: list[UnitSpec], quizzes: list[QuizSpec], errors: list[ContentError], course: Path) -> None:
    by_unit = {u.id: u for u in units}
    _check_unique(((q.id, q.raw.path, q.raw.meta.line_of("id")) for q in quizzes), "quiz id", errors, course)
    claimed: dict[str, Path] = {}
    for quiz in quizzes:
        unit = by_unit.get(quiz.unit_id)
        if unit is None:
            if quiz.unit_id:
                errors.append(
                    ContentError(
                        quiz.raw.path, quiz.raw.meta.line_of("unit"), f"unknown unit {quiz.unit_id!r}", cascade=True
                    )
                )
            continue
        if quiz.unit_id in claimed:
            errors.append(
                ContentError(
                    quiz.raw.path,
                    quiz.raw.meta.line_of("unit"),
                    f"unit {quiz.unit_id!r} already has a quiz ({claimed[quiz.unit_id].name})",
                )
            )
        claimed[quiz.unit_id] = quiz.raw.path
        for question in quiz.raw.questions:
            _check_lesson_ref(question, quiz, by_unit, errors)
    for unit in units:
        if unit.id and unit.id not in claimed:
            errors.append(
                ContentError(
                    unit.doc.path,
                    unit.doc.meta.line_of("id"),
                    f"unit {unit.id!r} has no quiz in quizzes/",
                    cascade=True,
                )
            )


def resolve_lesson_ref(ref: str, unit_id: str) -> tuple[str, str]:
    """``lesson-id`` (in the quiz's unit) or ``unit-id/lesson-id`` -> (unit id, lesson id)."""
    unit_part, sep, lesson_part = ref.partition("/")
    return (unit_part, lesson_part) if sep else (unit_id, ref)


def _check_lesson_ref(
    question: RawQuestion, quiz: QuizSpec, units: dict[str, UnitSpec], errors: list[ContentError]
) -> None:
    if not question.lesson:
        return
    unit_id, lesson_id = resolve_lesson_ref(question.lesson, quiz.unit_id)
    unit = units.get(unit_id)
    if unit is None or lesson_id not in {le.id for le in unit.lessons}:
        errors.append(
            ContentError(quiz.raw.path, question.lesson_line, f"lesson {question.lesson!r} not found", cascade=True)
        )


def _guide(raw: RawGuide, errors: list[ContentError]) -> GuideSpec:
    f = _Fields(raw.meta, raw.path, errors)
    f.known(GUIDE_KEYS)
    workshop: Any = raw.meta.get("workshop") or Meta()
    defaults = WorkshopDefaults()
    if isinstance(workshop, Meta):
        w = _Fields(workshop, raw.path, errors, "workshop: ")
        w.known(GUIDE_WORKSHOP_KEYS)
        day_start = w.text("day_start", required=False, default=defaults.day_start)
        if not CLOCK.match(day_start):
            w.error("day_start", "'day_start' must be a time like \"09:00\"")
            day_start = defaults.day_start
        hours = workshop.get("hours_per_day", defaults.hours_per_day)
        if isinstance(hours, bool) or not isinstance(hours, (int, float)) or not 1 <= hours <= 12:
            w.error("hours_per_day", "'hours_per_day' must be a number of hours from 1 to 12")
            hours = defaults.hours_per_day
        defaults = WorkshopDefaults(
            day_start=day_start,
            hours_per_day=float(hours),
            break_minutes=w.integer("break_minutes", 0, 60, default=defaults.break_minutes),
            lunch_minutes=w.integer("lunch_minutes", 0, 120, default=defaults.lunch_minutes),
        )
    pages = []
    for entry, path, text in raw.pages:
        p = _Fields(entry, raw.path, errors, "page: ")
        p.known(PAGE_KEYS)
        markdown_checks(path, text, 1, errors)
        page_id = path.stem
        pages.append((page_id, p.text("title"), path, text))
    language = f.text("language", required=False, default="en")
    if not known_language(language):
        f.error("language", f"'language' {language!r} is not a language code such as en, fr or es")
    return GuideSpec(
        title=f.text("title"),
        subtitle=f.text("subtitle", required=False),
        edition=f.text("edition"),
        publisher=f.text("publisher", required=False),
        language=language,
        translations=_translations(f, language),
        workshop=defaults,
        pages=tuple(pages),
    )


def _translations(f: _Fields, language: str) -> tuple[str, ...]:
    """``translations: [fr, es]``: the languages translators may add, as file suffixes."""
    codes = f.strings("translations", required=False)
    chosen: list[str] = []
    for code in codes:
        if not known_language(code):
            f.error("translations", f"'translations': {code!r} is not a lowercase language code such as fr or es")
        elif code == language:
            f.error("translations", f"'translations': {code!r} is the language the course is written in")
        elif code in chosen:
            f.error("translations", f"'translations': {code!r} is listed twice")
        else:
            chosen.append(code)
    return tuple(chosen)
