"""load -> validate -> render -> an immutable :class:`Catalogue`.

Each stage returns a new value; every problem from every stage is collected and raised
together as :class:`ContentInvalid`, so an author sees them all at once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path
from types import MappingProxyType

from .blocks import PLACEHOLDER, RawBlock
from .errors import ContentError, ContentInvalid
from .lint import lint
from .loader import RawDocument, load_course
from .markdown import render, render_inline, word_count
from .model import (
    Block,
    BlockKind,
    Catalogue,
    GuidePage,
    GuideParts,
    Lesson,
    Option,
    Question,
    Quiz,
    SessionStep,
    Unit,
)
from .quizfile import FALLBACK
from .validate import CourseSpec, LessonSpec, QuizSpec, UnitSpec, resolve_lesson_ref, validate


def build_catalogue(content_dir: Path | str) -> Catalogue:
    """Load, validate and render a content folder; raise :class:`ContentInvalid` on any problem."""
    content_dir = Path(content_dir).resolve()
    raw, errors = load_course(content_dir)
    spec, more = validate(raw)
    errors.extend(more)
    errors.extend(lint(spec))
    catalogue, render_errors = _render(spec)
    errors.extend(render_errors)
    if errors or catalogue is None:
        raise ContentInvalid(errors)
    return catalogue


def check(content_dir: Path | str) -> list[ContentError]:
    """Every problem in a content folder, sorted; an empty list means the course is valid."""
    try:
        build_catalogue(content_dir)
    except ContentInvalid as exc:
        return exc.errors
    return []


def _digest(chunks: Iterable[bytes], size: int = 12) -> str:
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(len(chunk).to_bytes(8, "big"))
        h.update(chunk)
    return h.hexdigest()[:size]


def _text_version(text: str) -> str:
    """A file's version: a digest of its text (as read once by the loader)."""
    return _digest([text.encode()])


class _Links:
    """Maps lesson and unit files to their platform URLs, for links between lessons."""

    def __init__(self, spec: CourseSpec):
        self.urls: dict[Path, str] = {}
        for unit in spec.units:
            self.urls[unit.doc.path.resolve()] = f"/units/{unit.id}"
            for lesson in unit.lessons:
                self.urls[lesson.doc.path.resolve()] = f"/units/{unit.id}/{lesson.id}"

    def __call__(self, target: Path) -> str | None:
        return self.urls.get(target)


def _render(spec: CourseSpec) -> tuple[Catalogue | None, list[ContentError]]:
    errors: list[ContentError] = []
    links = _Links(spec)
    quizzes = {q.unit_id: q for q in spec.quizzes}
    units = []
    for unit_spec in spec.units:
        quiz = quizzes.get(unit_spec.id)
        units.append(_render_unit(unit_spec, quiz, links, errors))
    rendered_quizzes = {q.id: _render_quiz(q, spec.sources[q.raw.path]) for q in spec.quizzes if q.id}
    guide = None
    if spec.guide is not None:
        g = spec.guide
        pages = tuple(
            GuidePage(page_id, title, render(_checkboxes(text), source=path, id_prefix=f"{page_id}-").html)
            for page_id, title, path, text in g.pages
        )
        guide = GuideParts(g.title, g.subtitle, g.edition, g.publisher, g.language, g.workshop, pages)
    if guide is None:
        return None, errors
    version = _digest(
        [
            str(p.relative_to(spec.content_dir)).encode() + b"\0" + text.encode()
            for p, text in sorted(spec.sources.items())
        ]
    )
    catalogue = Catalogue(
        units=tuple(units),
        quizzes=MappingProxyType(rendered_quizzes),
        guide=guide,
        version=version,
        content_dir=spec.content_dir,
        _units_by_id=MappingProxyType({u.id: u for u in units}),
        _neighbours=MappingProxyType(_neighbour_index(units)),
    )
    return catalogue, errors


def _neighbour_index(units: list[Unit]) -> dict[tuple[str, str], tuple[Lesson | None, Lesson | None]]:
    lessons = [lesson for unit in units for lesson in unit.lessons]
    return {
        (lesson.unit_id, lesson.id): (
            lessons[i - 1] if i > 0 else None,
            lessons[i + 1] if i + 1 < len(lessons) else None,
        )
        for i, lesson in enumerate(lessons)
    }


def _render_document(
    learner_md: str,
    guide_md: str,
    blocks: tuple[RawBlock, ...],
    doc: RawDocument,
    prefix: str,
    links: _Links,
    errors: list[ContentError],
):
    path = doc.path
    learner = render(learner_md, source=path, resolve=links)
    _report_broken(learner.broken_links, doc, errors)
    guide = render(guide_md, source=path, resolve=links, id_prefix=prefix)
    rendered_blocks = tuple(_render_block(b, path, prefix, index, links) for index, b in enumerate(blocks))
    guide_html = guide.html
    for index, block in enumerate(rendered_blocks):
        guide_html = guide_html.replace(f"<p>{PLACEHOLDER.format(index)}</p>", _wrap_block(block, prefix, index))
    return learner, guide_html, rendered_blocks


def _report_broken(broken: Iterable[str], doc: RawDocument, errors: list[ContentError]) -> None:
    lines = doc.text.split("\n")
    for href in broken:
        line = next((n for n, text in enumerate(lines, start=1) if f"({href}" in text), 0)
        errors.append(ContentError(doc.path, line, f"broken link {href!r}: no such lesson file"))


def _render_block(block: RawBlock, path: Path, prefix: str, index: int, links: _Links) -> Block:
    rendered = render(block.markdown, source=path, resolve=links, id_prefix=f"{prefix}b{index}-")
    minutes = block.attrs.get("minutes", "")
    return Block(
        kind=block.kind,
        html=rendered.html,
        id=block.attrs.get("id"),
        title=block.attrs.get("title"),
        minutes=int(minutes) if minutes.isdigit() else None,
    )


def _wrap_block(block: Block, prefix: str, index: int) -> str:
    anchor = f"{prefix}{block.kind}-{block.id or index}"
    title = block.label if block.kind != BlockKind.ACTIVITY else f"Activity: {block.label}"
    if block.minutes:
        title += f" ({block.minutes} min)"
    return (
        f'<section class="trainer-only trainer-block trainer-{block.kind}" id="{anchor}" '
        f'aria-labelledby="{anchor}-title">'
        f'<p class="trainer-block-title" id="{anchor}-title">{_escape(title)}</p>'
        f"{block.html}</section>"
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _render_lesson(spec: LessonSpec, links: _Links, errors: list[ContentError]) -> Lesson:
    prefix = f"{spec.unit_id}-{spec.id}-"
    learner, guide_html, blocks = _render_document(
        spec.learner_markdown, spec.guide_markdown, spec.blocks, spec.doc, prefix, links, errors
    )
    return Lesson(
        id=spec.id,
        unit_id=spec.unit_id,
        title=spec.title,
        order=spec.order,
        duration=spec.duration,
        objectives=spec.objectives,
        key_terms=spec.key_terms,
        sources_html=tuple(render_inline(s) for s in spec.sources),
        html=learner.html,
        guide_html=guide_html,
        blocks=blocks,
        toc=learner.toc,
        word_count=word_count(learner.html),
        version=_text_version(spec.doc.text),
        path=spec.doc.path,
    )


def _render_unit(spec: UnitSpec, quiz: QuizSpec | None, links: _Links, errors: list[ContentError]) -> Unit:
    lessons = tuple(_render_lesson(le, links, errors) for le in spec.lessons)
    learner, guide_html, blocks = _render_document(
        spec.learner_markdown, spec.guide_markdown, spec.blocks, spec.doc, f"{spec.id}-", links, errors
    )
    steps = tuple(SessionStep(s.kind, s.title, s.minutes or 0, s.method, s.materials, s.ref) for s in spec.steps)
    duration = sum(le.duration for le in lessons) + (quiz.duration if quiz else 0)
    version = _digest([_text_version(spec.doc.text).encode(), *(le.version.encode() for le in lessons)])
    return Unit(
        id=spec.id,
        title=spec.title,
        order=spec.order,
        summary=spec.summary,
        objectives=spec.objectives,
        html=learner.html,
        guide_html=guide_html,
        blocks=blocks,
        lessons=lessons,
        materials=spec.materials,
        key_messages=spec.key_messages,
        session_plan=steps,
        quiz_id=quiz.id if quiz else None,
        duration=duration,
        version=version,
        path=spec.doc.path,
    )


def opaque_id(question_id: str, text: str) -> str:
    """An id derived from the text only, so it says nothing about the correct position."""
    return hashlib.sha256(f"{question_id}\0{text}".encode()).hexdigest()[:8]


def _render_quiz(spec: QuizSpec, text: str) -> Quiz:
    raw = spec.raw
    questions = []
    for q in raw.questions:
        options = []
        for answer in q.answers:
            options.append(
                Option(
                    # Authored ids (docs/authoring.md); short answers are matched by their text.
                    id=answer.id or opaque_id(q.id, answer.text),
                    text=answer.text,
                    html=render_inline(answer.text) if answer.text != FALLBACK else "",
                    correct=answer.correct,
                    feedback_html=render_inline("\n".join(answer.feedback)),
                    match=answer.match,
                    match_html=render_inline(answer.match) if answer.match else "",
                    match_id=opaque_id(q.id, answer.match) if answer.match else "",
                )
            )
        assert q.type is not None  # validation gave every question a type
        questions.append(
            Question(
                id=q.id,
                type=q.type,
                prompt_html=render("\n".join(q.prompt), source=raw.path).html,
                options=tuple(options),
                explanation_html=render("\n".join(q.explanation), source=raw.path).html,
                lesson_ref=resolve_lesson_ref(q.lesson, spec.unit_id),
                points=q.points,
                line=q.line,
                objectives=q.objective,
            )
        )
    return Quiz(
        id=spec.id,
        unit_id=spec.unit_id,
        title=spec.title,
        pass_mark=spec.pass_mark,
        attempts=spec.attempts,
        shuffle=spec.shuffle,
        duration=spec.duration,
        intro_html=render(raw.intro, source=raw.path).html if raw.intro else "",
        questions=tuple(questions),
        version=_text_version(text),
        path=raw.path,
    )


_CHECKBOX = re.compile(r"^(\s*[-*]\s+)\[ \]\s+", re.MULTILINE)


def _checkboxes(text: str) -> str:
    """``- [ ] item`` in guide pages prints as a tick box."""
    return _CHECKBOX.sub("\\1☐ ", text)
