"""Author lint: course-wide rules that keep quizzes fair and pages written for their reader.

:func:`lint` runs over the validated course (:class:`~training.content.validate.CourseSpec`)
as part of ``training content check``; every finding is a :class:`ContentError` at its
``path:line`` and fails the check, like every other content problem. docs/authoring.md
("Author lint") lists the rules and their thresholds for authors. Pure functions, no Flask.

* **Objectives.** Every question names the unit objective(s) it tests (``objective: 2``),
  the numbers exist, and every objective of a unit is tested by at least one question.
* **Quizzes answerable by their shape.** The right answer is the uniquely longest option;
  the right answers bunch on one position; the true-false answers share one truth value;
  "all/none of the above"; two options that differ only by a negation; the same question
  twice in the course.
* **Text written for the course's authors.** Sentences about how the course was researched
  ("when this course was prepared", "as reported in a secondary source") in lessons, unit
  files (trainer blocks included) and quizzes: a learner reads facts with their source and
  date, a trainer reads what to do in the room.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

from .errors import ContentError
from .model import QuestionType
from .quizfile import RawAnswer, RawQuestion
from .validate import CourseSpec, QuizSpec, UnitSpec

BUNCH_MIN_QUESTIONS = 3
"""Keys bunch when more than half of a quiz's single-choice keys share one position; checked
from this many single-choice questions on (with fewer, any spread is a coincidence)."""
EVERY_POSITION_FACTOR = 2
"""With at least this many times as many single-choice questions as options per question
(8 questions of 4 options), every position holds at least one key."""
TRUTH_SHARE = 2 / 3
"""True-false keys are lopsided when one truth value holds more than this share of them (two
questions: one True and one False; three: 2-1 is fine; four: 2-2)."""

ABOVE = re.compile(r"\b(?:all|none|both|neither)\s+(?:of\s+)?the\s+(?:above|options|answers|others)\b", re.I)
_NEGATIONS = frozenset({"not", "no", "never", "none", "nor", "neither", "non", "without"})
_AUXILIARIES = frozenset({"do", "does", "did"})

AUTHOR_PHRASES: tuple[tuple[str, str], ...] = (
    (r"when this course was (?:prepared|written|researched|drafted)", "when this course was prepared"),
    (r"at the time of writing", "at the time of writing"),
    (r"(?:consulted|used|checked|researched) for this course", "consulted for this course"),
    (
        r"sources used for this course|this course's sources|in (?:the|our) sources of this course",
        "this course's sources",
    ),
    (r"(?:the|its|our|these) sources (?:did|do|could) not (?:confirm|give|state)", "the sources did not confirm"),
    (r"not confirmed (?:here|in this course|in the sources)", "not confirmed here"),
    (r"could not be (?:verified|confirmed|checked)|we could not (?:verify|confirm|check)", "could not be verified"),
    (r"secondary (?:[\w-]+ )?(?:sources?|reports?|summar(?:y|ies)|cop(?:y|ies))", "secondary source"),
    (r"checked (?:in|against) (?:the )?copies", "checked in copies"),
    (r"before (?:you )?print(?:ing)? (?:the|this) guide", "before you print the guide"),
    (r"this course has no (?:more recent|newer|later|current)", "this course has no more recent"),
    (r"check the (?:current|latest) (?:numbers?|counts?|figures?|membership)", "check the current number"),
)
"""Phrases that talk about how the course was researched. Each is matched case-insensitively
across line breaks; the second item names the phrase in the finding."""
_AUTHOR_TEXT = [(re.compile(pattern.replace(" ", r"\s+"), re.I), name) for pattern, name in AUTHOR_PHRASES]


def lint(spec: CourseSpec) -> list[ContentError]:
    """Every author-lint finding in a validated course."""
    errors: list[ContentError] = []
    units = {u.id: u for u in spec.units}
    for quiz in spec.quizzes:
        unit = units.get(quiz.unit_id)
        if unit is not None:
            errors += check_objectives(quiz, unit)
        found = lint_quiz(quiz)
        # a draft's quality findings are listed with what it lacks, not refused (see catalogue)
        errors += [dataclasses.replace(e, gap=True) for e in found] if quiz.draft else found
    errors += duplicate_questions(spec.quizzes)
    errors += author_text(spec)
    return errors


# --- objectives -------------------------------------------------------------------------------


def check_objectives(quiz: QuizSpec, unit: UnitSpec) -> list[ContentError]:
    """Each question names objectives the unit has; each objective is tested by a question.

    In a draft quiz a missing ``objective:`` line and an objective no question tests yet are
    gaps, reported on the quiz file (the draft is where they will be filled in)."""
    errors: list[ContentError] = []
    path, count = quiz.raw.path, len(unit.objectives)
    tested: set[int] = set()
    for q in quiz.raw.questions:
        if not q.objective and not q.objective_line:  # a bad 'objective:' line is reported by the parser
            errors.append(
                ContentError(
                    path,
                    q.line,
                    f"question {q.id!r} needs an 'objective:' line: the number of the objective of unit "
                    f"{unit.id!r} it tests (1 to {count})",
                    gap=True,
                )
            )
        for number in q.objective:
            if number > count:
                errors.append(
                    ContentError(
                        path,
                        q.objective_line,
                        f"objective {number}: unit {unit.id!r} has {count} objective{'s' if count != 1 else ''}",
                    )
                )
            tested.add(number)
    for number, line in enumerate(_objective_lines(unit), start=1):
        if number not in tested and quiz.draft:
            errors.append(
                ContentError(
                    path,
                    quiz.raw.meta.line_of("id"),
                    f"objective {number} of unit {unit.id!r} is tested by no question yet",
                    gap=True,
                )
            )
        elif number not in tested:
            errors.append(
                ContentError(
                    unit.doc.path,
                    line,
                    f"objective {number} is tested by no question of {quiz.raw.path.name}: add a question with "
                    f"'objective: {number}'",
                )
            )
    return errors


def _objective_lines(unit: UnitSpec) -> list[int]:
    """The line of each objective in unit.md: the list items under ``objectives:``."""
    lines = unit.doc.text.split("\n")
    start = unit.doc.meta.line_of("objectives")
    items = []
    for number in range(start + 1, len(lines) + 1):
        line = lines[number - 1]
        if line[:1].strip() and not line.startswith("-"):
            break  # the next front-matter key
        if re.match(r"^\s*-\s", line):
            items.append(number)
    return (items + [start] * len(unit.objectives))[: len(unit.objectives)]


# --- quizzes answerable by their shape --------------------------------------------------------


def lint_quiz(quiz: QuizSpec) -> list[ContentError]:
    path = quiz.raw.path
    errors: list[ContentError] = []
    for q in quiz.raw.questions:
        errors += [ContentError(path, line, message) for line, message in _question_findings(q)]
    errors += [ContentError(path, line, message) for line, message in _key_positions(quiz.raw.questions)]
    errors += [ContentError(path, line, message) for line, message in _truth_values(quiz.raw.questions)]
    return errors


def visible(text: str) -> str:
    """Option text as the learner sees it: Markdown links, emphasis and code marks removed."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    return " ".join(re.sub(r"[*_`]", "", text).split())


def _question_findings(q: RawQuestion) -> Iterator[tuple[int, str]]:
    if q.type not in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return
    keys = [a for a in q.answers if a.correct]
    others = [a for a in q.answers if not a.correct]
    if keys and others:
        shortest_key = min(len(visible(a.text)) for a in keys)
        longest_other = max(len(visible(a.text)) for a in others)
        if shortest_key > longest_other:
            what = "the right answer is" if len(keys) == 1 else "every right option is"
            yield (
                keys[0].line,
                f"{what} longer than every wrong option ({shortest_key} characters, the longest wrong one "
                f"{longest_other}): learners pick the longest; give a wrong option the same length and detail",
            )
    for answer in q.answers:
        if above := ABOVE.search(answer.text):
            yield (
                answer.line,
                f"{above.group(0)!r} as an option: it tests reading the list, not the lesson, "
                "and shuffling breaks it; write each idea as an option of its own",
            )
    for index, answer in enumerate(q.answers):
        for earlier in q.answers[:index]:
            if _differ_only_by_negation(earlier, answer):
                yield (
                    answer.line,
                    f"this option and the one at line {earlier.line} differ only by a negation: learners "
                    "pick one of the pair; make the wrong options other plausible mistakes",
                )


def _differ_only_by_negation(one: RawAnswer, other: RawAnswer) -> bool:
    a, b = _words(one.text), _words(other.text)
    return a != b and _stems(a) == _stems(b)


def _words(text: str) -> list[str]:
    text = visible(text).casefold().replace("cannot", "can not").replace("n't", " not")
    return re.findall(r"[\w-]+", text)


def _stems(words: list[str]) -> list[str]:
    """The words without negations and "do", each reduced to a plain stem, so that "comes" and
    "does not come" compare equal."""
    kept = [{"has": "have", "is": "be", "are": "be"}.get(w, w) for w in words if w not in _NEGATIONS | _AUXILIARIES]
    return [w[:-1] if len(w) > 3 and w.endswith("s") and not w.endswith("ss") else w for w in kept]


def _key_positions(questions: Iterable[RawQuestion]) -> Iterator[tuple[int, str]]:
    singles = [q for q in questions if q.type == QuestionType.SINGLE and any(a.correct for a in q.answers)]
    if len(singles) < BUNCH_MIN_QUESTIONS:
        return
    positions = {q.line: next(i for i, a in enumerate(q.answers, start=1) if a.correct) for q in singles}
    counts = Counter(positions.values())
    position, most = counts.most_common(1)[0]
    if most * 2 > len(singles):
        lines = [line for line, p in positions.items() if p == position]
        yield (
            lines[0],
            f"{most} of the quiz's {len(singles)} single-choice answers are option {position} (questions at lines "
            f"{', '.join(map(str, lines))}): spread the right answers over the positions",
        )
    options = Counter(len(q.answers) for q in singles).most_common(1)[0][0]
    if len(singles) >= EVERY_POSITION_FACTOR * options:
        unused = [p for p in range(1, options + 1) if p not in counts]
        if unused:
            yield (
                singles[0].line,
                f"no single-choice answer of the quiz is option {', '.join(map(str, unused))}: with "
                f"{len(singles)} questions, put a right answer in every position",
            )


def _truth_values(questions: Iterable[RawQuestion]) -> Iterator[tuple[int, str]]:
    keys = [
        (q.line, next(a.text.casefold() for a in q.answers if a.correct))
        for q in questions
        if q.type == QuestionType.TRUE_FALSE and any(a.correct for a in q.answers)
    ]
    if len(keys) < 2:
        return
    value, most = Counter(v for _line, v in keys).most_common(1)[0]
    if most > TRUTH_SHARE * len(keys):
        lines = [line for line, v in keys if v == value]
        yield (
            lines[0],
            f"{most} of the quiz's {len(keys)} true-false statements are {value.capitalize()} (lines "
            f"{', '.join(map(str, lines))}): write some statements the other way round",
        )


def duplicate_questions(quizzes: Iterable[QuizSpec]) -> list[ContentError]:
    """The same question text twice in the course (case, punctuation and Markdown ignored)."""
    errors: list[ContentError] = []
    seen: dict[str, tuple[Path, int]] = {}
    for quiz in sorted(quizzes, key=lambda q: q.raw.path):
        for q in quiz.raw.questions:
            key = " ".join(re.findall(r"\w+", visible("\n".join(q.prompt)).casefold()))
            if not key:
                continue
            if key in seen:
                path, line = seen[key]
                errors.append(
                    ContentError(
                        quiz.raw.path, q.line, f"question {q.id!r} asks the same as {path.name}:{line}: keep one"
                    )
                )
            else:
                seen[key] = (quiz.raw.path, q.line)
    return errors


# --- text written for the authors -------------------------------------------------------------


def author_text(spec: CourseSpec) -> list[ContentError]:
    """Phrases about how the course was researched, in unit files, lessons and quizzes."""
    documents = [(u.doc.path, u.doc.text) for u in spec.units]
    documents += [(le.doc.path, le.doc.text) for u in spec.units for le in u.lessons]
    documents += [(q.raw.path, spec.sources.get(q.raw.path, "")) for q in spec.quizzes]
    errors = []
    for path, text in documents:
        found: dict[int, str] = {}  # one finding per line, naming the first phrase on it
        for pattern, name in _AUTHOR_TEXT:
            for match in pattern.finditer(text):
                found.setdefault(text.count("\n", 0, match.start()) + 1, name)
        errors += [
            ContentError(
                path,
                line,
                f"text for the course's authors ({name!r}): learners need the fact with its source and date, "
                "trainers what to do in the room; rewrite or remove it",
            )
            for line, name in sorted(found.items())
        ]
    return errors
