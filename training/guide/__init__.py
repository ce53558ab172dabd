"""The trainer's guide, handouts and paper quizzes: catalogue -> HTML -> PDF.

A second renderer over the same catalogue as the web pages. :func:`build_guide` gives the
guide as HTML (one printable page, or the body of the ``/guide`` page); the ``*_pdf``
functions typeset documents through :mod:`training.guide.pdf` and keep them in the PDF
cache (:mod:`training.guide.cache`), so each one is built once per content version,
template version and option set. No Flask in here: the web views and the ``training guide``
commands call these same functions.

What is trainer-only: every trainer block of the content (facilitator notes, discussion
questions, activities, handouts) and the unit's workshop material (materials, key messages,
session plan) and the answer key. In the guide HTML all of it sits inside an element with
the class ``trainer-only``; learner documents (the handout) are built from the learner HTML
only, which never contains it.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..content.model import (
    Block,
    BlockKind,
    Catalogue,
    Lesson,
    Option,
    Question,
    QuestionType,
    Quiz,
    SessionStep,
    StepKind,
    Unit,
)
from ..quiz import QUESTION_TYPES, public_view
from .cache import cached_file, cached_path
from .html import localise_links, prefix_ids, shift_headings
from .plan import Agenda, Pause, Pending, PlanError, Slot, WorkshopOptions, plan_workshop
from .render import render, templates_version

__all__ = [
    "Agenda",
    "PlanError",
    "UnknownUnit",
    "WorkshopOptions",
    "build_guide",
    "build_handout",
    "build_participant_handouts",
    "build_quiz_sheet",
    "default_options",
    "describe_step",
    "glossary",
    "guide_pdf",
    "handout_pdf",
    "participant_handouts_pdf",
    "plan_workshop",
    "quiz_pdf",
    "quiz_view",
    "references",
    "select_units",
    "warm_guide_pdf",
]

QUESTION_SHEET_SEED = 0
"""The paper quiz shows options in one fixed order (the same in the sheet and its key)."""


class UnknownUnit(KeyError):
    """A unit id that is not in the course."""


def select_units(catalogue: Catalogue, unit_ids: Iterable[str] | None) -> tuple[Unit, ...]:
    """The chosen units in course order (all of them for ``None`` or nothing chosen)."""
    wanted = [u.strip() for u in (unit_ids or ()) if u.strip()]
    if not wanted:
        return catalogue.units
    known = {u.id for u in catalogue.units}
    unknown = [u for u in wanted if u not in known]
    if unknown:
        raise UnknownUnit(", ".join(unknown))
    return tuple(u for u in catalogue.units if u.id in set(wanted))


def default_options(catalogue: Catalogue, **changes: object) -> WorkshopOptions:
    """The course's workshop defaults from ``trainer_guide/guide.yaml``, with changes."""
    return WorkshopOptions.from_defaults(catalogue.guide.workshop, **changes)


# --- glossary and references -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Definition:
    text: str
    where: str
    """"Unit 1, lesson 1.2": where the definition comes from."""


@dataclass(frozen=True, slots=True)
class GlossaryEntry:
    term: str
    definitions: tuple[Definition, ...]
    anchor: str


@dataclass(frozen=True, slots=True)
class Reference:
    html: str
    units: tuple[int, ...]


def _fold(text: str) -> str:
    """Case, accents, quotes, kinds of dash and spacing ignored: how terms are compared and sorted."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    plain = re.sub(r"[\"'“”‘’«»*_]", "", plain)
    plain = re.sub(r"[\u2010-\u2015\u2212-]", "-", plain)  # hyphens and dashes alike
    return " ".join(plain.split()).strip(" .,:;")


def _lesson_number(unit: Unit, lesson: Lesson) -> str:
    return f"{unit.order}.{unit.lessons.index(lesson) + 1}"


def glossary(units: Sequence[Unit]) -> tuple[GlossaryEntry, ...]:
    """Every key term of the units' lessons, sorted alphabetically (ignoring case, accents
    and quotes). A term defined in several lessons is listed once; identical definitions are
    merged, different ones are kept, each with the lesson it comes from."""
    entries: dict[str, tuple[str, list[Definition]]] = {}
    for unit in units:
        for lesson in unit.lessons:
            for key_term in lesson.key_terms:
                folded = _fold(key_term.term)
                where = f"Lesson {_lesson_number(unit, lesson)}"
                term, definitions = entries.setdefault(folded, (key_term.term.strip(), []))
                same = next((d for d in definitions if _fold(d.text) == _fold(key_term.definition)), None)
                if same is None:
                    definitions.append(Definition(key_term.definition.strip(), where))
                elif where not in same.where.split(", "):
                    definitions[definitions.index(same)] = Definition(same.text, f"{same.where}, {where}")
    ordered = sorted(entries.items(), key=lambda item: (item[0], item[1][0]))
    found, anchors = [], set()
    for folded, (term, definitions) in ordered:
        anchor = base = "term-" + (re.sub(r"[^a-z0-9]+", "-", folded).strip("-") or "x")
        number = 1
        while anchor in anchors:  # "a-b" and "a b" fold apart but slug alike
            number += 1
            anchor = f"{base}-{number}"
        anchors.add(anchor)
        found.append(GlossaryEntry(term, tuple(definitions), anchor))
    return tuple(found)


def references(units: Sequence[Unit]) -> tuple[Reference, ...]:
    """Every source cited by the units' lessons, once, sorted, with the units that cite it."""
    found: dict[str, tuple[str, list[int]]] = {}
    for unit in units:
        for lesson in unit.lessons:
            for source in lesson.sources_html:
                key = _fold(re.sub(r"<[^>]+>", "", source))
                html, cited_by = found.setdefault(key, (source, []))
                if unit.order not in cited_by:
                    cited_by.append(unit.order)
    return tuple(Reference(html, tuple(cited)) for _, (html, cited) in sorted(found.items()))


# --- the guide's view of a unit -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BlockView:
    block: Block
    anchor: str
    html: str


@dataclass(frozen=True, slots=True)
class LessonView:
    lesson: Lesson
    number: str
    anchor: str
    html: str


@dataclass(frozen=True, slots=True)
class ChoiceView:
    letter: str
    option: Option


@dataclass(frozen=True, slots=True)
class QuestionView:
    """A question as printed: options lettered in the paper sheet's order, with the key."""

    number: int
    question: Question
    instruction: str
    choices: tuple[ChoiceView, ...] = ()
    """single/multiple/true-false: the options; matching: the right-hand answers; ordering: the items."""
    items: tuple[Option, ...] = ()
    """matching: the left-hand items, numbered."""
    key: str = ""
    """The correct answer in the sheet's letters and words."""
    lesson_title: str = ""

    @property
    def accepted(self) -> tuple[Option, ...]:
        return tuple(o for o in self.question.options if o.correct)

    @property
    def rejected(self) -> tuple[Option, ...]:
        return tuple(o for o in self.question.options if not o.correct)


@dataclass(frozen=True, slots=True)
class QuizView:
    quiz: Quiz
    unit: Unit
    questions: tuple[QuestionView, ...]


@dataclass(frozen=True, slots=True)
class UnitView:
    unit: Unit
    anchor: str
    intro_html: str
    lessons: tuple[LessonView, ...]
    notes: tuple[BlockView, ...]
    discussion: tuple[BlockView, ...]
    activities: tuple[BlockView, ...]
    handouts: tuple[BlockView, ...]
    quiz: QuizView | None
    schedule: tuple[Slot | Pause | Pending, ...]


INSTRUCTIONS = {
    QuestionType.SINGLE: "Tick one answer.",
    QuestionType.MULTIPLE: "Tick every correct answer.",
    QuestionType.TRUE_FALSE: "Tick true or false.",
    QuestionType.SHORT: "Write a short answer.",
    QuestionType.MATCHING: "Write the letter of the matching answer next to each item.",
    QuestionType.ORDERING: "Number the items in the right order, starting with 1.",
}


def _letter(index: int) -> str:
    return chr(ord("A") + index) if index < 26 else str(index + 1)


def quiz_view(catalogue: Catalogue, quiz: Quiz) -> QuizView:
    """The quiz as printed on paper, with its key: one order shared by sheet, key and guide."""
    unit = catalogue.unit(quiz.unit_id)
    shown = {q.id: q for q in public_view(quiz, QUESTION_SHEET_SEED)}
    views = []
    for number, question in enumerate(quiz.questions, start=1):
        public = shown[question.id]
        lesson_unit, lesson_id = question.lesson_ref
        try:
            lesson_title = catalogue.lesson(lesson_unit, lesson_id).title
        except KeyError:
            lesson_title = ""
        choices: tuple[ChoiceView, ...] = ()
        items: tuple[Option, ...] = ()
        if question.type == QuestionType.MATCHING:
            by_match = {o.match_id: o for o in question.options}
            choices = tuple(ChoiceView(_letter(i), by_match[c.id]) for i, c in enumerate(public.choices))
            items = question.options
            letters = {c.option.match_id: c.letter for c in choices}
            key = "; ".join(f"{n}–{letters[o.match_id]} ({o.text} → {o.match})" for n, o in enumerate(items, start=1))
        elif question.type == QuestionType.ORDERING:
            choices = tuple(ChoiceView(_letter(i), question.option(c.id)) for i, c in enumerate(public.items))
            letters = {c.option.id: c.letter for c in choices}
            key = (
                ", ".join(letters[o.id] for o in question.options)
                + " ("
                + " → ".join(o.text for o in question.options)
                + ")"
            )
        elif question.type == QuestionType.SHORT:
            key = QUESTION_TYPES[question.type].correct_answer(question)
        else:
            choices = tuple(ChoiceView(_letter(i), question.option(c.id)) for i, c in enumerate(public.choices))
            key = "; ".join(f"{c.letter} ({c.option.text})" for c in choices if c.option.correct)
        views.append(QuestionView(number, question, INSTRUCTIONS[question.type], choices, items, key, lesson_title))
    return QuizView(quiz, unit, tuple(views))


@dataclass(frozen=True, slots=True)
class StepLabel:
    text: str
    anchor: str | None


def describe_step(unit: Unit, step: SessionStep) -> StepLabel:
    """How a session step is named in tables: lessons and activities by their number and
    title, with the anchor of the part of the guide that covers them."""
    if step.kind == StepKind.LESSON and step.ref:
        try:
            lesson = unit.lesson(step.ref)
        except KeyError:
            return StepLabel(step.title, None)
        return StepLabel(f"Lesson {_lesson_number(unit, lesson)}: {lesson.title}", f"lesson-{unit.id}-{lesson.id}")
    if step.kind == StepKind.ACTIVITY:
        return StepLabel(f"Activity: {step.title}", f"{unit.id}-activity-{step.ref}")
    if step.kind == StepKind.QUIZ:
        return StepLabel("Quiz", f"quiz-{unit.id}")
    return StepLabel(step.title, None)


class _Anchors:
    """Where lesson links point inside one document (None: not in this document)."""

    def __init__(self, units: Sequence[Unit]):
        self.units = {u.id: u for u in units}

    def __call__(self, unit_id: str, lesson_id: str | None, fragment: str | None) -> str | None:
        unit = self.units.get(unit_id)
        if unit is None:
            return None
        if lesson_id is None:
            return f"unit-{unit_id}"
        if lesson_id not in {le.id for le in unit.lessons}:
            return None
        return f"{unit_id}-{lesson_id}-{fragment}" if fragment else f"lesson-{unit_id}-{lesson_id}"


def _fragment(html: str, *, top: int, prefix: str, anchors: _Anchors) -> str:
    """Catalogue HTML (sanitised at start-up) made fit for a shared, printed page. The
    rewrites add only ids, anchors and heading levels, so the result stays as safe as the
    input; templates mark exactly these fields ``|safe``."""
    return localise_links(prefix_ids(shift_headings(html, top), prefix), anchors)


def _blocks(unit: Unit, kind: BlockKind, anchors: _Anchors) -> tuple[BlockView, ...]:
    views = []
    for index, block in enumerate(b for b in unit.blocks if b.kind == kind):
        anchor = f"{unit.id}-{kind.value}-{block.id or index}"
        views.append(BlockView(block, anchor, _fragment(block.html, top=3, prefix=f"{anchor}-", anchors=anchors)))
    return tuple(views)


def _unit_view(catalogue: Catalogue, unit: Unit, agenda: Agenda, anchors: _Anchors) -> UnitView:
    lessons = tuple(
        LessonView(
            lesson,
            _lesson_number(unit, lesson),
            f"lesson-{unit.id}-{lesson.id}",
            _fragment(lesson.guide_html, top=3, prefix=f"{unit.id}-{lesson.id}-", anchors=anchors),
        )
        for lesson in unit.lessons
    )
    quiz = catalogue.quiz_for_unit(unit.id)
    return UnitView(
        unit=unit,
        anchor=f"unit-{unit.id}",
        intro_html=_fragment(unit.html, top=3, prefix=f"{unit.id}-intro-", anchors=anchors),
        lessons=lessons,
        notes=_blocks(unit, BlockKind.FACILITATOR_NOTES, anchors),
        discussion=_blocks(unit, BlockKind.DISCUSSION, anchors),
        activities=_blocks(unit, BlockKind.ACTIVITY, anchors),
        handouts=_blocks(unit, BlockKind.HANDOUT, anchors),
        quiz=quiz_view(catalogue, quiz) if quiz else None,
        schedule=agenda.unit_entries(unit.id),
    )


def build_guide(
    catalogue: Catalogue,
    units: Sequence[Unit] | None = None,
    plan: Agenda | None = None,
    *,
    standalone: bool = True,
    stylesheet_href: str | None = None,
) -> str:
    """The trainer's guide as HTML, for the chosen units (all by default) and a workshop plan
    (by default the course's workshop defaults, with as many days as the units need).

    ``standalone`` gives a whole document (for the PDF); otherwise only the ``<article>``,
    for the ``/guide`` page, which links ``stylesheet_href`` itself.
    """
    chosen = tuple(units) if units is not None else catalogue.units
    agenda = plan if plan is not None else plan_workshop(chosen, default_options(catalogue))
    anchors = _Anchors(chosen)
    context = {
        "catalogue": catalogue,
        "guide": catalogue.guide,
        "units": tuple(_unit_view(catalogue, unit, agenda, anchors) for unit in chosen),
        "agenda": agenda,
        "whole_course": len(chosen) == len(catalogue.units),
        "glossary": glossary(chosen),
        "references": references(chosen),
        "pages": tuple(
            (
                p,
                _fragment(p.html, top=2, prefix=f"page-{p.id}-", anchors=anchors).replace(
                    "<li>☐", '<li class="tick-item">☐'
                ),
            )  # checklists: the box is the bullet
            for p in catalogue.guide.pages
        ),
        "stylesheet_href": stylesheet_href,
        "describe": describe_step,
        "unit_of": catalogue.unit,
    }
    return render("guide.html" if standalone else "_guide.html", **context)


def build_handout(catalogue: Catalogue, unit: Unit) -> str:
    """The learner handout of a unit: the overview, each lesson as learners read it online,
    and the unit's key terms. Made from learner HTML only: no trainer material."""
    anchors = _Anchors((unit,))
    lessons = tuple(
        LessonView(
            lesson,
            _lesson_number(unit, lesson),
            f"lesson-{unit.id}-{lesson.id}",
            _fragment(lesson.html, top=3, prefix=f"{unit.id}-{lesson.id}-", anchors=anchors),
        )
        for lesson in unit.lessons
    )
    return render(
        "handout.html",
        catalogue=catalogue,
        guide=catalogue.guide,
        unit=unit,
        lessons=lessons,
        intro_html=_fragment(unit.html, top=3, prefix=f"{unit.id}-intro-", anchors=anchors),
        glossary=glossary((unit,)),
        references=references((unit,)),
    )


def build_participant_handouts(catalogue: Catalogue, unit: Unit) -> str:
    """The unit's handout blocks alone, one per page, for photocopying."""
    anchors = _Anchors((unit,))
    return render(
        "handouts.html",
        catalogue=catalogue,
        guide=catalogue.guide,
        unit=unit,
        handouts=_blocks(unit, BlockKind.HANDOUT, anchors),
    )


def build_quiz_sheet(catalogue: Catalogue, unit: Unit, *, answer_key: bool) -> str:
    """The paper quiz of a unit: the question sheet for participants, or its answer key."""
    quiz = catalogue.quiz_for_unit(unit.id)
    if quiz is None:
        raise UnknownUnit(f"{unit.id} has no quiz")
    return render(
        "quiz-sheet.html",
        catalogue=catalogue,
        guide=catalogue.guide,
        unit=unit,
        view=quiz_view(catalogue, quiz),
        answer_key=answer_key,
    )


# --- PDFs, built once and cached ---------------------------------------------------------


def _key(catalogue: Catalogue, kind: str, **parts: object) -> dict[str, object]:
    return {"kind": kind, "content": catalogue.version, "templates": templates_version(), **parts}


def _typeset(html: str, *, isolated: bool = False) -> bytes:
    from . import pdf  # WeasyPrint loads only when a PDF is actually needed

    return pdf.html_to_pdf_isolated(html) if isolated else pdf.html_to_pdf(html)


def _guide_key(catalogue: Catalogue, units: Sequence[Unit], options: WorkshopOptions) -> dict[str, object]:
    return _key(catalogue, "guide", units=[u.id for u in units], options=options.key())


def guide_pdf(
    catalogue: Catalogue, cache_dir: Path, units: Sequence[Unit] | None = None, options: WorkshopOptions | None = None
) -> Path:
    """The guide as a PDF file in the cache (built on first request)."""
    chosen = tuple(units) if units is not None else catalogue.units
    options = options or default_options(catalogue)
    return cached_file(
        cache_dir,
        _guide_key(catalogue, chosen, options),
        lambda: _typeset(build_guide(catalogue, chosen, plan_workshop(chosen, options)), isolated=True),
        exclusive=True,
    )


_warming = threading.Lock()


def warm_guide_pdf(catalogue: Catalogue, cache_dir: Path) -> threading.Thread | None:
    """Start typesetting the whole-course guide in the background unless it is cached or
    already being built by this process: the first trainer to open the guide page pays for
    the build, not the first one to click "Download"."""
    options = default_options(catalogue)
    if cached_path(cache_dir, _guide_key(catalogue, catalogue.units, options)) is not None:
        return None
    if not _warming.acquire(blocking=False):
        return None

    def build() -> None:
        try:
            guide_pdf(catalogue, cache_dir, catalogue.units, options)
        finally:
            _warming.release()

    thread = threading.Thread(target=build, name="guide-pdf-warm", daemon=True)
    thread.start()
    return thread


def handout_pdf(catalogue: Catalogue, cache_dir: Path, unit: Unit) -> Path:
    return cached_file(
        cache_dir, _key(catalogue, "handout", unit=unit.id), lambda: _typeset(build_handout(catalogue, unit))
    )


def participant_handouts_pdf(catalogue: Catalogue, cache_dir: Path, unit: Unit) -> Path:
    return cached_file(
        cache_dir,
        _key(catalogue, "participant-handouts", unit=unit.id),
        lambda: _typeset(build_participant_handouts(catalogue, unit)),
    )


def quiz_pdf(catalogue: Catalogue, cache_dir: Path, unit: Unit, *, answer_key: bool) -> Path:
    return cached_file(
        cache_dir,
        _key(catalogue, "quiz-key" if answer_key else "quiz-sheet", unit=unit.id),
        lambda: _typeset(build_quiz_sheet(catalogue, unit, answer_key=answer_key)),
    )
