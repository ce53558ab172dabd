"""The guide's view of the course: units, lessons, blocks and quizzes as the printed and
the web guide show them, with their anchors, numbers and HTML made fit for a shared page.

Both renderers (the ``/guide`` page's Jinja templates and the PDF documents of
:mod:`training.guide.documents`) start from these views, so a lesson has the same number,
anchor and answer-key letters wherever it is printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
from ..quiz import QUESTION_TYPES, Paper, public_view
from ..translatable import gettext
from .html import localise_links, prefix_ids, shift_headings
from .labels import label
from .plan import Agenda, Pause, Pending, Slot
from .terms import lesson_number

QUESTION_SHEET_SEED = 0
"""The paper quiz shows options in one fixed order (the same in the sheet and its key)."""


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


def instruction(kind: QuestionType) -> str:
    """How a question type is answered on paper, in the language being rendered."""
    return gettext(QUESTION_TYPES[kind].paper_instruction)


def letter(index: int) -> str:
    return chr(ord("A") + index) if index < 26 else str(index + 1)


def quiz_view(catalogue: Catalogue, quiz: Quiz) -> QuizView:
    """The quiz as printed on paper, with its key: one order shared by sheet, key and guide."""
    unit = catalogue.unit(quiz.unit_id)
    shown = {q.id: q for q in public_view(quiz, Paper.printed(QUESTION_SHEET_SEED))}
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
            choices = tuple(ChoiceView(letter(i), by_match[c.id]) for i, c in enumerate(public.choices))
            items = question.options
            letters = {c.option.match_id: c.letter for c in choices}
            key = "; ".join(f"{n}–{letters[o.match_id]} ({o.text} → {o.match})" for n, o in enumerate(items, start=1))
        elif question.type == QuestionType.ORDERING:
            choices = tuple(ChoiceView(letter(i), question.option(c.id)) for i, c in enumerate(public.items))
            letters = {c.option.id: c.letter for c in choices}
            key = (
                ", ".join(letters[o.id] for o in question.options)
                + " ("
                + " → ".join(o.text for o in question.options)
                + ")"
            )
        elif not public.choices:  # typed answers (short, numeric)
            key = QUESTION_TYPES[question.type].answer_text(question)
        else:
            choices = tuple(ChoiceView(letter(i), question.option(c.id)) for i, c in enumerate(public.choices))
            key = "; ".join(f"{c.letter} ({c.option.text})" for c in choices if c.option.correct)
        views.append(QuestionView(number, question, instruction(question.type), choices, items, key, lesson_title))
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
        return StepLabel(
            label("lesson_step", number=lesson_number(unit, lesson), title=lesson.title),
            f"lesson-{unit.id}-{lesson.id}",
        )
    if step.kind == StepKind.ACTIVITY:
        return StepLabel(label("activity_title", label=step.title), f"{unit.id}-activity-{step.ref}")
    if step.kind == StepKind.QUIZ:
        return StepLabel(label("quiz"), f"quiz-{unit.id}")
    return StepLabel(step.title, None)


class Anchors:
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


def fragment(html: str, *, top: int, prefix: str, anchors: Anchors) -> str:
    """Catalogue HTML (sanitised at start-up) made fit for a shared, printed page. The
    rewrites add only ids, anchors and heading levels, so the result stays as safe as the
    input; templates mark exactly these fields ``|safe``."""
    return localise_links(prefix_ids(shift_headings(html, top), prefix), anchors)


def blocks(unit: Unit, kind: BlockKind, anchors: Anchors) -> tuple[BlockView, ...]:
    views = []
    for index, block in enumerate(b for b in unit.blocks if b.kind == kind):
        anchor = f"{unit.id}-{kind.value}-{block.id or index}"
        views.append(BlockView(block, anchor, fragment(block.html, top=3, prefix=f"{anchor}-", anchors=anchors)))
    return tuple(views)


def unit_view(catalogue: Catalogue, unit: Unit, agenda: Agenda, anchors: Anchors) -> UnitView:
    lessons = tuple(
        LessonView(
            lesson,
            lesson_number(unit, lesson),
            f"lesson-{unit.id}-{lesson.id}",
            fragment(lesson.guide_html, top=3, prefix=f"{unit.id}-{lesson.id}-", anchors=anchors),
        )
        for lesson in unit.lessons
    )
    quiz = catalogue.quiz_for_unit(unit.id)
    return UnitView(
        unit=unit,
        anchor=f"unit-{unit.id}",
        intro_html=fragment(unit.html, top=3, prefix=f"{unit.id}-intro-", anchors=anchors),
        lessons=lessons,
        notes=blocks(unit, BlockKind.FACILITATOR_NOTES, anchors),
        discussion=blocks(unit, BlockKind.DISCUSSION, anchors),
        activities=blocks(unit, BlockKind.ACTIVITY, anchors),
        handouts=blocks(unit, BlockKind.HANDOUT, anchors),
        quiz=quiz_view(catalogue, quiz) if quiz else None,
        schedule=agenda.unit_entries(unit.id),
    )


def learner_lessons(unit: Unit, anchors: Anchors) -> tuple[LessonView, ...]:
    """The unit's lessons as learners read them online: no trainer material."""
    return tuple(
        LessonView(
            lesson,
            lesson_number(unit, lesson),
            f"lesson-{unit.id}-{lesson.id}",
            fragment(lesson.html, top=3, prefix=f"{unit.id}-{lesson.id}-", anchors=anchors),
        )
        for lesson in unit.lessons
    )
