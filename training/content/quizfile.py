"""Parse the hand-written quiz format (see docs/authoring.md) into raw records with lines.

This stage checks the *shape* of each question (the right answers for its type, feedback on
every answer, an explanation); cross-references such as the unit and lesson are checked in
:mod:`validate`, rendering happens in :mod:`catalogue`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ContentError
from .frontmatter import FrontMatterError, Meta, NotUTF8, decode, split_front_matter
from .model import QuestionType

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_HEADING = re.compile(r"^##\s+(.*?)\s*$")
_FIELD = re.compile(r"^(type|lesson|points|objective)\s*:\s*(.*?)\s*$")
_OPTION_ID = re.compile(r"^(.*?)\s*\{#([^{}]*)\}\s*$")
"""An option's id at the end of its line: ``- [x] As a short-term migrant {#short-term}``."""
_POSITIONAL_ID = re.compile(
    r"^(?:[a-z]|[0-9-]+|(?:option|choice|answer|item|pair|step)-?[a-z0-9]|"
    r"first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last)$"
)
_TELLING_IDS = frozenset({"correct", "incorrect", "wrong", "right", "key", "distractor", "answer"})
_TELLING_WORDS = frozenset({"correct", "incorrect", "wrong", "distractor"})
_CHOICE = re.compile(r"^[-*]\s+\[([ xX])\]\s+(.*?)\s*$")
_PAIR = re.compile(r"^[-*]\s+(.*?)\s*->\s*(.*?)\s*$")
_ITEM = re.compile(r"^(\d+)[.)]\s+(.*?)\s*$")
_FEEDBACK = re.compile(r"^\s+>\s?(.*?)\s*$")
_EXPLANATION = re.compile(r"^Explanation\s*:\s*(.*?)\s*$")

CHOICE_TYPES = {QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.TRUE_FALSE, QuestionType.SHORT}
OPTION_ID_TYPES = frozenset(
    {QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.TRUE_FALSE, QuestionType.MATCHING, QuestionType.ORDERING}
)
"""Question types whose options carry an authored id (short answers are compared by text)."""
FALLBACK = "*"


def option_id_problem(value: str) -> str | None:
    """Why ``value`` cannot be an option id, or None.

    Option ids are what a learner's saved answer points at, and translations of a quiz carry
    the same ids, so they are words that name the option: never letters or positions, which
    re-map when options are inserted, and never words that tell the answer (the ids show in
    the quiz page's form).
    """
    if not ID_PATTERN.match(value):
        return f"option id {value!r} must use lowercase letters, digits and hyphens"
    if _POSITIONAL_ID.match(value):
        return f"option id {value!r} is a letter or a position; use words that name the option"
    if value in _TELLING_IDS or _TELLING_WORDS & set(value.split("-")):
        return f"option id {value!r} tells whether the option is right; use words that name the option"
    return None


@dataclass(slots=True)
class RawAnswer:
    text: str
    line: int
    correct: bool = False
    id: str = ""
    match: str = ""
    position: int = 0
    feedback: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RawQuestion:
    id: str
    line: int
    type: QuestionType | None = None
    type_given: bool = False
    lesson: str = ""
    lesson_line: int = 0
    points: int = 1
    objective: tuple[int, ...] = ()
    """1-based numbers of the unit objectives the question tests (checked in :mod:`lint`)."""
    objective_line: int = 0
    prompt: list[str] = field(default_factory=list)
    answers: list[RawAnswer] = field(default_factory=list)
    explanation: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RawQuiz:
    path: Path
    meta: Meta
    intro: str
    questions: list[RawQuestion]


def parse_quiz_file(path: Path) -> tuple[RawQuiz | None, list[ContentError]]:
    try:
        text = decode(path.read_bytes())
    except NotUTF8 as exc:
        return None, [ContentError(path, exc.line, str(exc), root=True)]
    return parse_quiz_text(text, path)


def parse_quiz_text(text: str, path: Path, *, translation: bool = False) -> tuple[RawQuiz | None, list[ContentError]]:
    """``translation``: a translated quiz names its true-false options in its own language."""
    try:
        meta, body, body_line = split_front_matter(text, path)
    except FrontMatterError as exc:
        return None, [exc.error]
    return parse_quiz_body(meta, body, body_line, path, translation=translation)


def parse_quiz_body(
    meta: Meta, body: str, body_line: int, path: Path, *, translation: bool = False
) -> tuple[RawQuiz, list[ContentError]]:
    errors: list[ContentError] = []
    intro: list[str] = []
    questions: list[RawQuestion] = []
    chunk: list[tuple[int, str]] = []
    current_id: tuple[str, int] | None = None

    def flush() -> None:
        if current_id is not None:
            questions.append(_parse_question(current_id[0], current_id[1], chunk, path, errors, translation))

    for offset, line in enumerate(body.split("\n")):
        lineno = body_line + offset
        heading = _HEADING.match(line)
        if heading:
            flush()
            qid = heading.group(1)
            if not ID_PATTERN.match(qid):
                errors.append(
                    ContentError(path, lineno, f"question id {qid!r} must use lowercase letters, digits and hyphens")
                )
            current_id, chunk = (qid, lineno), []
        elif current_id is None:
            intro.append(line)
        else:
            chunk.append((lineno, line))
    flush()

    seen: dict[str, int] = {}
    for question in questions:
        if question.id in seen:
            errors.append(
                ContentError(
                    path, question.line, f"duplicate question id {question.id!r} (first at line {seen[question.id]})"
                )
            )
        seen.setdefault(question.id, question.line)
    if not questions:
        errors.append(ContentError(path, body_line, "the quiz has no questions ('## question-id')"))
    return RawQuiz(path, meta, "\n".join(intro).strip(), questions), errors


def _parse_question(
    qid: str, line: int, chunk: list[tuple[int, str]], path: Path, errors: list[ContentError], translation: bool
) -> RawQuestion:
    question = RawQuestion(qid, line)
    index = 0
    while index < len(chunk) and not chunk[index][1].strip():
        index += 1
    while index < len(chunk) and (found := _FIELD.match(chunk[index][1])):
        _set_field(question, found.group(1), found.group(2), chunk[index][0], path, errors)
        index += 1
    if question.type is None:
        if not question.type_given:
            errors.append(ContentError(path, line, f"question {qid!r} needs a 'type:' line"))
        return question

    state = "prompt"
    answer: RawAnswer | None = None
    for lineno, text in chunk[index:]:
        if state == "explanation":
            question.explanation.append(text)
            continue
        explanation = _EXPLANATION.match(text)
        if explanation:
            state = "explanation"
            question.explanation.append(explanation.group(1))
            continue
        new_answer = _match_answer(question.type, text, lineno)
        if new_answer is not None and state in ("prompt", "answers"):
            state, answer = "answers", new_answer
            question.answers.append(new_answer)
            continue
        feedback = _FEEDBACK.match(text)
        if feedback and answer is not None and state == "answers":
            answer.feedback.append(feedback.group(1))
            continue
        if state == "prompt":
            question.prompt.append(text)
        elif text.strip():
            state = "after"
            errors.append(
                ContentError(
                    path,
                    lineno,
                    "unexpected text among the answers; feedback lines are indented and start with '>', "
                    "and the explanation starts with 'Explanation:'",
                )
            )
    _check_shape(question, path, errors, translation)
    return question


def _set_field(q: RawQuestion, key: str, value: str, lineno: int, path: Path, errors: list[ContentError]) -> None:
    if key == "type":
        q.type_given = True
        try:
            q.type = QuestionType(value)
        except ValueError:
            known = ", ".join(t.value for t in QuestionType)
            errors.append(ContentError(path, lineno, f"unknown question type {value!r} (use {known})"))
    elif key == "lesson":
        q.lesson, q.lesson_line = value, lineno
    elif key == "points":
        if value.isdigit() and int(value) > 0:
            q.points = int(value)
        else:
            errors.append(ContentError(path, lineno, "points must be a whole number above 0"))
    elif key == "objective":
        q.objective_line = lineno
        numbers = [part.strip() for part in value.split(",")]
        if all(n.isdigit() and int(n) > 0 for n in numbers):
            q.objective = tuple(int(n) for n in numbers)
        else:
            errors.append(
                ContentError(
                    path, lineno, "objective must be the number of a unit objective (1, 2, ...), or several: '1, 3'"
                )
            )


def _match_answer(qtype: QuestionType | None, text: str, lineno: int) -> RawAnswer | None:
    answer = _answer_line(qtype, text, lineno)
    if answer is not None:
        # The id ends the line: after the right side of a pair, after an option's text.
        if answer.match:
            answer.match, answer.id = _split_id(answer.match)
        else:
            answer.text, answer.id = _split_id(answer.text)
    return answer


def _split_id(text: str) -> tuple[str, str]:
    found = _OPTION_ID.match(text)
    return (found.group(1), found.group(2).strip()) if found else (text, "")


def _answer_line(qtype: QuestionType | None, text: str, lineno: int) -> RawAnswer | None:
    if qtype in CHOICE_TYPES:
        found = _CHOICE.match(text)
        if found:
            return RawAnswer(found.group(2), lineno, correct=found.group(1).lower() == "x")
    elif qtype == QuestionType.MATCHING:
        found = _PAIR.match(text)
        if found:
            return RawAnswer(found.group(1), lineno, correct=True, match=found.group(2))
        if re.match(r"^[-*]\s+\S", text):
            return RawAnswer(text.lstrip("-* ").strip(), lineno, correct=True, match="")
    elif qtype == QuestionType.ORDERING:
        found = _ITEM.match(text)
        if found:
            return RawAnswer(found.group(2), lineno, correct=True, position=int(found.group(1)))
    return None


def _check_shape(q: RawQuestion, path: Path, errors: list[ContentError], translation: bool = False) -> None:
    def error(line: int, message: str, gap: bool = False) -> None:
        errors.append(ContentError(path, line, message, gap=gap))

    if not "\n".join(q.prompt).strip():
        error(q.line, f"question {q.id!r} has no question text")
    if not q.lesson:
        error(q.line, f"question {q.id!r} needs a 'lesson:' line naming the lesson that teaches it", gap=True)
    if not "\n".join(q.explanation).strip():
        error(q.line, f"question {q.id!r} needs an 'Explanation:' paragraph", gap=True)
    if not q.answers:
        error(q.line, f"question {q.id!r} has no answers in the form its type '{q.type}' expects")
        return
    for answer in q.answers:
        if not "\n".join(answer.feedback).strip():
            error(answer.line, "every answer needs feedback: an indented line starting with '>'", gap=True)
        if not answer.text:
            error(answer.line, "answer has no text")
    _check_option_ids(q, error)

    correct = [a for a in q.answers if a.correct]
    if q.type == QuestionType.SINGLE:
        if len(q.answers) < 2:
            error(q.line, "a single-choice question needs at least two options")
        if len(correct) != 1:
            error(q.line, f"a single-choice question needs exactly one correct option [x], found {len(correct)}")
    elif q.type == QuestionType.MULTIPLE:
        if len(q.answers) < 2:
            error(q.line, "a multiple-choice question needs at least two options")
        if not correct:
            error(q.line, "a multiple-choice question needs at least one correct option [x]")
    elif q.type == QuestionType.TRUE_FALSE:
        texts = sorted(a.text.lower() for a in q.answers)
        if texts != ["false", "true"] and not (translation and len(texts) == 2):
            error(q.line, "a true-false question has exactly two options: 'True' and 'False'")
        if len(correct) != 1:
            error(q.line, "a true-false question marks exactly one option [x]")
    elif q.type == QuestionType.SHORT:
        accepted = [a for a in correct if a.text != FALLBACK]
        if not accepted:
            error(q.line, "a short-answer question needs at least one accepted answer [x]")
        fallbacks = [a for a in q.answers if a.text == FALLBACK]
        if not fallbacks:
            error(q.line, "a short-answer question needs '- [ ] *' with feedback for any other answer", gap=True)
        for fallback in fallbacks:
            if fallback.correct:
                error(fallback.line, "the '*' fallback cannot be marked correct")
    elif q.type == QuestionType.MATCHING:
        for answer in q.answers:
            if not answer.match or not answer.text:
                error(answer.line, "a matching pair needs text on both sides: '- left -> right'")
        _unique(q.answers, lambda a: a.text.lower(), "left side", error)
        _unique(q.answers, lambda a: a.match.lower(), "right side", error)
        if len(q.answers) < 3:
            error(q.line, "a matching question needs at least three pairs")
    elif q.type == QuestionType.ORDERING:
        positions = [a.position for a in q.answers]
        if positions != list(range(1, len(positions) + 1)):
            error(q.line, "ordering items must be numbered 1, 2, 3, ... in the correct order")
        _unique(q.answers, lambda a: a.text.lower(), "item", error)
        if len(q.answers) < 3:
            error(q.line, "an ordering question needs at least three items")


def _check_option_ids(q: RawQuestion, error) -> None:
    """Ids on every option of the types that need them, unique within the question."""
    if q.type not in OPTION_ID_TYPES:
        for answer in q.answers:
            if answer.id:
                error(answer.line, "short-answer answers take no id: they are compared by their text")
        return
    seen: dict[str, int] = {}
    for answer in q.answers:
        if not answer.id:
            error(
                answer.line,
                "option needs an id that names it, at the end of the line: {#a-word-id} "
                "(saved answers point at it, so it never changes)",
            )
            continue
        problem = option_id_problem(answer.id)
        if problem:
            error(answer.line, problem)
        elif answer.id in seen:
            error(
                answer.line, f"duplicate option id {answer.id!r} in question {q.id!r} (first at line {seen[answer.id]})"
            )
        seen.setdefault(answer.id, answer.line)


def _unique(answers: list[RawAnswer], key, what: str, error) -> None:
    seen: set[str] = set()
    for answer in answers:
        value = key(answer)
        if value and value in seen:
            error(answer.line, f"duplicate {what} {value!r}")
        seen.add(value)
