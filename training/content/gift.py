"""Moodle GIFT <-> the platform's quiz format. Pure functions: text in, text out, no Flask.

GIFT is the plain-text format in which Moodle (and other LMSs) exchange questions, so a
ministry can take our quizzes into its own LMS and bring its questions here.
:func:`quiz_to_gift` writes one of our quiz files as GIFT; :func:`gift_to_quiz` turns a GIFT
file into the text of one of our quiz files. docs/authoring.md ("Moodle GIFT import and
export") gives the mapping per question type, the conventions and the limits.

The reader follows Moodle's own parser (``question/format/gift/format.php``) rule for rule,
so a file means here what it means in Moodle: a blank line ends a question; a line starting
with ``//`` is a comment; a backslash escapes ``~ = # { } :`` and itself, ``\\n`` is a line
break and any other backslash stays; the first ``{`` and the first ``}`` hold the answers;
the last ``####`` in them starts the general feedback; the answers decide the type (``#``
numerical, any ``~`` multiple choice, ``=`` with ``->`` matching, ``T``/``TRUE``/``F``/
``FALSE`` true-false, anything else short answer); ``[markdown]``, ``[html]``, ``[plain]`` or
``[moodle]`` in front of a text gives its format. What our format needs and GIFT has no place
for travels in comments: Moodle keeps ``// [id:...] [tag:...]`` and ignores the rest, such as
the ``// id: ...`` line under each answer that carries its option id.

Both directions go through the quiz parser's own records (:class:`RawQuestion`); each question
type converts its own answers (``to_gift`` and ``from_gift`` in :mod:`questions`), with the
GIFT reading and writing tools of :mod:`giftio`. An import is only accepted once the quiz
text it wrote parses back to the same questions.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from .errors import ContentError
from .frontmatter import FrontMatterError, Meta, load_yaml, split_front_matter
from .giftio import (
    RESERVED,
    Context,
    GiftQuestion,
    Unmappable,
    blocks,
    escape,
    gift_text,
    newlines,
    read_question,
    unescape,
)
from .markdown import images_as_alt_text
from .questions import QUESTION_TYPES
from .quizfile import parse_quiz_body
from .quizraw import ID_PATTERN, RawQuestion, RawQuiz, joined, option_id_problem
from .validate import resolve_lesson_ref

__all__ = ["QUIZ_DEFAULTS", "GiftError", "GiftImport", "escape", "gift_to_quiz", "quiz_to_gift", "unescape"]

QUIZ_DEFAULTS: dict[str, Any] = {"pass_mark": 70, "attempts": 3, "shuffle": True, "duration": 15}
"""Quiz settings for a GIFT file that carries none (Moodle keeps no quiz settings in GIFT)."""


class GiftError(Exception):
    """The GIFT file (or the quiz, on export) cannot be converted; carries every problem."""

    def __init__(self, errors: list[ContentError]):
        self.errors = sorted(errors)
        super().__init__("\n".join(str(e) for e in self.errors))


@dataclass(frozen=True, slots=True)
class GiftImport:
    """A converted GIFT file: the quiz file's text and what the reader had to decide."""

    text: str
    quiz_id: str
    questions: int
    notes: tuple[ContentError, ...]
    """Defaults filled in or scoring differences, as ``path:line: note: ...``."""
    gaps: tuple[ContentError, ...] = ()
    """What the platform needs and the file lacks, as ``path:line: draft: ...``; when there are
    any, the quiz is written with ``draft: true`` and learners do not see it until complete."""

    @property
    def draft(self) -> bool:
        return bool(self.gaps)


# --- export: our quiz -> GIFT ---------------------------------------------------------------


def quiz_to_gift(raw: RawQuiz) -> str:
    """One quiz file, parsed, as a GIFT file for Moodle (and for :func:`gift_to_quiz`)."""
    errors: list[ContentError] = []
    title = " ".join(str(raw.meta.get("title") or raw.meta.get("id") or "Quiz").split())
    settings = {key: _plain(value) for key, value in raw.meta.items()}
    if raw.intro:
        settings["intro"] = raw.intro
    lines = [
        f"// {title}",
        "// Exported from the training platform in Moodle's GIFT format. Import it into Moodle,",
        "// or back into the platform with: training quiz import-gift FILE --unit UNIT --out FILE",
        "// The platform's import reads the quiz settings below, the [id:...] and [tag:...]",
        "// markers (Moodle keeps these too), the '// feedback:' lines of matching questions and",
        "// the '// id:' line under each answer (its option id, which saved answers point at).",
        "// ---",
        *(f"// {line}".rstrip() for line in _yaml(settings).split("\n")),
        "// ---",
        "",
        f"$CATEGORY: $course$/top/{title.replace('/', '//')}",
        "",
    ]
    for original in raw.questions:
        question = _images_as_alt_text(original)
        if question.type is None:
            continue
        kind = QUESTION_TYPES[question.type]
        try:
            body = kind.to_gift(question)
        except Unmappable as problem:
            errors.append(ContentError(raw.path, problem.line or question.line, problem.message))
            continue
        tags = [f"[id:{question.id}]", f"[tag:lesson:{question.lesson}]"]
        tags += [f"[tag:objective:{number}]" for number in question.objective]
        if question.points != 1:
            tags.append(f"[tag:points:{question.points}]")
        tags += kind.gift_tags(question)
        lines += [
            f"// {' '.join(tags)}",
            f"::{escape(question.id)}::[markdown]{escape(joined(question.prompt))}{{",
            *(f"\t{line}" for line in body),
            f"\t####{gift_text(joined(question.explanation))}",
            "}",
            "",
        ]
    if errors:
        raise GiftError(errors)
    return "\n".join(lines)


def _images_as_alt_text(question: RawQuestion) -> RawQuestion:
    """The question with each image replaced by its alt text: a GIFT file carries text only,
    and an image Moodle cannot find would show as a broken picture (docs/authoring.md)."""
    answers = [
        replace(
            a,
            text=images_as_alt_text(a.text),
            match=images_as_alt_text(a.match),
            feedback=[images_as_alt_text(line) for line in a.feedback],
        )
        for a in question.answers
    ]
    return replace(
        question,
        prompt=[images_as_alt_text(line) for line in question.prompt],
        explanation=[images_as_alt_text(line) for line in question.explanation],
        answers=answers,
    )


_NOT_MAPPED = {
    "essay": "skipped: an essay question ({}); the platform marks quizzes automatically",
}


# --- import: GIFT -> our quiz file ----------------------------------------------------------


def gift_to_quiz(
    text: str,
    unit_id: str,
    path: Path,
    *,
    lessons: Mapping[str, frozenset[str] | set[str]] | None = None,
    quizzes: Mapping[str, str] | None = None,
) -> GiftImport:
    """A GIFT file -> the text of our quiz file for ``unit_id``; :class:`GiftError` otherwise.

    ``lessons`` (unit id -> lesson ids) and ``quizzes`` (quiz id -> unit id) are the course's,
    when known, so lesson pointers and the quiz id are checked against it here, with the GIFT
    file's line numbers. Nothing is half converted: every problem is collected and raised.
    """
    ctx = Context(path)
    text = newlines(text).removeprefix("\ufeff")
    for number, line in enumerate(text.split("\n"), start=1):
        if RESERVED.search(line):
            ctx.error(number, "the line holds a private-use character (U+E000-U+E0FF), which cannot be imported")
    if ctx.errors:
        raise GiftError(ctx.errors)

    header: list[tuple[int, str]] = []
    category: tuple[str, int] | None = None
    questions: list[RawQuestion] = []
    for block in blocks(text):
        read = read_question(block, ctx)
        if not questions and not isinstance(read, GiftQuestion):
            header += [(number, comment) for _offset, number, comment in block.comments]
        if isinstance(read, tuple):
            category = category or read
        elif isinstance(read, GiftQuestion):
            question = _to_raw_question(read, unit_id, lessons, ctx)
            if question is not None:
                questions.append(question)
    if not questions and not ctx.errors:
        ctx.error(1, "the file holds no questions")
    meta = _quiz_settings(header, category, unit_id, quizzes, ctx)
    if ctx.errors:
        raise GiftError(ctx.errors)
    if ctx.gaps:
        meta["draft"] = True
    intro = str(meta.pop("intro", "") or "").strip()
    quiz_text = _verified_quiz_text(meta, intro, questions, ctx)
    return GiftImport(quiz_text, str(meta["id"]), len(questions), tuple(sorted(ctx.notes)), tuple(sorted(ctx.gaps)))


def _question_id(question: GiftQuestion, ctx: Context) -> str:
    """The question's id, unique in the file: its ``[id:...]``, else its title, else its text."""
    qid = _given_id(question, ctx)
    if qid and qid in ctx.ids and question.id_token is None:
        ctx.note(
            question.line, f"a question before this one has the id {qid!r}: this one's is {qid}-{_text_hash(question)}"
        )
        qid = f"{qid}-{_text_hash(question)}"
    ctx.ids.add(qid)
    return qid


def _text_hash(question: GiftQuestion) -> str:
    return hashlib.sha256(f"{question.name}\0{question.prompt}\0{question.answer}".encode()).hexdigest()[:6]


def _given_id(question: GiftQuestion, ctx: Context) -> str:
    if question.id_token is not None:
        value, number = question.id_token
        if not ID_PATTERN.match(value):
            ctx.error(number, f"question id {value!r} must use lowercase letters, digits and hyphens")
        return value
    if not question.name:
        words = "-".join(_slug(question.prompt).split("-")[:6])[:50].strip("-")
        qid = f"{words}-{_text_hash(question)}" if words else f"question-{_text_hash(question)}"
        ctx.note(question.line, f"no title: the question's id is {qid!r}, made from its text")
        return qid
    if ID_PATTERN.match(question.name):
        return question.name
    slug = _slug(question.name)
    if not slug:
        ctx.error(question.line, f"the title {question.name!r} gives no id: use lowercase letters, digits and hyphens")
    else:
        ctx.note(question.line, f"the title {question.name!r} is not an id; the question's id is {slug!r}")
    return slug


def _slug(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")


def _to_raw_question(
    question: GiftQuestion, unit_id: str, lessons: Mapping[str, Any] | None, ctx: Context
) -> RawQuestion | None:
    """A parsed GIFT question -> the quiz parser's record, with lesson, points and checks."""
    if question.kind in _NOT_MAPPED:
        ctx.note(question.answer_line, _NOT_MAPPED[question.kind])
        return None
    qid = _question_id(question, ctx)
    kind = next((k for k in QUESTION_TYPES.values() if question.kind in k.gift_kinds and k.reads_gift(question)), None)
    if kind is None:
        ctx.error(question.answer_line, f"{question.kind} questions cannot be imported: the platform has no such type")
        return None
    found = kind.from_gift(question, ctx)
    raw = RawQuestion(qid, question.line, type=found.type, type_given=True, answers=found.answers)
    declared, type_line = question.tags.get("type", ("", 0))
    if declared and declared != found.type.value:
        ctx.error(type_line, f"the tag says type {declared!r} but the answers make a {found.type.value} question")
    lesson, raw.lesson_line = question.tags.get("lesson", ("", question.line))
    raw.lesson = lesson
    if not lesson:
        ctx.gap(question.line, f"question {qid!r} names no lesson: write 'lesson: LESSON-ID' under its heading")
    elif lessons is not None:
        lesson_unit, lesson_id = resolve_lesson_ref(lesson, unit_id)
        if lesson_id not in lessons.get(lesson_unit, ()):
            ctx.error(raw.lesson_line, f"lesson {lesson!r} not found in unit {lesson_unit!r}")
    points, points_line = question.tags.get("points", ("1", 0))
    if points.isdigit() and int(points) > 0:
        raw.points = int(points)
    else:
        ctx.error(points_line, "points must be a whole number above 0")
    objective, raw.objective_line = question.tags.get("objective", ("", 0))
    numbers = [part.strip() for part in objective.split(",")] if objective else []
    if all(n.isdigit() and int(n) > 0 for n in numbers):
        raw.objective = tuple(dict.fromkeys(int(n) for n in numbers))
    else:
        ctx.error(raw.objective_line, "the objective tag needs the number of a unit objective: [tag:objective:2]")
    if not raw.objective:
        ctx.gap(question.line, f"question {qid!r} names no unit objective: write 'objective: N' under its heading")
    _option_ids(raw, ctx)
    if not question.prompt.strip():
        ctx.error(question.line, f"question {qid!r} has no question text")
    if not question.explanation.strip():
        ctx.gap(
            question.answer_line,
            f"question {qid!r} has no general feedback (####... in GIFT): write its 'Explanation:'",
        )
    raw.prompt = question.prompt.split("\n")
    raw.explanation = question.explanation.split("\n") if question.explanation.strip() else []
    return raw


def _option_ids(raw: RawQuestion, ctx: Context) -> None:
    """Check the ``// id:`` option ids, and make ids from the option texts where there are none
    (Moodle drops comment lines, so GIFT that has been through Moodle carries no option ids)."""
    if raw.type is None or not QUESTION_TYPES[raw.type].authored_ids:
        return
    taken = {a.id for a in raw.answers if a.id}
    made = []
    for answer in raw.answers:
        if answer.id:
            if problem := option_id_problem(answer.id):
                ctx.error(answer.line, problem)
            continue
        base = _option_slug(raw.id, answer.text)
        candidate, number = base, 2
        while candidate in taken:
            candidate, number = f"{base}-{number}", number + 1
        answer.id = candidate
        taken.add(candidate)
        made.append(candidate)
    if made:
        ctx.note(
            raw.line,
            f"option ids made from the option texts: {', '.join(made)} (saved answers point at them: "
            "keep them once learners answer)",
        )


def _option_slug(question_id: str, text: str) -> str:
    """An option id from the first words of its text; a hash of the text when those words cannot
    be an id (a letter, a number, a word that tells the answer)."""
    slug = "-".join(_slug(text).split("-")[:4])[:40].strip("-")
    if slug and option_id_problem(slug) is None:
        return slug
    return "option-" + hashlib.sha256(f"{question_id}\0{text}".encode()).hexdigest()[:6]


def _quiz_settings(
    header: list[tuple[int, str]],
    category: tuple[str, int] | None,
    unit_id: str,
    quizzes: Mapping[str, str] | None,
    ctx: Context,
) -> dict[str, Any]:
    """Front matter from the ``// ---`` YAML comments at the top, with defaults for the rest."""
    meta = _header_yaml(header, ctx)
    line_of = meta.line_of if isinstance(meta, Meta) else (lambda _key: 1)
    settings: dict[str, Any] = {
        "id": f"{unit_id}-quiz",
        "unit": unit_id,
        "title": _category_title(category[0]) if category else f"{unit_id} quiz",
        **QUIZ_DEFAULTS,
    }
    for key, value in meta.items():
        settings[str(key)] = _plain(value)
    if settings["unit"] != unit_id:
        ctx.note(
            line_of("unit"), f"the file's quiz was for unit {settings['unit']!r}; it goes to {unit_id!r} as --unit says"
        )
        settings["unit"] = unit_id
    checks = {
        "id": lambda v: isinstance(v, str) and ID_PATTERN.match(v),
        "title": lambda v: isinstance(v, str) and v.strip(),
        "pass_mark": lambda v: _whole(v) and 0 <= v <= 100,
        "attempts": lambda v: _whole(v) and v >= 0,
        "shuffle": lambda v: isinstance(v, bool),
        "duration": lambda v: _whole(v) and 1 <= v <= 240,
    }
    for key, valid in checks.items():
        if not valid(settings[key]):
            ctx.error(line_of(key), f"quiz setting {key}: {settings[key]!r} is not valid")
    owner = (quizzes or {}).get(settings["id"])
    if owner is not None and owner != unit_id:
        ctx.error(
            line_of("id"),
            f"quiz id {settings['id']!r} belongs to unit {owner!r}'s quiz; change 'id' in the file's settings",
        )
    return settings


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _header_yaml(header: list[tuple[int, str]], ctx: Context) -> Meta | dict:
    marks = [index for index, (_n, comment) in enumerate(header) if comment.strip() == "---"]
    if len(marks) < 2:
        return {}
    first, last = header[marks[0]][0] + 1, header[marks[1]][0]
    by_line = {
        number: comment[1:] if comment.startswith(" ") else comment
        for number, comment in header[marks[0] + 1 : marks[1]]
    }
    yaml_text = "\n".join(by_line.get(number, "") for number in range(first, last))
    try:
        data = load_yaml(yaml_text, ctx.path, first_line=first)
    except FrontMatterError as exc:
        ctx.errors.append(exc.error)
        return {}
    if data is None:
        return {}
    if not isinstance(data, Meta):
        ctx.error(first, "the quiz settings between '// ---' lines must be 'key: value' lines")
        return {}
    return data


def _category_title(path: str) -> str:
    """``$course$/top/Unit 1//2 quiz`` -> ``Unit 1/2 quiz``: the last category, ``//`` a slash."""
    parts = re.split(r"(?<!/)/(?!/)", path)
    return parts[-1].replace("//", "/").strip() or path


def _plain(value: Any) -> Any:
    """Meta (a dict that remembers lines) -> plain dicts and lists, for YAML output."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


class _Dumper(yaml.SafeDumper):
    """Quotes text the way our quiz files do: double quotes, and only where YAML needs them."""


def _represent_text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    analysis = dumper.analyze_scalar(value)
    plain = (
        analysis.allow_block_plain
        and not analysis.multiline
        and dumper.resolve(yaml.ScalarNode, value, (True, False)) == _STR_TAG
    )
    return dumper.represent_scalar(_STR_TAG, value, style=None if plain else '"')


_STR_TAG = "tag:yaml.org,2002:str"
_Dumper.add_representer(str, _represent_text)


def _yaml(data: Mapping[str, Any]) -> str:
    text = yaml.dump(dict(data), Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=1_000_000)
    return text.rstrip("\n")


# --- import: writing our quiz file, and checking that it reads back -------------------------


class _Writer:
    """Quiz text lines, each remembering the GIFT line it came from."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.sources: list[int] = []
        self.ranges: list[tuple[int, int]] = []
        """Per question, its first line and the line after its last (1-based)."""

    def add(self, line: str, source: int = 0) -> None:
        self.lines.append(line)
        self.sources.append(source)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def _write_quiz(meta: Mapping[str, Any], intro: str, questions: list[RawQuestion]) -> _Writer:
    """Our quiz format (docs/authoring.md, "Quiz files"): the inverse of :func:`parse_quiz_body`."""
    out = _Writer()
    out.add("---")
    for line in _yaml(meta).split("\n"):
        out.add(line)
    out.add("---")
    if intro:
        out.add("")
        for line in intro.split("\n"):
            out.add(line)
    for q in questions:
        out.add("")
        first = len(out.lines) + 1
        out.add(f"## {q.id}", q.line)
        out.add(f"type: {q.type}", q.line)
        if q.lesson:
            out.add(f"lesson: {q.lesson}", q.lesson_line)
        if q.objective:
            out.add(f"objective: {', '.join(map(str, q.objective))}", q.objective_line or q.line)
        if q.points != 1:
            out.add(f"points: {q.points}", q.line)
        out.add("", q.line)
        for line in joined(q.prompt).split("\n"):
            out.add(line, q.line)
        out.add("", q.line)
        for answer in q.answers:
            option_id = f" {{#{answer.id}}}" if answer.id else ""
            assert q.type is not None  # every imported question has its type
            line, indent = QUESTION_TYPES[q.type].write_answer_line(answer)
            out.add(f"{line}{option_id}", answer.line)
            feedback = joined(answer.feedback)
            for line in feedback.split("\n") if feedback else ():
                out.add(f"{indent}> {line}".rstrip(), answer.line)
        out.add("", q.line)
        if not joined(q.explanation):
            out.ranges.append((first, len(out.lines) + 1))
            continue
        opening, *rest = joined(q.explanation).split("\n")
        out.add(f"Explanation: {opening}", q.line)
        for line in rest:
            out.add(line, q.line)
        out.ranges.append((first, len(out.lines) + 1))
    return out


def _verified_quiz_text(meta: dict[str, Any], intro: str, questions: list[RawQuestion], ctx: Context) -> str:
    """Write the quiz and parse it back: problems come out at GIFT lines, and a text that our
    format would read differently (a prompt line that looks like an answer) is refused."""
    out = _write_quiz(meta, intro, questions)
    text = out.text()
    written = Path("quiz.md")
    body_meta, body, body_line = split_front_matter(text, written)
    parsed, errors = parse_quiz_body(body_meta, body, body_line, written)

    def source(line: int) -> int:
        return out.sources[line - 1] if 0 < line <= len(out.sources) else 0

    misread: list[tuple[int, int]] = []
    for q, (first, last) in zip(questions, out.ranges, strict=True):
        found = [p for p in parsed.questions if first <= p.line < last]
        if len(found) != 1 or _shape(found[0]) != _shape(q):
            misread.append((first, last))
            ctx.error(
                q.line,
                f"question {q.id!r} has a line that our quiz format would read as markup (an "
                "answer, a '## ' heading or 'Explanation:'); reword that line",
            )
    if parsed.intro != intro:
        ctx.error(1, "the 'intro' setting has a line that our quiz format reads as a question")
    for error in errors:
        if error.gap and meta.get("draft"):
            continue  # listed as a gap of the draft already
        if not any(first <= error.line < last for first, last in misread):
            message = _FIRST_AT.sub(lambda m: f"first at line {source(int(m.group(1)))}", error.message)
            ctx.error(source(error.line), message)
    if ctx.errors:
        raise GiftError(ctx.errors)
    return text


_FIRST_AT = re.compile(r"first at line (\d+)")


def _shape(q: RawQuestion) -> tuple[Any, ...]:
    answers = tuple((a.text, a.correct, a.match, a.position, a.id, joined(a.feedback)) for a in q.answers)
    return (q.id, q.type, q.lesson, q.points, q.objective, joined(q.prompt), answers, joined(q.explanation))
