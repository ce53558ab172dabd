"""load -> validate -> render -> an immutable :class:`Catalogue`.

Each stage returns a new value; every problem from every stage is collected and raised
together as :class:`ContentInvalid`, so an author sees them all at once. The course is
rendered once in its own language and once per declared translation; every view shares the
source's ids, order, durations, answer keys, pass marks and versions, and items without a
translation are the source's own objects.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from .blocks import PLACEHOLDER, RawBlock
from .coursefile import COURSE_FILE, parse_course_file, translate_course_file
from .errors import ContentError, ContentInvalid
from .evaluationfile import EVALUATION_FILE, parse_evaluation, translate_evaluation
from .images import CourseImage, load_image
from .languages import language_name, translation_name
from .lint import lint
from .loader import RawDocument, RawTranslation, file_version, load_course
from .markdown import ImageResolver, LinkResolver, images_as_alt_text, render, render_inline, word_count
from .model import (
    Block,
    BlockKind,
    Catalogue,
    CourseSettings,
    DraftQuiz,
    Evaluation,
    GuidePage,
    GuideParts,
    LanguageCoverage,
    Lesson,
    Option,
    Question,
    QuestionType,
    Quiz,
    SessionStep,
    StepKind,
    Unit,
)
from .questions import QUESTION_TYPES
from .quizfile import FALLBACK, RawQuestion
from .status import coverage
from .translation import Translation, _Check, validate_translations
from .validate import (
    CourseSpec,
    LessonSpec,
    LessonText,
    QuizSpec,
    QuizText,
    UnitSpec,
    UnitText,
    resolve_lesson_ref,
    validate,
)


def build_catalogue(content_dir: Path | str) -> Catalogue:
    """Load, validate and render a content folder; raise :class:`ContentInvalid` on any problem."""
    content_dir = Path(content_dir).resolve()
    raw, errors = load_course(content_dir)
    spec, more = validate(raw)
    errors.extend(more)
    translations, more = validate_translations(raw, spec, broken={e.path for e in errors})
    errors.extend(more)
    errors.extend(lint(spec))
    spec, drafts, errors = _set_drafts_aside(spec, errors)
    languages = spec.guide.translations if spec.guide else ()
    closing = _closing_files(content_dir, spec.guide.language if spec.guide else "en", languages, errors)
    catalogue, render_errors = _render(spec, translations, coverage(raw, languages), closing, drafts)
    errors.extend(render_errors)
    if errors or catalogue is None:
        raise ContentInvalid(errors)
    assert catalogue is not None  # no errors means the guide was there
    return catalogue


def _set_drafts_aside(
    spec: CourseSpec, errors: list[ContentError]
) -> tuple[CourseSpec, tuple[DraftQuiz, ...], list[ContentError]]:
    """Quizzes marked ``draft: true`` leave the course learners see; what they still lack (the
    problems marked as gaps) is listed with them instead of refusing the course. Any other
    problem in a draft, such as a broken answer line, is still an error."""
    drafts = tuple(
        DraftQuiz(q.id, q.unit_id, q.raw.path, tuple(sorted(e for e in errors if e.gap and e.path == q.raw.path)))
        for q in spec.quizzes
        if q.draft
    )
    if not drafts:
        return spec, drafts, errors
    draft_paths = {d.path for d in drafts}
    kept = [e for e in errors if not (e.gap and e.path in draft_paths)]
    published = tuple(q for q in spec.quizzes if not q.draft)
    return dataclasses.replace(spec, quizzes=published), drafts, kept


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


class _Links:
    """Maps lesson and unit files to their platform URLs, for links between lessons.

    A link names a file in the linking file's own language: ``02-trends/01-how-many.md`` from
    the source, ``02-trends/01-how-many.fr.md`` from a French translation (the URL is the same;
    the learner's language picks the text). A link into another language is reported.
    """

    def __init__(self, spec: CourseSpec):
        self.urls: dict[Path, str] = {}
        for unit in spec.units:
            self.urls[unit.doc.path.resolve()] = f"/units/{unit.id}"
            for lesson in unit.lessons:
                self.urls[lesson.doc.path.resolve()] = f"/units/{unit.id}/{lesson.id}"
        self.source_language = spec.guide.language if spec.guide else "en"

    def resolver(self, language: str, wrong: list[tuple[Path, str]]):
        def resolve(target: Path) -> str | None:
            name = translation_name(target)
            source = target.with_name(name.source_name()) if name else target
            url = self.urls.get(source)
            linked = name.language if name else self.source_language
            if url is not None and linked != language:
                wrong.append((target, linked))
            return url

        return resolve


class _Images:
    """The course's images, by served name, as lessons name them; each refusal is reported
    once, at the first line that names the image (a lesson renders twice: learner and guide)."""

    def __init__(self, spec: CourseSpec, errors: list[ContentError]):
        self.spec, self.errors = spec, errors
        self.found: dict[str, CourseImage] = {}
        self.reported: set[tuple[Path, str, str, str]] = set()
        self.opaque: dict[Path, CourseImage] = {}

    def __call__(self, source: Path, src: str, alt: str) -> dict[str, str] | None:
        return self._resolve(source, src, alt, opaque=False)

    def in_quiz(self, source: Path, src: str, alt: str) -> dict[str, str] | None:
        """A quiz's images, served by a name that says nothing of the file's (see
        :meth:`CourseImage.opaque`); the same checks as a lesson's."""
        return self._resolve(source, src, alt, opaque=True)

    def _resolve(self, source: Path, src: str, alt: str, *, opaque: bool) -> dict[str, str] | None:
        loaded = load_image(self.spec.content_dir, source, src)
        if isinstance(loaded, str):
            self._refuse(source, src, alt, loaded)
            return None
        if not alt.strip():
            self._refuse(source, src, alt, f"image {src!r} has no alt text: say what it shows in ![...]({src})")
            return None
        if opaque:
            loaded = self.opaque.setdefault(loaded.path, loaded.opaque())
        self.found[loaded.name] = loaded
        return {"src": loaded.url, "width": str(loaded.width), "height": str(loaded.height)}

    def _refuse(self, source: Path, src: str, alt: str, message: str) -> None:
        """Reported at the line that names the image with this alt text (a file may show one
        picture several times), else at the first line that names it."""
        if (source, src, alt, message) not in self.reported:
            self.reported.add((source, src, alt, message))
            lines = self.spec.sources.get(source, "").split("\n")
            line = next(
                (n for n, text in enumerate(lines, start=1) if f"![{alt}]({src}" in text),
                next((n for n, text in enumerate(lines, start=1) if f"]({src}" in text), 1),
            )
            self.errors.append(ContentError(source, line, message))


class _View:
    """Renders the course in one language; the source view first, then each translation."""

    def __init__(self, spec: CourseSpec, links: _Links, language: str, errors: list[ContentError], images: _Images):
        self.spec, self.links, self.language, self.errors = spec, links, language, errors
        self.images = images
        self.quiz_images: ImageResolver = images.in_quiz
        self.source_language = links.source_language

    def document(
        self,
        learner_md: str,
        guide_md: str,
        blocks: tuple[RawBlock, ...],
        doc: RawDocument,
        prefix: str,
    ):
        wrong: list[tuple[Path, str]] = []
        resolve = self.links.resolver(self.language, wrong)
        path = doc.path
        learner = render(learner_md, source=path, resolve=resolve, images=self.images)
        _report_broken(learner.broken_links, doc, self.errors)
        guide = render(guide_md, source=path, resolve=resolve, images=self.images, id_prefix=prefix)
        rendered_blocks = tuple(
            _render_block(b, path, prefix, index, resolve, self.images) for index, b in enumerate(blocks)
        )
        self._report_wrong_language(wrong, doc)
        guide_html = guide.html
        for index, block in enumerate(rendered_blocks):
            guide_html = guide_html.replace(f"<p>{PLACEHOLDER.format(index)}</p>", _wrap_block(block, prefix, index))
        return learner, guide_html, rendered_blocks

    def _report_wrong_language(self, wrong: list[tuple[Path, str]], doc: RawDocument) -> None:
        lines = doc.text.split("\n")
        for target, linked in dict.fromkeys(wrong):
            line = next((n for n, text in enumerate(lines, start=1) if target.name in text), 0)
            name = translation_name(target)
            suffix = "" if self.language == self.links.source_language else f".{self.language}"
            own = f"{name.stem if name else target.stem}{suffix}.md"
            self.errors.append(
                ContentError(
                    doc.path,
                    line,
                    f"link to {target.name}, the {language_name(linked)} text, in a {language_name(self.language)} "
                    f"file: link {own} instead",
                )
            )

    def language_of(self, spec: object, text: object) -> str:
        """A spec is its own source text; any other text is this view's translation."""
        return self.source_language if text is spec else self.language

    def lesson(self, spec: LessonSpec, text: LessonText) -> Lesson:
        prefix = f"{spec.unit_id}-{spec.id}-"
        learner, guide_html, blocks = self.document(
            text.learner_markdown, text.guide_markdown, text.blocks, text.doc, prefix
        )
        return Lesson(
            id=spec.id,
            unit_id=spec.unit_id,
            title=text.title,
            order=spec.order,
            duration=spec.duration,
            objectives=text.objectives,
            key_terms=text.key_terms,
            sources_html=tuple(render_inline(s) for s in text.sources),
            html=learner.html,
            guide_html=guide_html,
            blocks=blocks,
            toc=learner.toc,
            word_count=word_count(learner.html),
            version=file_version(spec.doc.text),
            path=text.doc.path,
            language=self.language_of(spec, text),
        )

    def unit(self, spec: UnitSpec, text: UnitText, lessons: tuple[Lesson, ...], quiz: QuizSpec | None) -> Unit:
        learner, guide_html, blocks = self.document(
            text.learner_markdown, text.guide_markdown, text.blocks, text.doc, f"{spec.id}-"
        )
        activities = {b.id: b.title or "" for b in (*blocks, *(b for le in lessons for b in le.blocks)) if b.id}
        titles = {le.id: le.title for le in lessons}
        steps = []
        for step, words in zip(spec.steps, text.steps, strict=True):
            title = {
                StepKind.STEP: words.title,
                StepKind.LESSON: titles.get(step.ref or "", step.title),
                StepKind.ACTIVITY: activities.get(step.ref or "", step.title),
            }.get(step.kind, step.title)
            steps.append(SessionStep(step.kind, title, step.minutes or 0, words.method, words.materials, step.ref))
        duration = sum(le.duration for le in lessons) + (quiz.duration if quiz else 0)
        version = _digest([file_version(spec.doc.text).encode(), *(le.version.encode() for le in lessons)])
        return Unit(
            id=spec.id,
            title=text.title,
            order=spec.order,
            summary=text.summary,
            objectives=text.objectives,
            html=learner.html,
            guide_html=guide_html,
            blocks=blocks,
            lessons=lessons,
            materials=text.materials,
            key_messages=text.key_messages,
            session_plan=tuple(steps),
            quiz_id=quiz.id if quiz else None,
            duration=duration,
            version=version,
            path=text.doc.path,
            language=self.language_of(spec, text),
        )

    def quiz(self, spec: QuizSpec, text: QuizText | QuizSpec, accepted: _Accepted) -> Quiz:
        language = self.language_of(spec, text)
        version = file_version(self.spec.sources[spec.raw.path])
        return _render_quiz(spec, text, accepted.elsewhere(spec.id, language), version, language, self.quiz_images)


class _Closing(NamedTuple):
    """``course.yaml`` and ``evaluation.md`` per language (missing: the source's, or none)."""

    settings: Mapping[str, CourseSettings]
    evaluations: Mapping[str, Evaluation]


def _closing_files(
    content_dir: Path, source_language: str, languages: tuple[str, ...], errors: list[ContentError]
) -> _Closing:
    """Read the course settings and the evaluation, and their translations, beside the
    course's folders."""
    settings: dict[str, CourseSettings] = {}
    evaluations: dict[str, Evaluation] = {}
    for name in (COURSE_FILE, EVALUATION_FILE):
        path = content_dir / name
        stem, ext = name.split(".")
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            if name == COURSE_FILE:
                found = parse_course_file(text, path, content_dir, source_language, errors)
                if found is not None:
                    settings[source_language] = found
            else:
                evaluation = parse_evaluation(text, path, file_version(text), source_language, errors)
                if evaluation is not None:
                    evaluations[source_language] = evaluation
        for t_path in sorted(content_dir.glob(f"{stem}.*.{ext}")):
            t_name = translation_name(t_path)
            if t_name is None:
                continue
            if t_name.language not in languages:
                errors.append(
                    ContentError(
                        t_path,
                        1,
                        f"unknown language suffix {t_name.language!r} (the course's: {', '.join(languages) or 'none'})",
                    )
                )
                continue
            if not path.is_file():
                errors.append(ContentError(t_path, 1, f"translation without a source: there is no {name} beside it"))
                continue
            text = t_path.read_text(encoding="utf-8")
            check = _Check(RawTranslation(t_path, t_name.language, path, text), source_language, errors)
            if name == COURSE_FILE and source_language in settings:
                found = translate_course_file(settings[source_language], text, t_path, t_name.language, errors, check)
                if found is not None:
                    settings[t_name.language] = found
            elif name == EVALUATION_FILE and source_language in evaluations:
                evaluation = translate_evaluation(evaluations[source_language], text, t_path, t_name.language, check)
                if evaluation is not None:
                    evaluations[t_name.language] = evaluation
    return _Closing(MappingProxyType(settings), MappingProxyType(evaluations))


def _render(
    spec: CourseSpec,
    translations: tuple[Translation, ...],
    languages: tuple[LanguageCoverage, ...],
    closing: _Closing | None = None,
    drafts: tuple[DraftQuiz, ...] = (),
) -> tuple[Catalogue | None, list[ContentError]]:
    errors: list[ContentError] = []
    if spec.guide is None:
        return None, errors
    links = _Links(spec)
    source_language = spec.guide.language
    accepted = _accepted_answers(spec, translations)
    version = _digest(
        [
            str(p.relative_to(spec.content_dir)).encode() + b"\0" + text.encode()
            for p, text in sorted(spec.sources.items())
        ]
    )
    views: dict[str, Catalogue] = {}
    images = _Images(spec, errors)
    shared = _Shared(
        spec.content_dir,
        (source_language, *(t.language for t in translations)),
        languages,
        MappingProxyType(views),
        closing or _Closing(MappingProxyType({}), MappingProxyType({})),
        MappingProxyType(images.found),
        drafts,
    )
    source = _render_source(spec, _View(spec, links, source_language, errors, images), accepted, version, shared)
    views[source_language] = source
    for translation in translations:
        view = _View(spec, links, translation.language, errors, images)
        views[translation.language] = _render_translation(spec, source, translation, view, accepted, shared)
    return source, errors


class _Shared(NamedTuple):
    """What every language's view of the course has in common."""

    content_dir: Path
    languages: tuple[str, ...]
    coverage: tuple[LanguageCoverage, ...]
    views: Mapping[str, Catalogue]
    closing: _Closing
    images: Mapping[str, CourseImage]
    drafts: tuple[DraftQuiz, ...] = ()


def _catalogue(
    units: list[Unit], quizzes: dict[str, Quiz], guide: GuideParts, version: str, language: str, shared: _Shared
) -> Catalogue:
    return Catalogue(
        units=tuple(units),
        quizzes=MappingProxyType(quizzes),
        guide=guide,
        version=version,
        content_dir=shared.content_dir,
        language=language,
        languages=shared.languages,
        coverage=shared.coverage,
        drafts=shared.drafts,
        _units_by_id=MappingProxyType({u.id: u for u in units}),
        _neighbours=MappingProxyType(_neighbour_index(units)),
        _views=shared.views,
        settings=shared.closing.settings.get(language) or shared.closing.settings.get(shared.languages[0]),
        evaluation=shared.closing.evaluations.get(language) or shared.closing.evaluations.get(shared.languages[0]),
        images=shared.images,
    )


def _render_source(spec: CourseSpec, view: _View, accepted: _Accepted, version: str, shared: _Shared) -> Catalogue:
    language = view.language
    quizzes = {q.unit_id: q for q in spec.quizzes}
    units = []
    for unit_spec in spec.units:
        lessons = tuple(view.lesson(le, le) for le in unit_spec.lessons)
        units.append(view.unit(unit_spec, unit_spec, lessons, quizzes.get(unit_spec.id)))
    rendered_quizzes = {q.id: view.quiz(q, q, accepted) for q in spec.quizzes if q.id}
    assert spec.guide is not None
    g = spec.guide
    pages = tuple(
        _render_page(page_id, title, path, text, language, view.images) for page_id, title, path, text in g.pages
    )
    guide = GuideParts(g.title, g.subtitle, g.edition, g.publisher, language, g.workshop, pages)
    return _catalogue(units, rendered_quizzes, guide, version, language, shared)


def _render_translation(
    spec: CourseSpec, source: Catalogue, t: Translation, view: _View, accepted: _Accepted, shared: _Shared
) -> Catalogue:
    """The course in ``t.language``: translated items rendered, the source's objects elsewhere."""
    quizzes = {q.unit_id: q for q in spec.quizzes}
    units = []
    for unit_spec, src_unit in zip(spec.units, source.units, strict=True):
        lessons = tuple(
            view.lesson(le, t.lessons[(unit_spec.id, le.id)]) if (unit_spec.id, le.id) in t.lessons else src_le
            for le, src_le in zip(unit_spec.lessons, src_unit.lessons, strict=True)
        )
        unit_words = t.units.get(unit_spec.id)
        if unit_words is None and all(a is b for a, b in zip(lessons, src_unit.lessons, strict=True)):
            units.append(src_unit)
            continue
        units.append(view.unit(unit_spec, unit_words or unit_spec, lessons, quizzes.get(unit_spec.id)))
    rendered_quizzes = {}
    for q in spec.quizzes:
        if not q.id:
            continue
        quiz_words = t.quizzes.get(q.id)
        rendered_quizzes[q.id] = source.quizzes[q.id] if quiz_words is None else view.quiz(q, quiz_words, accepted)
    guide = source.guide
    titles = t.guide.page_titles if t.guide else {}
    pages = []
    for page in guide.pages:
        page_words = t.pages.get(page.id)
        if page_words is None:
            pages.append(page)
        else:
            title = titles.get(page.id) or page.title
            pages.append(_render_page(page.id, title, page_words.path, page_words.markdown, t.language, view.images))
    own = t.guide
    parts = GuideParts(
        own.title if own else guide.title,
        own.subtitle if own else guide.subtitle,
        guide.edition,
        own.publisher if own else guide.publisher,
        t.language if own else guide.language,
        guide.workshop,
        tuple(pages),
    )
    return _catalogue(units, rendered_quizzes, parts, f"{source.version}-{t.language}", t.language, shared)


def _render_page(page_id: str, title: str, path: Path, text: str, language: str, images: ImageResolver) -> GuidePage:
    html = render(_checkboxes(text), source=path, images=images, id_prefix=f"{page_id}-").html
    return GuidePage(page_id, title, html, language)


def _neighbour_index(units: list[Unit]) -> dict[tuple[str, str], tuple[Lesson | None, Lesson | None]]:
    lessons = [lesson for unit in units for lesson in unit.lessons]
    return {
        (lesson.unit_id, lesson.id): (
            lessons[i - 1] if i > 0 else None,
            lessons[i + 1] if i + 1 < len(lessons) else None,
        )
        for i, lesson in enumerate(lessons)
    }


def _report_broken(broken: Iterable[str], doc: RawDocument, errors: list[ContentError]) -> None:
    lines = doc.text.split("\n")
    for href in broken:
        line = next((n for n, text in enumerate(lines, start=1) if f"({href}" in text), 0)
        errors.append(ContentError(doc.path, line, f"broken link {href!r}: no such lesson file", cascade=True))


def _render_block(
    block: RawBlock, path: Path, prefix: str, index: int, resolve: LinkResolver, images: ImageResolver
) -> Block:
    rendered = render(block.markdown, source=path, resolve=resolve, images=images, id_prefix=f"{prefix}b{index}-")
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


def opaque_id(question_id: str, text: str) -> str:
    """An id derived from the text only, so it says nothing about the correct position."""
    return hashlib.sha256(f"{question_id}\0{text}".encode()).hexdigest()[:8]


def option_ids(q: RawQuestion) -> list[str]:
    """A question's option ids: the authored ``{#id}`` (a translation carries the source's), or
    for a short answer, which has none, one derived from its text."""
    return [answer.id or opaque_id(q.id, answer.text) for answer in q.answers]


class _Accepted:
    """Short answers accepted in each language, so a quiz grades alike in all of them."""

    def __init__(self) -> None:
        self.by_question: dict[tuple[str, str], dict[str, list[str]]] = {}

    def add(self, quiz_id: str, raw: Iterable[RawQuestion], language: str) -> None:
        for q in raw:
            if q.type == QuestionType.SHORT:
                texts = [a.text for a in q.answers if a.correct and a.text != FALLBACK]
                self.by_question.setdefault((quiz_id, q.id), {})[language] = texts

    def elsewhere(self, quiz_id: str, language: str) -> Mapping[str, tuple[str, ...]]:
        """Per question: the answers the other languages accept."""
        found: dict[str, tuple[str, ...]] = {}
        for (quiz, question), by_language in self.by_question.items():
            if quiz == quiz_id:
                others = (t for lang, texts in by_language.items() if lang != language for t in texts)
                found[question] = tuple(dict.fromkeys(others))
        return found


def _accepted_answers(spec: CourseSpec, translations: tuple[Translation, ...]) -> _Accepted:
    accepted = _Accepted()
    source_language = spec.guide.language if spec.guide else "en"
    for quiz in spec.quizzes:
        accepted.add(quiz.id, quiz.raw.questions, source_language)
    for t in translations:
        for quiz_id, words in t.quizzes.items():
            accepted.add(quiz_id, words.raw.questions, t.language)
    return accepted


def _render_quiz(
    spec: QuizSpec,
    text: QuizText | QuizSpec,
    also_accepted: Mapping[str, tuple[str, ...]],
    version: str,
    language: str,
    images: ImageResolver,
) -> Quiz:
    """Ids, types, answer key, lessons and points from the source; words from ``text`` (the
    source's own or a translation, which pairs with it question by question, option by option).
    Short answers are the exception: each language accepts its own words, and the others'.

    Images show in prompts, options, feedback and explanations, under names that do not give
    an answer away; an option's ``text`` (its label in reviews and answer keys) names an
    image by its alt text."""
    raw = text.raw

    def inline(markdown: str) -> str:
        return render_inline(markdown, source=raw.path, images=images)

    def block(markdown: str) -> str:
        return render(markdown, source=raw.path, images=images).html

    questions = []
    for src, q in zip(spec.raw.questions, raw.questions, strict=True):
        options = []
        assert src.type is not None  # validation gave every question a type
        by_text = not QUESTION_TYPES[src.type].authored_ids
        ids = option_ids(q if by_text else src)
        for index, answer in enumerate(q.answers):
            key = answer if by_text else src.answers[index]
            options.append(
                Option(
                    # Authored ids (docs/authoring.md), the source's in every language; short
                    # and numeric answers are matched by their text, each language its own.
                    id=ids[index],
                    text=answer.text if by_text else images_as_alt_text(answer.text),
                    html=inline(answer.text) if answer.text != FALLBACK else "",
                    correct=key.correct,
                    feedback_html=inline("\n".join(answer.feedback)),
                    match=images_as_alt_text(answer.match),
                    match_html=inline(answer.match) if answer.match else "",
                    match_id=opaque_id(src.id, key.match) if key.match else "",
                )
            )
        questions.append(
            Question(
                id=src.id,
                type=src.type,
                prompt_html=block("\n".join(q.prompt)),
                options=tuple(options),
                explanation_html=block("\n".join(q.explanation)),
                lesson_ref=resolve_lesson_ref(src.lesson, spec.unit_id),
                points=src.points,
                line=q.line,
                objectives=q.objective,
                also_accepted=also_accepted.get(src.id, ()),
            )
        )
    return Quiz(
        id=spec.id,
        unit_id=spec.unit_id,
        title=text.title,
        pass_mark=spec.pass_mark,
        attempts=spec.attempts,
        shuffle=spec.shuffle,
        duration=spec.duration,
        draw=spec.draw,
        time_limit=spec.time_limit,
        reveal=spec.reveal,
        intro_html=block(raw.intro) if raw.intro else "",
        questions=tuple(questions),
        version=version,
        path=raw.path,
        language=language,
    )


_CHECKBOX = re.compile(r"^(\s*[-*]\s+)\[ \]\s+", re.MULTILINE)


def _checkboxes(text: str) -> str:
    """``- [ ] item`` in guide pages prints as a tick box."""
    return _CHECKBOX.sub("\\1☐ ", text)
