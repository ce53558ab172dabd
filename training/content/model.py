"""The immutable course catalogue: what the web views and the guide builder read.

Everything here is built once at start-up by :func:`training.content.build_catalogue` and
never changes afterwards; HTML is already rendered and sanitised.

One catalogue answers in every language of the course: ``catalogue.in_language("fr")`` is
the same course (same ids, order, durations, answer keys, pass marks and versions) with the
French text wherever a translation exists. Each unit, lesson, quiz and guide page says which
``language`` its text is in, so a page can show a notice where the source stands in for a
missing translation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .images import CourseImage

from .errors import ContentError


class QuestionType(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUE_FALSE = "true-false"
    SHORT = "short"
    MATCHING = "matching"
    ORDERING = "ordering"
    NUMERIC = "numeric"


class BlockKind(StrEnum):
    """Trainer-only block kinds (``::: kind`` in Markdown)."""

    FACILITATOR_NOTES = "facilitator-notes"
    DISCUSSION = "discussion"
    ACTIVITY = "activity"
    HANDOUT = "handout"


@dataclass(frozen=True, slots=True)
class KeyTerm:
    term: str
    definition: str


@dataclass(frozen=True, slots=True)
class Heading:
    """An entry of a lesson's own table of contents."""

    level: int
    id: str
    title: str


@dataclass(frozen=True, slots=True)
class Block:
    """Trainer-only material. ``id``/``title``/``minutes`` are set for activities and handouts."""

    kind: BlockKind
    html: str
    id: str | None = None
    title: str | None = None
    minutes: int | None = None

    @property
    def label(self) -> str:
        return (
            self.title
            or {
                BlockKind.FACILITATOR_NOTES: "Facilitator notes",
                BlockKind.DISCUSSION: "Discussion questions",
                BlockKind.ACTIVITY: "Activity",
                BlockKind.HANDOUT: "Handout",
            }[self.kind]
        )


@dataclass(frozen=True, slots=True)
class Lesson:
    id: str
    unit_id: str
    title: str
    order: int
    duration: int
    objectives: tuple[str, ...]
    key_terms: tuple[KeyTerm, ...]
    sources_html: tuple[str, ...]
    html: str
    """Learner-facing body: trainer-only blocks removed."""
    guide_html: str
    """Body for the trainer's guide: trainer-only blocks in place, in ``.trainer-only``."""
    blocks: tuple[Block, ...]
    toc: tuple[Heading, ...]
    word_count: int
    version: str
    """The source file's version, whatever the language: progress records it."""
    path: Path
    language: str
    """The language of the text (the source's where no translation exists)."""


class StepKind(StrEnum):
    STEP = "step"
    LESSON = "lesson"
    ACTIVITY = "activity"
    QUIZ = "quiz"


@dataclass(frozen=True, slots=True)
class SessionStep:
    """One timed step of a unit's workshop session plan."""

    kind: StepKind
    title: str
    minutes: int
    method: str
    materials: str = ""
    ref: str | None = None


@dataclass(frozen=True, slots=True)
class Unit:
    id: str
    title: str
    order: int
    summary: str
    objectives: tuple[str, ...]
    html: str
    guide_html: str
    blocks: tuple[Block, ...]
    lessons: tuple[Lesson, ...]
    materials: tuple[str, ...]
    key_messages: tuple[str, ...]
    session_plan: tuple[SessionStep, ...]
    quiz_id: str | None
    duration: int
    """E-learning minutes: the lessons plus the quiz."""
    version: str
    path: Path
    language: str

    def lesson(self, lesson_id: str) -> Lesson:
        for lesson in self.lessons:
            if lesson.id == lesson_id:
                return lesson
        raise KeyError(lesson_id)

    @property
    def workshop_minutes(self) -> int:
        return sum(step.minutes for step in self.session_plan)


@dataclass(frozen=True, slots=True)
class Option:
    """An answer of a question.

    ``text`` is the option (single/multiple/true-false), an accepted or known-wrong answer
    (short; ``"*"`` is the fallback), the left side of a pair (matching, with ``match`` the
    right side) or an item (ordering, listed in the correct order). ``id`` is the id the
    author gave the option (``{#id}``), which saved answers point at; a short answer's is
    derived from its text, since learners' answers to it are stored as text.
    """

    id: str
    text: str
    html: str
    correct: bool
    feedback_html: str
    match: str = ""
    match_html: str = ""
    match_id: str = ""
    """Matching: an id for the right side that says nothing about which left side it fits."""


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    type: QuestionType
    prompt_html: str
    options: tuple[Option, ...]
    explanation_html: str
    lesson_ref: tuple[str, str]
    """(unit id, lesson id) of the lesson that teaches the question."""
    points: int = 1
    line: int = 0
    objectives: tuple[int, ...] = ()
    """1-based numbers of the unit objectives the question tests."""
    also_accepted: tuple[str, ...] = ()
    """Short answers: answers accepted in the course's other languages. An answer is graded
    the same whichever language the learner reads the quiz in."""

    def option(self, option_id: str) -> Option:
        for option in self.options:
            if option.id == option_id:
                return option
        raise KeyError(option_id)

    def find(self, option_id: str) -> Option | None:
        """The option with this id, or None (a stored answer may name one since removed)."""
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True, slots=True)
class Quiz:
    id: str
    unit_id: str
    title: str
    pass_mark: int
    """Percent needed to pass."""
    attempts: int
    """Attempts allowed; 0 means unlimited."""
    shuffle: bool
    duration: int
    intro_html: str
    questions: tuple[Question, ...]
    version: str
    path: Path
    language: str
    draw: int = 0
    """Questions each attempt draws at random from ``questions`` (the pool); 0: all of them."""
    time_limit: int = 0
    """Minutes an attempt may stay open, enforced by the server; 0: no limit."""
    reveal: str = "after-last-attempt"
    """When results show the right answers: after-each-attempt, after-passing, after-last-attempt."""

    def question(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(question_id)

    @property
    def total_points(self) -> int:
        return sum(q.points for q in self.questions)


@dataclass(frozen=True, slots=True)
class WorkshopDefaults:
    day_start: str = "09:00"
    hours_per_day: float = 6.0
    break_minutes: int = 15
    lunch_minutes: int = 60


@dataclass(frozen=True, slots=True)
class GuidePage:
    id: str
    title: str
    html: str
    language: str


@dataclass(frozen=True, slots=True)
class GuideParts:
    """The trainer's guide's own parts, from ``trainer_guide/``."""

    title: str
    subtitle: str
    edition: str
    publisher: str
    language: str
    """The language of the title page's text."""
    workshop: WorkshopDefaults
    pages: tuple[GuidePage, ...]


class TranslationState(StrEnum):
    TRANSLATED = "translated"
    OUTDATED = "outdated"
    """The source changed after the translation was made (or it was never stamped)."""
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class FileCoverage:
    source: Path
    translation: Path
    state: TranslationState
    translates: str | None
    """The source version the translation says it translates (``source_version``)."""
    current: str
    """The source file's version now."""


@dataclass(frozen=True, slots=True)
class LanguageCoverage:
    """How far one language has got: one entry per source file a translator can translate."""

    language: str
    files: tuple[FileCoverage, ...]

    def count(self, state: TranslationState) -> int:
        return sum(1 for f in self.files if f.state == state)

    def of(self, state: TranslationState) -> tuple[FileCoverage, ...]:
        return tuple(f for f in self.files if f.state == state)


@dataclass(frozen=True, slots=True)
class CourseSettings:
    """The course as a whole (``course.yaml``): its name and who issues its certificates."""

    id: str
    """Stable: the badge's achievement is named after it."""
    name: str
    issuer_name: str
    issuer_url: str = ""
    signatory_name: str = ""
    signatory_title: str = ""
    logo: Path | None = None
    """A PNG, JPEG or SVG file in the course folder, printed on certificates."""
    language: str = "en"
    mark: str = ""
    """The short mark beside the name in every page's header (``IM``); from the name if unset."""
    footer: str = ""
    """One sentence under every page."""
    summary: str = ""
    """What the course is, on the signed-out home page."""
    audience: str = ""
    """Who the course is for, on the signed-out home page."""
    contact: str = ""
    """An email address learners can write to for help (sign-in, error and quiz pages)."""
    colours: Mapping[str, str] = field(default_factory=dict)
    """The interface's colours by role (``main``, ``dark``, ``accent``), checked for contrast."""

    @property
    def short_mark(self) -> str:
        return self.mark or initials(self.name)


def initials(name: str) -> str:
    """The initials of the name's last two main words ("Overview of International Migration":
    ``IM``; "Fixture Course": ``FC``)."""
    words = [w for w in name.split() if len(w) > 3 and w[0].isalpha()]
    return "".join(w[0].upper() for w in words[-2:]) or name[:2].upper()


class EvaluationKind(StrEnum):
    RATING = "rating"
    TEXT = "text"


@dataclass(frozen=True, slots=True)
class EvaluationQuestion:
    id: str
    kind: EvaluationKind
    prompt: str
    """Plain text: shown escaped, never as Markdown."""
    scale: int = 0
    """Rating questions: answers from 1 to ``scale``."""
    low: str = ""
    high: str = ""
    """What the lowest and highest ratings mean."""
    max_length: int = 0
    """Text questions: the longest answer accepted, in characters."""
    line: int = 0


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The course evaluation (``evaluation.md``): an optional questionnaire learners answer
    once at the end of the course and once after a workshop."""

    id: str
    title: str
    intro: str
    questions: tuple[EvaluationQuestion, ...]
    version: str
    path: Path
    language: str

    def question(self, question_id: str) -> EvaluationQuestion:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)


@dataclass(frozen=True, slots=True)
class DraftQuiz:
    """A quiz file marked ``draft: true``: kept from learners, with what it still lacks."""

    id: str
    unit_id: str
    path: Path
    gaps: tuple[ContentError, ...]
    """Each missing piece as ``path:line: message``; empty once the draft is complete."""


@dataclass(frozen=True, slots=True)
class Catalogue:
    """The whole course, validated and rendered."""

    units: tuple[Unit, ...]
    quizzes: Mapping[str, Quiz]
    guide: GuideParts
    version: str
    """Changes with any file of the course; a translated view adds its language (``…-fr``), so
    caches keyed on it keep languages apart."""
    content_dir: Path
    language: str = "en"
    """The language this view answers in."""
    languages: tuple[str, ...] = ("en",)
    """The course's languages: the source first, then the translations it declares."""
    coverage: tuple[LanguageCoverage, ...] = ()
    """Per translation language: what is translated, outdated or missing."""
    settings: CourseSettings | None = None
    """From ``course.yaml``; without one, :attr:`course` is made from the guide's title page."""
    evaluation: Evaluation | None = None
    """From ``evaluation.md``, if the course has one."""
    drafts: tuple[DraftQuiz, ...] = ()
    """Quizzes marked ``draft: true``: in no view of the course, listed by ``content check``."""
    _units_by_id: Mapping[str, Unit] = field(default_factory=dict, repr=False)
    _neighbours: Mapping[tuple[str, str], tuple[Lesson | None, Lesson | None]] = field(default_factory=dict, repr=False)
    _views: Mapping[str, Catalogue] = field(default_factory=dict, repr=False, compare=False)
    images: Mapping[str, CourseImage] = field(default_factory=dict, repr=False, compare=False)
    """The images lessons show, by their fingerprinted name (see :mod:`training.content.images`)."""

    @property
    def course(self) -> CourseSettings:
        """The course's name and issuer, in this view's language."""
        if self.settings is not None:
            return self.settings
        source = self._views.get(self.source_language, self)
        return CourseSettings(
            id=_slug(source.guide.title),
            name=self.guide.title,
            issuer_name=self.guide.publisher,
            language=self.language,
        )

    @property
    def source_language(self) -> str:
        return self.languages[0]

    def in_language(self, language: str) -> Catalogue:
        """The same course with its text in ``language`` where translated, the source's elsewhere.

        A language the course does not declare gets the source; compare an item's
        ``language`` with the one asked for to know whether to show a notice.
        """
        return self._views.get(language) or self._views.get(self.source_language) or self

    def unit(self, unit_id: str) -> Unit:
        return self._units_by_id[unit_id]

    def lesson(self, unit_id: str, lesson_id: str) -> Lesson:
        return self.unit(unit_id).lesson(lesson_id)

    def quiz(self, quiz_id: str) -> Quiz:
        return self.quizzes[quiz_id]

    def quiz_for_unit(self, unit_id: str) -> Quiz | None:
        quiz_id = self.unit(unit_id).quiz_id
        return self.quizzes[quiz_id] if quiz_id else None

    def all_lessons(self) -> tuple[Lesson, ...]:
        return tuple(lesson for unit in self.units for lesson in unit.lessons)

    def neighbours(self, unit_id: str, lesson_id: str) -> tuple[Lesson | None, Lesson | None]:
        """The lessons before and after one lesson, across unit boundaries."""
        return self._neighbours[(unit_id, lesson_id)]

    @property
    def word_count(self) -> int:
        return sum(lesson.word_count for lesson in self.all_lessons())


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split()) or "course"
