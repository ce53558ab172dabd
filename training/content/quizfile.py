"""Parse the hand-written quiz format (see docs/authoring.md) into raw records with lines.

This stage checks the *shape* of each question (the right answers for its type, feedback on
every answer, an explanation); cross-references such as the unit and lesson are checked in
:mod:`validate`, rendering happens in :mod:`catalogue`.
"""

from __future__ import annotations

import re
from pathlib import Path

from .errors import ContentError
from .frontmatter import FrontMatterError, Meta, NotUTF8, decode, split_front_matter
from .model import QuestionType
from .questions import QUESTION_TYPES
from .quizraw import FALLBACK, ID_PATTERN, RawAnswer, RawQuestion, RawQuiz, option_id_problem

__all__ = [
    "FALLBACK",
    "ID_PATTERN",
    "RawAnswer",
    "RawQuestion",
    "RawQuiz",
    "option_id_problem",
    "parse_quiz_body",
    "parse_quiz_file",
    "parse_quiz_text",
]

_HEADING = re.compile(r"^##\s+(.*?)\s*$")
_FIELD = re.compile(r"^(type|lesson|points|objective)\s*:\s*(.*?)\s*$")
_OPTION_ID = re.compile(r"^(.*?)\s*\{#([^{}]*)\}\s*$")
"""An option's id at the end of its line: ``- [x] As a short-term migrant {#short-term}``."""
_FEEDBACK = re.compile(r"^\s+>\s?(.*?)\s*$")
_EXPLANATION = re.compile(r"^Explanation\s*:\s*(.*?)\s*$")


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
    answer = QUESTION_TYPES[qtype].read_answer_line(text, lineno) if qtype else None
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
    assert q.type is not None  # checked before the answers are read
    kind = QUESTION_TYPES[q.type]
    if kind.authored_ids:
        _check_option_ids(q, error)
    kind.check(q, error, translation)


def _check_option_ids(q: RawQuestion, error) -> None:
    """Ids on every option of the types that need them, unique within the question."""
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
