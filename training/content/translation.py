"""Check each translation against its source; return the text the catalogue renders per language.

A translation is a parallel file (:mod:`languages`): the same ids and structure as its source,
its own words. What makes progress, attempts and reports one course (ids, order, durations,
answer keys, pass marks, versions) is the source's: a translation may repeat a structural
field only with the source's value. The checks, each reported as ``path:line: message``:

* the file's language is one the course declares, and its source exists;
* the same ids: unit, lesson, quiz, question, option, activity and handout;
* the same structure: objectives, key terms, session plan steps, trainer blocks (kinds, ids,
  minutes, timed steps), headings, questions (types, lessons, points, options, answer key);
* every figure of the source is in the translation (:mod:`figures`);
* no paragraph of the source left untranslated (short ones, such as a name, may stay);
* ``source_version``, the version of the source the translation was made from, is stamped.

Links are checked when the text is rendered (:mod:`catalogue`): a translation links to
translations in its own language.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .blocks import RawBlock, split_blocks
from .errors import ContentError
from .figures import missing_figures
from .frontmatter import FrontMatterError, Meta, load_yaml, refuse_unknown_fields, split_front_matter
from .loader import RawCourse, RawDocument, RawTranslation
from .model import BlockKind, KeyTerm
from .questions import QUESTION_TYPES
from .quizfile import RawQuestion, RawQuiz, parse_quiz_text
from .validate import (
    GUIDE_KEYS,
    KEY_TERM_KEYS,
    LESSON_KEYS,
    PAGE_KEYS,
    QUIZ_KEYS,
    STEP_KEYS,
    TIME_STEP,
    UNIT_KEYS,
    UNIT_WORKSHOP_KEYS,
    CourseSpec,
    GuideSpec,
    LessonSpec,
    LessonText,
    QuizSpec,
    QuizText,
    StepText,
    UnitSpec,
    UnitText,
    markdown_checks,
    placeholders,
)

MIN_UNTRANSLATED_WORDS = 5
"""A paragraph identical to the source's is an error from this many words up: shorter ones
(a name, an acronym, a figure) may rightly stay as they are."""
STAMP_KEY = "source_version"
STAMP = re.compile(r"^[0-9a-f]{12}$")
_WORD = re.compile(r"[^\W\d_]+")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")
_BLOCK_LINE = re.compile(r"^:::")


# --- what the catalogue renders: the words of a translated file ------------------------------


@dataclass(frozen=True, slots=True)
class GuideText:
    title: str
    subtitle: str
    publisher: str
    page_titles: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class PageText:
    path: Path
    markdown: str


@dataclass(slots=True)
class Translation:
    """Every valid translation file of one language. Files with problems are left out, so the
    source stands in for them (the problems are reported and the course does not load)."""

    language: str
    units: dict[str, UnitText] = field(default_factory=dict)
    lessons: dict[tuple[str, str], LessonText] = field(default_factory=dict)
    quizzes: dict[str, QuizText] = field(default_factory=dict)
    guide: GuideText | None = None
    pages: dict[str, PageText] = field(default_factory=dict)


# --- the checks --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Source:
    kind: str  # unit, lesson, quiz, guide, page
    spec: Any


def validate_translations(
    raw: RawCourse, spec: CourseSpec, broken: Collection[Path] = ()
) -> tuple[tuple[Translation, ...], list[ContentError]]:
    """Check every translation file; return one :class:`Translation` per declared language.

    Translations of a source file in ``broken`` (one with problems of its own) wait until the
    source is fixed: comparing with a broken source would only repeat its problems."""
    errors: list[ContentError] = []
    guide = spec.guide
    declared = guide.translations if guide else ()
    source_language = guide.language if guide else "en"
    found = {language: Translation(language) for language in declared}
    index = _source_index(raw, spec)
    for t in sorted(raw.translations, key=lambda t: t.path):
        if t.language not in found:
            errors.append(ContentError(t.path, 1, _unknown_suffix(t, declared, source_language)))
            continue
        source = index.get(t.source)
        if source is None or t.source in broken:
            if t.source not in raw.sources:  # a source with its own problems is reported there
                errors.append(ContentError(t.path, 1, _orphan(t)))
            continue
        before = len(errors)
        check = _Check(t, source_language, errors)
        text = _CHECKS[source.kind](check, source)
        if text is not None and len(errors) == before:
            _keep(found[t.language], source, text)
    return tuple(found.values()), errors


def _source_index(raw: RawCourse, spec: CourseSpec) -> dict[Path, _Source]:
    index: dict[Path, _Source] = {}
    for unit in spec.units:
        index[unit.doc.path] = _Source("unit", unit)
        for lesson in unit.lessons:
            index[lesson.doc.path] = _Source("lesson", lesson)
    for quiz in spec.quizzes:
        index[quiz.raw.path] = _Source("quiz", quiz)
    if spec.guide is not None and raw.guide is not None:
        index[raw.guide.path] = _Source("guide", spec.guide)
        for page in spec.guide.pages:
            index[page[2]] = _Source("page", page)
    return index


def _unknown_suffix(t: RawTranslation, declared: Sequence[str], source_language: str) -> str:
    if t.language == source_language:
        return (
            f"the suffix '.{t.language}' names the language the course is written in; "
            f"the source file is {t.source.name}"
        )
    listed = ", ".join(declared) if declared else "none"
    return (
        f"unknown language suffix {t.language!r} in the file name (the course's translations: {listed}; "
        "declare a language under 'translations:' in trainer_guide/guide.yaml)"
    )


def _orphan(t: RawTranslation) -> str:
    if t.source.exists():
        return (
            f"translation without a source: {t.source.name} is not a unit, lesson, quiz, guide page "
            "or guide.yaml of the course"
        )
    return f"translation without a source: there is no {t.source.name} beside it"


def _keep(translation: Translation, source: _Source, text: Any) -> None:
    if source.kind == "unit":
        translation.units[source.spec.id] = text
    elif source.kind == "lesson":
        translation.lessons[(source.spec.unit_id, source.spec.id)] = text
    elif source.kind == "quiz":
        translation.quizzes[source.spec.id] = text
    elif source.kind == "guide":
        translation.guide = text
    else:
        translation.pages[source.spec[0]] = text


class _Check:
    """Compares one translation file with its source, recording located errors."""

    def __init__(self, t: RawTranslation, source_language: str, errors: list[ContentError]):
        self.t, self.source_language, self.errors = t, source_language, errors
        self.path, self.language = t.path, t.language
        self.meta: Meta = Meta()
        self.meta.line, self.meta.key_lines = 1, {}
        self.misspelt: set[tuple[int, str]] = set()
        """(mapping, known field) pairs an unknown field was close to: only the misspelling
        is reported, not the field as missing too."""

    def error(self, line: int, message: str) -> None:
        self.errors.append(ContentError(self.path, line, message))

    def known(self, keys: tuple[str, ...], meta: Meta | None = None, where: str = "") -> None:
        """The source file's fields (and, at the top, the stamp); anything else is refused."""
        meta = self.meta if meta is None else meta
        for key in refuse_unknown_fields(meta, keys, self.path, self.errors, where):
            self.misspelt.add((id(meta), key))

    def misspelt_field(self, meta: Meta, key: str) -> bool:
        return (id(meta), key) in self.misspelt and key not in meta

    def line_of(self, key: str) -> int:
        return self.meta.line_of(key)

    # structure

    def ident(self, key: str, expected: str) -> None:
        value = self.meta.get(key)
        if value is None and self.misspelt_field(self.meta, key):
            return
        if value is None:
            self.error(self.line_of(key), f"'{key}' is required: a translation carries its source's {key} {expected!r}")
        elif str(value) != expected:
            self.error(self.line_of(key), f"'{key}' {value!r} is not the source's {expected!r}; ids never change")

    def same(self, key: str, expected: object, meta: Meta | None = None, where: str = "") -> None:
        """A structural field: may be left out; if given, it must equal the source's."""
        meta = self.meta if meta is None else meta
        if key in meta and meta[key] != expected:
            self.error(
                meta.line_of(key),
                f"{where}'{key}' is {meta[key]!r} here but {expected!r} in the source: it comes from the "
                "source, so leave it out or keep it equal",
            )

    def stamp(self, meta: Meta | None = None) -> None:
        meta = self.meta if meta is None else meta
        value = meta.get(STAMP_KEY)
        if value is None and self.misspelt_field(meta, STAMP_KEY):
            return
        if value is None:
            self.error(
                meta.line_of(STAMP_KEY),
                f"'{STAMP_KEY}' is missing: once the translation matches its source, "
                "run `training content stamp` on this file",
            )
        elif not isinstance(value, str) or not STAMP.match(value):
            self.error(
                meta.line_of(STAMP_KEY),
                f"'{STAMP_KEY}' must be the quoted 12-character version that `training content stamp` writes",
            )

    # text

    def text(self, key: str, source: str, meta: Meta | None = None, where: str = "", required: bool = True) -> str:
        meta = self.meta if meta is None else meta
        value = meta.get(key)
        if value is None and (not required or self.misspelt_field(meta, key)):
            return ""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            value = str(value)
        if not isinstance(value, str) or not value.strip():
            self.error(meta.line_of(key), f"{where}'{key}' is required and must be text")
            return ""
        self.prose(source, value, meta.line_of(key), f"{where}'{key}': ")
        return value.strip()

    def texts(
        self,
        key: str,
        source: Sequence[str],
        meta: Meta | None = None,
        where: str = "",
        *,
        required: bool = True,
        citations: bool = False,
    ) -> tuple[str, ...]:
        """A list field: as many entries as the source, each keeping its figures."""
        meta = self.meta if meta is None else meta
        value = meta.get(key)
        if value is None and (not required or self.misspelt_field(meta, key)):
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.error(meta.line_of(key), f"{where}'{key}' must be a list of text entries, as in the source")
            return ()
        if len(value) != len(source):
            self.error(meta.line_of(key), f"{where}'{key}' has {len(value)} entries, the source has {len(source)}")
            return ()
        for number, (src, text) in enumerate(zip(source, value, strict=True), start=1):
            self.prose(src, text, meta.line_of(key), f"{where}'{key}' entry {number}: ", citations=citations)
        return tuple(v.strip() for v in value)

    def prose(self, source: str, text: str, line: int, where: str = "", citations: bool = False) -> None:
        """One piece of running text: the source's figures kept, not left untranslated."""
        for figure in missing_figures(source, self.source_language, text, self.language):
            self.error(line, f"{where}figure {figure.text!r} of the source is missing")
        if not citations and _untranslated(source, text):
            self.error(line, f"{where}left untranslated: the same text as the source")


def _untranslated(source: str, text: str) -> bool:
    return _normal(source) == _normal(text) and len(_WORD.findall(text)) >= MIN_UNTRANSLATED_WORDS


def _normal(text: str) -> str:
    return " ".join(text.split())


def _front_matter(check: _Check) -> RawDocument | None:
    try:
        meta, body, body_line = split_front_matter(check.t.text, check.path)
    except FrontMatterError as exc:
        check.errors.append(exc.error)
        return None
    check.meta = meta
    return RawDocument(check.path, check.t.text, meta, body, body_line)


# --- units and lessons -------------------------------------------------------------------


def _check_lesson(check: _Check, source: _Source) -> LessonText | None:
    spec: LessonSpec = source.spec
    doc = _front_matter(check)
    if doc is None:
        return None
    check.known((*LESSON_KEYS, STAMP_KEY))
    check.ident("id", spec.id)
    check.same("order", spec.order)
    check.same("duration", spec.duration)
    title = check.text("title", spec.title)
    objectives = check.texts("objectives", spec.objectives)
    key_terms = _key_terms(check, spec.key_terms)
    sources = check.texts("sources", spec.sources, required=False, citations=True) or spec.sources
    blocks, learner, guide = _body(check, spec.doc, spec.blocks, doc)
    check.stamp()
    return LessonText(
        title=title,
        objectives=objectives,
        key_terms=key_terms,
        sources=sources,
        doc=doc,
        blocks=blocks,
        learner_markdown=learner,
        guide_markdown=guide,
    )


def _key_terms(check: _Check, source: tuple[KeyTerm, ...]) -> tuple[KeyTerm, ...]:
    value = check.meta.get("key_terms")
    line = check.line_of("key_terms")
    if not isinstance(value, list) or len(value) != len(source):
        count = len(value) if isinstance(value, list) else 0
        check.error(line, f"'key_terms' has {count} entries, the source has {len(source)} (term and definition each)")
        return ()
    terms = []
    for src, entry in zip(source, value, strict=True):
        if isinstance(entry, Meta):
            check.known(KEY_TERM_KEYS, entry, "key term: ")
        if not (
            isinstance(entry, Meta) and isinstance(entry.get("term"), str) and isinstance(entry.get("definition"), str)
        ):
            if not (isinstance(entry, Meta) and any(check.misspelt_field(entry, k) for k in KEY_TERM_KEYS)):
                check.error(
                    entry.line if isinstance(entry, Meta) else line, "each key term needs 'term' and 'definition'"
                )
            continue
        check.prose(src.term, entry["term"], entry.line_of("term"), "key term: ")
        check.prose(src.definition, entry["definition"], entry.line_of("definition"), "key term definition: ")
        terms.append(KeyTerm(entry["term"].strip(), entry["definition"].strip()))
    return tuple(terms)


def _check_unit(check: _Check, source: _Source) -> UnitText | None:
    spec: UnitSpec = source.spec
    doc = _front_matter(check)
    if doc is None:
        return None
    check.known((*UNIT_KEYS, STAMP_KEY))
    check.ident("id", spec.id)
    check.same("order", spec.order)
    title = check.text("title", spec.title)
    summary = check.text("summary", spec.summary)
    objectives = check.texts("objectives", spec.objectives)
    check.texts("sources", _meta_list(spec.doc.meta, "sources"), required=False, citations=True)
    materials: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()
    steps: tuple[StepText, ...] = ()
    workshop = check.meta.get("workshop")
    if not isinstance(workshop, Meta):
        check.error(check.line_of("workshop"), "'workshop' is required: materials, key_messages and session_plan")
    else:
        check.known(UNIT_WORKSHOP_KEYS, workshop, "workshop: ")
        materials = check.texts("materials", spec.materials, workshop, "workshop: ")
        messages = check.texts("key_messages", spec.key_messages, workshop, "workshop: ")
        steps = _session_plan(check, spec, workshop)
    blocks, learner, guide = _body(check, spec.doc, spec.blocks, doc)
    check.stamp()
    return UnitText(
        title=title,
        summary=summary,
        objectives=objectives,
        materials=materials,
        key_messages=messages,
        steps=steps,
        doc=doc,
        blocks=blocks,
        learner_markdown=learner,
        guide_markdown=guide,
    )


def _meta_list(meta: Meta, key: str) -> tuple[str, ...]:
    value = meta.get(key)
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _session_plan(check: _Check, spec: UnitSpec, workshop: Meta) -> tuple[StepText, ...]:
    source_steps = spec.doc.meta["workshop"]["session_plan"]
    value = workshop.get("session_plan")
    line = workshop.line_of("session_plan")
    if not isinstance(value, list) or len(value) != len(source_steps):
        count = len(value) if isinstance(value, list) else 0
        check.error(line, f"workshop: 'session_plan' has {count} steps, the source has {len(source_steps)}")
        return ()
    steps = []
    for number, (src_raw, src, raw) in enumerate(zip(source_steps, spec.steps, value, strict=False), start=1):
        where = f"session plan step {number}: "
        if not isinstance(raw, Meta):
            check.error(line, f"{where}must be a mapping, as in the source")
            continue
        check.known(STEP_KEYS, raw, where)
        src_kind = _step_kind(src_raw)
        kind = _step_kind(raw)
        if kind != src_kind:
            check.error(raw.line, f"{where}a {kind or 'step'} step here, a {src_kind} step in the source")
            continue
        if kind is not None and kind != "title":
            check.same(kind, src_raw[kind], raw, where)
        if "minutes" in raw and "minutes" not in src_raw:
            check.error(raw.line_of("minutes"), f"{where}'minutes' comes from the activity in the source; leave it out")
        else:
            check.same("minutes", src_raw.get("minutes"), raw, where)
        title = check.text("title", src.title, raw, where) if kind == "title" else ""
        method = check.text("method", src.method, raw, where)
        materials = check.text("materials", src.materials, raw, where, required=bool(src.materials))
        steps.append(StepText(title=title, method=method, materials=materials))
    return tuple(steps)


def _step_kind(step: object) -> str | None:
    return next((k for k in ("title", "lesson", "activity", "quiz") if isinstance(step, Meta) and k in step), None)


def _body(
    check: _Check, source: RawDocument, source_blocks: tuple[RawBlock, ...], doc: RawDocument
) -> tuple[tuple[RawBlock, ...], str, str]:
    """Blocks, headings, figures and untranslated paragraphs of a Markdown body; returns the
    translation's (blocks, learner Markdown, guide Markdown)."""
    placeholders(doc.path, doc.text, check.errors)
    markdown_checks(doc.path, doc.body, doc.body_line, check.errors)
    split = split_blocks(doc.body, doc.path, doc.body_line)
    check.errors.extend(split.errors)
    _compare_blocks(check, source_blocks, split.blocks, doc.body_line)
    _compare_paragraphs(
        check, _paragraphs(source.body, source.body_line), _paragraphs(doc.body, doc.body_line), doc.body_line
    )
    return split.blocks, split.learner_markdown, split.guide_markdown


def _compare_blocks(check: _Check, source: tuple[RawBlock, ...], blocks: tuple[RawBlock, ...], body_line: int) -> None:
    for src, block in zip(source, blocks, strict=False):
        where = f"'::: {block.kind}' block: "
        if block.kind != src.kind:
            check.error(
                block.line, f"a '::: {block.kind}' block here, '::: {src.kind}' in the source (line {src.line})"
            )
            return
        for key in ("id", "minutes"):
            ours, theirs = block.attrs.get(key, ""), src.attrs.get(key, "")
            if ours != theirs:
                check.error(block.line, f"{where}{key}={ours!r} here but {key}={theirs!r} in the source")
        if block.kind in (BlockKind.ACTIVITY, BlockKind.HANDOUT):
            if not block.attrs.get("title"):
                check.error(block.line, f"{where}needs title=..., translated")
            else:
                check.prose(src.attrs.get("title", ""), block.attrs["title"], block.line, f"{where}title: ")
        if block.kind == BlockKind.ACTIVITY:
            src_steps, steps = TIME_STEP.findall(src.markdown), TIME_STEP.findall(block.markdown)
            if src_steps != steps:
                check.error(
                    block.line,
                    f"{where}timed steps {_minutes(steps)} here but {_minutes(src_steps)} in the source "
                    "(start each step with '**N min.**')",
                )
    if len(blocks) < len(source):
        missing = source[len(blocks)]
        name = f" id={missing.attrs['id']}" if missing.attrs.get("id") else ""
        line = blocks[-1].line if blocks else body_line
        check.error(line, f"the source's '::: {missing.kind}{name}' block (line {missing.line}) is missing")
    for extra in blocks[len(source) :]:
        check.error(extra.line, f"a '::: {extra.kind}' block that the source does not have")


def _minutes(steps: list[str]) -> str:
    return "(" + ", ".join(steps) + ")" if steps else "(none)"


@dataclass(frozen=True, slots=True)
class _Paragraph:
    line: int
    text: str
    heading: int = 0
    """The heading level, 0 for a paragraph."""
    code: bool = False


def _paragraphs(body: str, first_line: int) -> list[_Paragraph]:
    """Paragraphs, list and table blocks, headings and code blocks, with their first line."""
    found: list[_Paragraph] = []
    lines: list[str] = []
    start, fence = 0, False

    def flush(code: bool = False) -> None:
        nonlocal lines
        if lines and any(line.strip() for line in lines):
            found.append(_Paragraph(start, "\n".join(lines), code=code))
        lines = []

    for offset, line in enumerate(body.split("\n")):
        lineno = first_line + offset
        if _FENCE.match(line):
            if fence:
                lines.append(line)
                flush(code=True)
            else:
                flush()
                start, lines = lineno, [line]
            fence = not fence
            continue
        if fence:
            lines.append(line)
            continue
        heading = _HEADING.match(line)
        if not line.strip() or _BLOCK_LINE.match(line) or heading:
            flush()
            if heading:
                found.append(_Paragraph(lineno, heading.group(2), heading=len(heading.group(1))))
            continue
        if not lines:
            start = lineno
        lines.append(line)
    flush(code=fence)
    return found


def _compare_paragraphs(check: _Check, source: list[_Paragraph], paragraphs: list[_Paragraph], body_line: int) -> None:
    """Headings at the same levels; each paragraph's figures (paired with the source's when the
    counts agree, else section by section); no line of the source left untranslated."""
    source_headings = [p for p in source if p.heading]
    headings = [p for p in paragraphs if p.heading]
    same_outline = [p.heading for p in source_headings] == [p.heading for p in headings]
    if not same_outline:
        _heading_error(check, source_headings, headings, body_line)
    sections = zip(_sections(source), _sections(paragraphs), strict=False) if same_outline else [(source, paragraphs)]
    for src_section, section in sections:
        src_text = [p for p in src_section if not p.code]
        text = [p for p in section if not p.code]
        if len(src_text) == len(text):
            pairs = list(zip(src_text, text, strict=True))
        else:  # the translator split or joined paragraphs: compare the section as a whole
            pairs = [(_joined(src_text, 0), _joined(text, paragraphs[-1].line if paragraphs else 1))]
        for src, para in pairs:  # timed steps ('**10 min.**') are compared with the blocks
            src_words, words = TIME_STEP.sub(" ", src.text), TIME_STEP.sub(" ", para.text)
            for figure in missing_figures(src_words, check.source_language, words, check.language):
                check.error(
                    para.line,
                    f"figure {figure.text!r} of the source (line {_line_of(src, figure.text)}) is missing here",
                )
    source_lines = {
        _normal(line): p.line + offset for p in source if not p.code for offset, line in enumerate(p.text.split("\n"))
    }
    for para in paragraphs:
        if para.code:
            continue
        for offset, line in enumerate(para.text.split("\n")):
            found = source_lines.get(_normal(line))
            if found is not None and len(_WORD.findall(line)) >= MIN_UNTRANSLATED_WORDS:
                check.error(para.line + offset, f"left untranslated: the same text as the source (line {found})")
                break  # once per paragraph


def _line_of(paragraph: _Paragraph, text: str) -> int:
    lines = paragraph.text.split("\n")
    return paragraph.line + next((i for i, line in enumerate(lines) if text in line), 0)


def _joined(paragraphs: list[_Paragraph], default_line: int) -> _Paragraph:
    line = paragraphs[0].line if paragraphs else default_line
    return _Paragraph(line, "\n\n".join(p.text for p in paragraphs))


def _sections(paragraphs: list[_Paragraph]) -> list[list[_Paragraph]]:
    """Split at headings; the heading belongs to the section it opens."""
    sections: list[list[_Paragraph]] = [[]]
    for para in paragraphs:
        if para.heading:
            sections.append([])
        sections[-1].append(para)
    return sections


def _heading_error(check: _Check, source: list[_Paragraph], headings: list[_Paragraph], body_line: int) -> None:
    for index, src in enumerate(source):
        name = f"'{'#' * src.heading} {src.text}'"
        if index >= len(headings):
            line = headings[-1].line if headings else body_line
            check.error(line, f"the source's heading {name} (line {src.line}) is missing here")
            return
        if headings[index].heading != src.heading:
            check.error(
                headings[index].line,
                f"a level-{headings[index].heading} heading here where the source has {name} (line {src.line})",
            )
            return
    extra = headings[len(source)]
    check.error(extra.line, f"heading '{extra.text}' is not in the source")


# --- quizzes -----------------------------------------------------------------------------


def _check_quiz(check: _Check, source: _Source) -> QuizText | None:
    spec: QuizSpec = source.spec
    raw, parse_errors = parse_quiz_text(check.t.text, check.path, translation=True)
    check.errors.extend(parse_errors)
    if raw is None:
        return None
    check.meta = raw.meta
    check.known((*QUIZ_KEYS, STAMP_KEY))
    check.ident("id", spec.id)
    check.same("unit", spec.unit_id)
    for key in ("pass_mark", "attempts", "shuffle", "duration", "draw", "time_limit", "reveal"):
        check.same(key, getattr(spec, key))
    title = check.text("title", spec.title)
    placeholders(check.path, check.t.text, check.errors)
    if raw.intro or spec.raw.intro:
        check.prose(spec.raw.intro, raw.intro, raw.meta.line, "intro: ")
    _compare_questions(check, spec.raw, raw)
    check.stamp()
    return QuizText(title=title, raw=raw)


def _compare_questions(check: _Check, source: RawQuiz, quiz: RawQuiz) -> None:
    ours = {q.id: q for q in quiz.questions}
    theirs = {q.id: q for q in source.questions}
    last_line = quiz.questions[-1].line if quiz.questions else quiz.meta.line
    for index, src in enumerate(source.questions):
        if src.id not in ours:
            following = next((ours[s.id] for s in source.questions[index + 1 :] if s.id in ours), None)
            check.error(
                following.line if following else last_line,
                f"question {src.id!r} of the source (line {src.line}) is missing",
            )
    for q in quiz.questions:
        if q.id not in theirs:
            check.error(q.line, f"question {q.id!r} is not in the source; question ids never change")
    common = [q.id for q in quiz.questions if q.id in theirs]
    expected = [q.id for q in source.questions if q.id in ours]
    if common != expected:
        first = next(a for a, b in zip(common, expected, strict=True) if a != b)
        check.error(ours[first].line, f"question {first!r} is out of the source's order ({', '.join(expected)})")
    for q in quiz.questions:
        if q.id in theirs:
            _compare_question(check, theirs[q.id], q, quiz)


def _compare_question(check: _Check, src: RawQuestion, q: RawQuestion, quiz: RawQuiz) -> None:
    where = f"question {q.id!r}: "
    if q.type != src.type:
        check.error(q.line, f"{where}type '{q.type}' here but '{src.type}' in the source (line {src.line})")
        return
    if q.lesson != src.lesson:
        check.error(q.lesson_line or q.line, f"{where}lesson {q.lesson!r} here but {src.lesson!r} in the source")
    if q.points != src.points:
        check.error(q.line, f"{where}{q.points} points here but {src.points} in the source")
    if q.objective != src.objective:
        ours, theirs = (", ".join(str(n) for n in o.objective) or "none" for o in (q, src))
        check.error(q.objective_line or q.line, f"{where}objective {ours} here but {theirs} in the source")
    check.prose("\n".join(src.prompt), "\n".join(q.prompt), q.line, where)
    check.prose(
        "\n".join(src.explanation), "\n".join(q.explanation), _explanation_line(check, q), f"{where}explanation: "
    )
    if q.type and not QUESTION_TYPES[q.type].authored_ids:  # answers in each language's words: no pairing
        check.prose(_answers_text(src), _answers_text(q), q.line, f"{where}answers: ", citations=True)
        return
    if not _same_options(check, src, q, where):
        return
    for a, b in zip(src.answers, q.answers, strict=True):
        option = f"{where}option {{#{b.id}}}: "
        if a.correct != b.correct:
            check.error(
                b.line,
                f"{option}answer key changed: {_mark(b.correct)} here but {_mark(a.correct)} in the source "
                f"(line {a.line}); the answer key is the source's",
            )
        check.prose(f"{a.text} {a.match}", f"{b.text} {b.match}", b.line, option)
        check.prose("\n".join(a.feedback), "\n".join(b.feedback), b.line, f"{option}feedback: ")


def _same_options(check: _Check, src: RawQuestion, q: RawQuestion, where: str) -> bool:
    """The source's option ids, all of them, in the source's order (options pair by id)."""
    ids, source_ids = [a.id for a in q.answers], [a.id for a in src.answers]
    if ids == source_ids:
        return True
    for answer in q.answers:
        if answer.id and answer.id not in source_ids:
            check.error(answer.line, f"{where}option {{#{answer.id}}} is not in the source; option ids never change")
    for answer in src.answers:
        if answer.id not in ids:
            check.error(q.line, f"{where}option {{#{answer.id}}} of the source (line {answer.line}) is missing")
    if sorted(ids) == sorted(source_ids):
        check.error(q.line, f"{where}options in another order than the source's ({', '.join(source_ids)})")
    return False


def _mark(correct: bool) -> str:
    return "[x]" if correct else "[ ]"


def _answers_text(q: RawQuestion) -> str:
    return "\n".join(f"{a.text} {' '.join(a.feedback)}" for a in q.answers)


def _explanation_line(check: _Check, q: RawQuestion) -> int:
    lines = check.t.text.split("\n")
    for number in range(q.line, len(lines) + 1):
        if lines[number - 1].startswith("Explanation"):
            return number
    return q.line


# --- the trainer's guide -----------------------------------------------------------------


def _check_guide(check: _Check, source: _Source) -> GuideText | None:
    spec: GuideSpec = source.spec
    try:
        meta = load_yaml(check.t.text, check.path)
    except FrontMatterError as exc:
        check.errors.append(exc.error)
        return None
    if not isinstance(meta, Meta):
        check.error(1, f"{check.path.name} must be a mapping of fields, like guide.yaml")
        return None
    check.meta = meta
    check.known((*GUIDE_KEYS, STAMP_KEY))
    check.same("edition", spec.edition)
    if "language" in meta and meta["language"] != check.language:
        check.error(meta.line_of("language"), f"'language' must be {check.language!r}, as the file name says")
    for key in ("workshop", "translations"):
        if key in meta:
            check.error(meta.line_of(key), f"'{key}' comes from guide.yaml; leave it out of a translation")
    title = check.text("title", spec.title)
    subtitle = check.text("subtitle", spec.subtitle, required=False) or spec.subtitle
    publisher = check.text("publisher", spec.publisher, required=False) or spec.publisher
    titles = _page_titles(check, spec, meta)
    check.stamp()
    return GuideText(title, subtitle, publisher, titles)


def _page_titles(check: _Check, spec: GuideSpec, meta: Meta) -> dict[str, str]:
    pages = meta.get("pages")
    if pages is None:
        return {}
    if not isinstance(pages, list) or len(pages) != len(spec.pages):
        check.error(meta.line_of("pages"), f"'pages' must list the source's {len(spec.pages)} pages, in its order")
        return {}
    titles = {}
    for (page_id, title, path, _), entry in zip(spec.pages, pages, strict=True):
        if not isinstance(entry, Meta) or entry.get("file") != path.name:
            line = entry.line if isinstance(entry, Meta) else meta.line_of("pages")
            check.error(line, f"page: 'file' must be {path.name!r}, as in guide.yaml")
            continue
        check.known(PAGE_KEYS, entry, "page: ")
        titles[page_id] = check.text("title", title, entry, "page: ")
    return titles


def _check_page(check: _Check, source: _Source) -> PageText | None:
    page_id, _title, path, markdown = source.spec
    if check.t.text.startswith("---"):
        doc = _front_matter(check)
        if doc is None:
            return None
        check.known((STAMP_KEY,))
    else:
        doc = RawDocument(check.path, check.t.text, check.meta, check.t.text, 1)
    placeholders(doc.path, doc.text, check.errors)
    markdown_checks(doc.path, doc.body, doc.body_line, check.errors)
    _compare_paragraphs(check, _paragraphs(markdown, 1), _paragraphs(doc.body, doc.body_line), doc.body_line)
    check.stamp()
    return PageText(check.path, doc.body)


_CHECKS = {
    "unit": _check_unit,
    "lesson": _check_lesson,
    "quiz": _check_quiz,
    "guide": _check_guide,
    "page": _check_page,
}
