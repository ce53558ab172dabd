"""``evaluation.md``: the course evaluation, written by hand like a quiz (see docs/authoring.md).

Front matter (``id``, ``title``, ``intro``), then one ``## question-id`` section per question:
its fields (``type: rating`` with ``scale``, ``low`` and ``high``; or ``type: text`` with an
optional ``max``), a blank line, and the question as plain text::

    ---
    id: course-evaluation
    title: Course evaluation
    intro: Your answers are anonymous in every report.
    ---

    ## useful
    type: rating
    scale: 5
    low: Not useful
    high: Very useful

    How useful was the course for your work?

    ## improve
    type: text
    max: 1000

    What one change would make the course better?

Every question is optional for the learner. A translation (``evaluation.fr.md``) has the same
ids, types and scales in the same order, its own words, and the ``source_version`` it
translates. Problems are reported as ``path:line: message``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .errors import ContentError
from .frontmatter import FrontMatterError, Meta, split_front_matter
from .model import Evaluation, EvaluationKind, EvaluationQuestion
from .quizfile import ID_PATTERN

EVALUATION_FILE = "evaluation.md"
_HEADING = re.compile(r"^##\s+(.*?)\s*$")
_FIELD = re.compile(r"^([a-z_]+)\s*:\s*(.*?)\s*$")
FIELDS = {"type", "scale", "low", "high", "max"}
MIN_SCALE, MAX_SCALE = 2, 10
DEFAULT_MAX_LENGTH, LONGEST_MAX_LENGTH = 2000, 5000
MAX_QUESTIONS = 30


@dataclass(frozen=True, slots=True)
class _Section:
    id: str
    line: int
    fields: dict[str, tuple[str, int]]
    prompt: str
    prompt_line: int


def _sections(body: str, first_line: int, path: Path, errors: list[ContentError]) -> list[_Section]:
    sections: list[_Section] = []
    current: tuple[str, int] | None = None
    fields: dict[str, tuple[str, int]] = {}
    prompt: list[str] = []
    prompt_line = 0

    def close() -> None:
        if current is not None:
            sections.append(_Section(current[0], current[1], dict(fields), " ".join(prompt).strip(), prompt_line))

    for number, line in enumerate(body.split("\n"), start=first_line):
        heading = _HEADING.match(line)
        if heading:
            close()
            current, fields, prompt, prompt_line = (heading.group(1), number), {}, [], 0
            continue
        if current is None:
            if line.strip():
                errors.append(ContentError(path, number, "text before the first '## question-id' heading"))
            continue
        field = _FIELD.match(line)
        if field and not prompt and field.group(1) in FIELDS:
            if field.group(1) in fields:
                errors.append(ContentError(path, number, f"'{field.group(1)}' is given twice"))
            fields[field.group(1)] = (field.group(2), number)
        elif line.strip():
            prompt_line = prompt_line or number
            prompt.append(line.strip())
    close()
    return sections


def _int(value: tuple[str, int], name: str, low: int, high: int, path: Path, errors: list[ContentError]) -> int:
    text, line = value
    if not text.isdigit() or not low <= int(text) <= high:
        errors.append(ContentError(path, line, f"'{name}' must be a whole number from {low} to {high}"))
        return 0
    return int(text)


def _question(s: _Section, path: Path, errors: list[ContentError]) -> EvaluationQuestion | None:
    before = len(errors)
    if not ID_PATTERN.match(s.id):
        errors.append(
            ContentError(path, s.line, f"question id {s.id!r} must use lowercase letters, digits and hyphens")
        )
    kind_text, kind_line = s.fields.get("type", ("", s.line))
    if kind_text not in {k.value for k in EvaluationKind}:
        errors.append(ContentError(path, kind_line, "'type' must be 'rating' or 'text'"))
        return None
    kind = EvaluationKind(kind_text)
    if not s.prompt:
        errors.append(ContentError(path, s.line, "the question has no text"))
    scale, low, high, longest = 0, "", "", 0
    if kind == EvaluationKind.RATING:
        for name in ("scale", "low", "high"):
            if name not in s.fields:
                errors.append(ContentError(path, s.line, f"a rating question needs '{name}'"))
        if "max" in s.fields:
            errors.append(ContentError(path, s.fields["max"][1], "'max' is for text questions"))
        if "scale" in s.fields:
            scale = _int(s.fields["scale"], "scale", MIN_SCALE, MAX_SCALE, path, errors)
        low, high = s.fields.get("low", ("", 0))[0], s.fields.get("high", ("", 0))[0]
    else:
        for name in ("scale", "low", "high"):
            if name in s.fields:
                errors.append(ContentError(path, s.fields[name][1], f"'{name}' is for rating questions"))
        longest = DEFAULT_MAX_LENGTH
        if "max" in s.fields:
            longest = _int(s.fields["max"], "max", 10, LONGEST_MAX_LENGTH, path, errors)
    if len(errors) > before:
        return None
    return EvaluationQuestion(s.id, kind, s.prompt, scale, low, high, longest, s.line)


def parse_evaluation(
    text: str, path: Path, version: str, language: str, errors: list[ContentError]
) -> Evaluation | None:
    """The questionnaire in a source ``evaluation.md``, or None with the problems in ``errors``."""
    before = len(errors)
    try:
        meta, body, body_line = split_front_matter(text, path)
    except FrontMatterError as exc:
        errors.append(exc.error)
        return None
    eval_id, title, intro = _head(meta, path, errors)
    if eval_id and not ID_PATTERN.match(eval_id):
        errors.append(ContentError(path, meta.line_of("id"), "'id' must use lowercase letters, digits and hyphens"))
    sections = _sections(body, body_line, path, errors)
    if not sections:
        errors.append(ContentError(path, body_line, "no questions: add '## question-id' sections"))
    if len(sections) > MAX_QUESTIONS:
        errors.append(ContentError(path, sections[MAX_QUESTIONS].line, f"more than {MAX_QUESTIONS} questions"))
    seen: dict[str, int] = {}
    questions = []
    for s in sections:
        if s.id in seen:
            errors.append(
                ContentError(path, s.line, f"question id {s.id!r} is used twice (first on line {seen[s.id]})")
            )
        seen.setdefault(s.id, s.line)
        q = _question(s, path, errors)
        if q is not None:
            questions.append(q)
    if len(errors) > before:
        return None
    return Evaluation(eval_id, title, intro, tuple(questions), version, path, language)


def _head(meta: Meta, path: Path, errors: list[ContentError], source_id: str | None = None) -> tuple[str, str, str]:
    values = []
    for key in ("id", "title", "intro"):
        value = meta.get(key)
        if key == "id" and source_id is not None:
            value = source_id if value is None else value
        if key == "intro" and value is None:
            values.append("")
            continue
        if not isinstance(value, str) or not value.strip():
            errors.append(ContentError(path, meta.line_of(key), f"'{key}' is required and must be text"))
            values.append("")
            continue
        values.append(" ".join(value.split()))
    return values[0], values[1], values[2]


def translate_evaluation(source: Evaluation, text: str, path: Path, language: str, check: object) -> Evaluation | None:
    """The questionnaire in ``language``: the source's ids, types and scales, the
    translation's words, checked by ``check`` (see :mod:`training.content.translation`)."""
    from .translation import _Check

    assert isinstance(check, _Check)
    errors = check.errors
    before = len(errors)
    try:
        meta, body, body_line = split_front_matter(text, path)
    except FrontMatterError as exc:
        errors.append(exc.error)
        return None
    check.meta = meta
    check.ident("id", source.id)
    title = check.text("title", source.title)
    intro = check.text("intro", source.intro, required=bool(source.intro)) if source.intro else ""
    sections = _sections(body, body_line, path, errors)
    if [s.id for s in sections] != [q.id for q in source.questions]:
        check.error(body_line, "the questions must be the source's, with the same ids in the same order")
        return None
    questions = []
    for q, s in zip(source.questions, sections, strict=True):
        where = f"question {q.id!r}: "
        for name, expected in (("type", q.kind.value), ("scale", str(q.scale) if q.scale else None)):
            if name in s.fields and s.fields[name][0] != expected:
                check.error(s.fields[name][1], f"{where}'{name}' must be {expected!r}, as in the source")
        if "max" in s.fields and s.fields["max"][0] != str(q.max_length):
            check.error(s.fields["max"][1], f"{where}'max' must be {q.max_length}, as in the source")
        low, high = q.low, q.high
        if q.kind == EvaluationKind.RATING:
            low = _word(check, s, "low", q.low, where)
            high = _word(check, s, "high", q.high, where)
        if not s.prompt:
            check.error(s.line, f"{where}the question has no text")
        else:
            check.prose(q.prompt, s.prompt, s.prompt_line, where)
        questions.append(EvaluationQuestion(q.id, q.kind, s.prompt, q.scale, low, high, q.max_length, s.line))
    check.stamp()
    if len(errors) > before:
        return None
    return Evaluation(source.id, title, intro, tuple(questions), source.version, path, language)


def _word(check: object, s: _Section, name: str, source: str, where: str) -> str:
    from .translation import _Check

    assert isinstance(check, _Check)
    if name not in s.fields:
        check.error(s.line, f"{where}'{name}' is required: the translation of {source!r}")
        return source
    text, line = s.fields[name]
    check.prose(source, text, line, where)
    return text
