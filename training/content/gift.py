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

Both directions go through the quiz parser's own records (:class:`RawQuestion`), with one
function per question type in a registry each way (``_EXPORTERS``, ``_IMPORTERS``), and an
import is only accepted once the quiz text it wrote parses back to the same questions.
"""

from __future__ import annotations

import bisect
import hashlib
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import yaml

from .errors import ContentError
from .frontmatter import FrontMatterError, Meta, load_yaml, split_front_matter
from .model import QuestionType
from .quizfile import (
    FALLBACK,
    ID_PATTERN,
    OPTION_ID_TYPES,
    RawAnswer,
    RawQuestion,
    RawQuiz,
    option_id_problem,
    parse_quiz_body,
)
from .validate import resolve_lesson_ref

ESCAPABLE = "~=#{}:"
"""Characters a backslash escapes in GIFT (besides the backslash itself and ``n``)."""

QUIZ_DEFAULTS: dict[str, Any] = {"pass_mark": 70, "attempts": 3, "shuffle": True, "duration": 15}
"""Quiz settings for a GIFT file that carries none (Moodle keeps no quiz settings in GIFT)."""

FORMATS = ("moodle", "html", "plain", "markdown")
MOODLE_TRUE, MOODLE_FALSE = ("T", "TRUE"), ("F", "FALSE")
_TAG_KEYS = ("lesson", "points", "type", "objective")
_WEIGHT = re.compile(r"^%-*[0-9]{1,2}\.?[0-9]*%")
"""Moodle's test for a ``%weight%`` in front of an answer, loose as it is there."""
_FORMAT_PREFIX = re.compile(r"^\[(?:moodle|html|plain|markdown)\]")
_ID_TOKEN = re.compile(r"\[id:((?:\\\]|[^\]\[\x00-\x1f\x7f])+)\]")
_TAG_TOKEN = re.compile(r"\[tag:((?:\\\]|[^\]<>\x00-\x1f\x7f])+)\]")
_KEY_COMMENT = re.compile(r"^\s*(lesson|points|type|objective)\s*:\s*(.*?)\s*$")
_FEEDBACK_COMMENT = re.compile(r"^\s*feedback\s*:\s?(.*?)\s*$")
_OPTION_ID_COMMENT = re.compile(r"^\s*id\s*:\s*(.*?)\s*$")
_MOODLE_TRIM = " \t\n\r\0\x0b"
"""What PHP's trim() removes; Python's strip() would also eat no-break spaces."""

# Escaped characters become private-use placeholders while the structure is read, as Moodle
# does with "&&058;" and friends; they turn back into the plain characters at the end.
_PLACEHOLDER = {char: chr(0xE000 + index) for index, char in enumerate(ESCAPABLE + "\n")}
_RESTORE = str.maketrans({v: k for k, v in _PLACEHOLDER.items()})
_BLANK = "\ue0ff"
"""Where a missing-word question had its answers; becomes a blank (_____) in the prompt."""
_BLANK_MARKDOWN = r"\_\_\_\_\_"
_RESERVED = re.compile("[\ue000-\ue0ff]")


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


# --- escaping -------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Plain text -> GIFT text on one line: ``\\`` first, then ``~ = # { } :``, and newlines
    as ``\\n``."""
    out = _newlines(text).replace("\\", "\\\\")
    for char in ESCAPABLE:
        out = out.replace(char, "\\" + char)
    return out.replace("\n", "\\n")


def unescape(text: str) -> str:
    """GIFT text -> plain text, exactly as Moodle reads it (the inverse of :func:`escape`)."""
    return _protect(text).translate(_RESTORE)


def _protect(line: str) -> str:
    """Escapes -> placeholders, read left to right as Moodle's ``escapedchar_pre`` does."""
    out: list[str] = []
    index = 0
    while index < len(line):
        char, following = line[index], line[index + 1 : index + 2]
        if char == "\\" and following == "\\":
            out.append("\\")
        elif char == "\\" and following and following in ESCAPABLE:
            out.append(_PLACEHOLDER[following])
        elif char == "\\" and following == "n":
            out.append(_PLACEHOLDER["\n"])
        else:
            out.append(char)
            index += 1
            continue
        index += 2
    return "".join(out)


def _restore(text: str) -> str:
    return text.translate(_RESTORE)


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _text(value: str) -> str:
    """Escaped text that Moodle will not mistake for a ``[format]`` marker."""
    escaped = escape(value)
    return f"[markdown]{escaped}" if _FORMAT_PREFIX.match(escaped) else escaped


def _percent(value: float) -> str:
    """100/3 -> ``33.33333``: five decimals, which Moodle matches to its own grade list."""
    return f"{value:.5f}".rstrip("0").rstrip(".")


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
    for question in raw.questions:
        exporter = _EXPORTERS[question.type] if question.type else None
        if exporter is None:
            continue
        try:
            body = exporter(question)
        except _Unmappable as problem:
            errors.append(ContentError(raw.path, problem.line or question.line, problem.message))
            continue
        tags = [f"[id:{question.id}]", f"[tag:lesson:{question.lesson}]"]
        tags += [f"[tag:objective:{number}]" for number in question.objective]
        if question.points != 1:
            tags.append(f"[tag:points:{question.points}]")
        if question.type == QuestionType.ORDERING:
            tags.append("[tag:type:ordering]")
        lines += [
            f"// {' '.join(tags)}",
            f"::{escape(question.id)}::[markdown]{escape(_joined(question.prompt))}{{",
            *(f"\t{line}" for line in body),
            f"\t####{_text(_joined(question.explanation))}",
            "}",
            "",
        ]
    if errors:
        raise GiftError(errors)
    return "\n".join(lines)


class _Unmappable(Exception):
    def __init__(self, message: str, line: int = 0):
        self.message, self.line = message, line
        super().__init__(message)


def _feedback(answer: RawAnswer) -> str:
    return _joined(answer.feedback)


def _id_line(answer: RawAnswer) -> list[str]:
    """The option id on a comment line under its answer: Moodle skips it, our import reads it."""
    return [f"// id: {answer.id}"] if answer.id else []


def _export_single(question: RawQuestion) -> list[str]:
    """``=right#feedback`` and ``~wrong#feedback``; ``~%0%`` keeps a leading ``%5%`` text a text."""
    lines = []
    for answer in question.answers:
        marker = "=" if answer.correct else ("~%0%" if _WEIGHT.match(answer.text) else "~")
        lines.append(f"{marker}{_text(answer.text)}#{_text(_feedback(answer))}")
        lines += _id_line(answer)
    return lines


def _export_multiple(question: RawQuestion) -> list[str]:
    """Each correct option ``~%100/k%``, each wrong one ``~%-100/k%``: Moodle's sum of weights
    is then exactly our rule, (correct chosen - wrong chosen) / correct options, floored at 0."""
    share = 100 / max(1, sum(a.correct for a in question.answers))
    lines = []
    for answer in question.answers:
        weight = _percent(share if answer.correct else -share)
        lines.append(f"~%{weight}%{_text(answer.text)}#{_text(_feedback(answer))}")
        lines += _id_line(answer)
    return lines


def _export_true_false(question: RawQuestion) -> list[str]:
    """``TRUE`` or ``FALSE``, then the feedback for a wrong answer, then for a right one, each
    followed by its option's id."""
    right = next(a for a in question.answers if a.correct)
    wrong = next(a for a in question.answers if not a.correct)
    value = "TRUE" if right.text.lower() == "true" else "FALSE"
    return [value, f"#{_text(_feedback(wrong))}", *_id_line(wrong), f"#{_text(_feedback(right))}", *_id_line(right)]


def _export_short(question: RawQuestion) -> list[str]:
    """``=accepted``, ``=%0%known wrong`` and ``=%0%*`` (Moodle's wildcard) for any other answer.

    A literal ``*`` is written ``\\*``, as Moodle's short answers want. ``->`` in feedback is
    written ``-\\>`` (the same in Markdown) so Moodle does not take the question for matching.
    """
    lines = []
    for answer in question.answers:
        if answer.text == FALLBACK:
            text, weight = FALLBACK, "%0%"
        else:
            if "->" in answer.text:
                raise _Unmappable(
                    f"short answer {answer.text!r} contains '->', which Moodle would read as a "
                    "matching question; reword the answer",
                    answer.line,
                )
            text = escape(answer.text.replace("*", "\\*"))
            weight = "" if answer.correct else "%0%"
            if answer.correct and text.startswith("%"):
                weight = "%100%"
        feedback = _text(_feedback(answer).replace("->", "-\\>"))
        lines.append(f"={weight}{text}#{feedback}")
    return lines


def _export_matching(question: RawQuestion) -> list[str]:
    """``=left -> right``; GIFT has no feedback per pair, so it follows as ``// feedback:``."""
    lines = []
    for answer in question.answers:
        lines.append(f"={_text(answer.text)} -> {escape(answer.match)}")
        lines.append(f"// feedback: {escape(_feedback(answer))}")
        lines += _id_line(answer)
    return lines


def _export_ordering(question: RawQuestion) -> list[str]:
    """Moodle's GIFT has no ordering type: each item is matched with its position (1, 2, ...),
    which any Moodle can grade, and ``[tag:type:ordering]`` brings it back as ordering."""
    lines = []
    for position, answer in enumerate(question.answers, start=1):
        lines.append(f"={_text(answer.text)} -> {position}")
        lines.append(f"// feedback: {escape(_feedback(answer))}")
        lines += _id_line(answer)
    return lines


_EXPORTERS: dict[QuestionType, Callable[[RawQuestion], list[str]]] = {
    QuestionType.SINGLE: _export_single,
    QuestionType.MULTIPLE: _export_multiple,
    QuestionType.TRUE_FALSE: _export_true_false,
    QuestionType.SHORT: _export_short,
    QuestionType.MATCHING: _export_matching,
    QuestionType.ORDERING: _export_ordering,
}


# --- import: reading GIFT as Moodle does ----------------------------------------------------


@dataclass(slots=True)
class _Block:
    """The lines between two blank lines: one question, a category, or comments.

    ``text`` joins the trimmed lines with newlines, escapes turned into placeholders, so
    offsets in it map back to file lines. Comment lines are left out of it (Moodle leaves a
    space, which in Markdown would split a paragraph) and kept with the offset they stood at.
    """

    text: str = ""
    starts: list[int] = field(default_factory=list)
    numbers: list[int] = field(default_factory=list)
    comments: list[tuple[int, int, str]] = field(default_factory=list)
    """(offset, line number, text after the ``//``)"""

    def add(self, number: int, line: str) -> None:
        if line.startswith("//"):
            self.comments.append((len(self.text), number, line[2:]))
            return
        if self.starts:
            self.text += "\n"
        self.starts.append(len(self.text))
        self.numbers.append(number)
        self.text += _protect(line)

    def line_at(self, offset: int) -> int:
        if not self.numbers:
            return self.comments[0][1]
        return self.numbers[max(0, bisect.bisect_right(self.starts, offset) - 1)]

    @property
    def first_content(self) -> int:
        """Offset of the first character that is not a comment or space; len(text) if none."""
        return len(self.text) - len(self.text.lstrip(_MOODLE_TRIM))


def _blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    current = _Block()
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip(_MOODLE_TRIM)
        if line:
            current.add(number, line)
        elif current.starts or current.comments:
            blocks.append(current)
            current = _Block()
    if current.starts or current.comments:
        blocks.append(current)
    return blocks


@dataclass(slots=True)
class _Segment:
    """One answer inside the braces: its marker (``=``, ``~`` or none) and the text after it."""

    marker: str
    body: str
    start: int
    end: int
    line: int


@dataclass(slots=True)
class _GiftQuestion:
    block: _Block
    line: int
    name: str
    format: str
    prompt: str
    explanation: str
    kind: str
    answer: str
    base: int
    """Offset of ``answer[0]`` in the block's text."""
    tags: dict[str, tuple[str, int]]
    id_token: tuple[str, int] | None

    def segments(self, markers: str) -> list[_Segment]:
        """Moodle's ``explode``: a new answer starts at each marker; empty lead text is dropped."""
        cuts = [i for i, char in enumerate(self.answer) if char in markers]
        found = []
        lead = self.answer[: cuts[0]] if cuts else self.answer
        if lead.strip(_MOODLE_TRIM):
            offset = self.base + len(lead) - len(lead.lstrip(_MOODLE_TRIM))
            line = self.block.line_at(offset)
            found.append(_Segment("", lead, offset, self.base + len(lead), line))
        for index, cut in enumerate(cuts):
            end = cuts[index + 1] if index + 1 < len(cuts) else len(self.answer)
            offset = self.base + cut
            body, line = self.answer[cut + 1 : end], self.block.line_at(offset)
            found.append(_Segment(self.answer[cut], body, offset, self.base + end, line))
        return found

    @property
    def answer_line(self) -> int:
        lead = len(self.answer) - len(self.answer.lstrip(_MOODLE_TRIM))
        return self.block.line_at(self.base + lead)


class _Context:
    """Where the reader puts its problems and notes, with the file's path."""

    def __init__(self, path: Path):
        self.path = path
        self.errors: list[ContentError] = []
        self.notes: list[ContentError] = []
        self.gaps: list[ContentError] = []
        """What the platform needs and the file lacks: the quiz is written as a draft."""
        self.ids: set[str] = set()

    def error(self, line: int, message: str) -> None:
        self.errors.append(ContentError(self.path, line, message))

    def note(self, line: int, message: str) -> None:
        self.notes.append(ContentError(self.path, line, f"note: {message}"))

    def gap(self, line: int, message: str) -> None:
        self.gaps.append(ContentError(self.path, line, f"draft: {message}", gap=True))


def _read_question(block: _Block, ctx: _Context) -> _GiftQuestion | tuple[str, int] | None:
    """One block -> a question, a ``$CATEGORY`` (name, line), or None for comments only."""
    text = block.text
    pos = block.first_content
    if pos == len(text):
        return None
    line = block.line_at(pos)
    if text.startswith("$CATEGORY:", pos):
        return _restore(text[pos + len("$CATEGORY:") :]).strip(_MOODLE_TRIM), line
    name = ""
    if text.startswith("::", pos):
        end = text.find("::", pos + 2)
        if end < 0:
            ctx.error(line, "the title is not closed: write '::question-id::' before the question text")
            return None
        name = _restore(text[pos + 2 : end]).strip(_MOODLE_TRIM)
        pos = end + 2
        pos += len(text[pos:]) - len(text[pos:].lstrip(_MOODLE_TRIM))
    start, finish = text.find("{", pos), text.find("}", pos)
    if start < 0 and finish < 0:
        ctx.note(
            line,
            "skipped: text without '{answers}' is a Moodle description, which a quiz here cannot "
            "hold; put that text into the question that needs it",
        )
        return None
    if start < 0 or 0 <= finish < start:
        ctx.error(block.line_at(finish), "'}' without an opening '{' (write \\} for a brace in the text)")
        return None
    if finish < 0:
        ctx.error(block.line_at(start), "'{' without a closing '}' (write \\{ for a brace in the text)")
        return None
    more = (text.find("{", finish), text.find("}", finish + 1))
    extra = min((i for i in more if i >= 0), default=-1)
    if extra >= 0:
        ctx.error(
            block.line_at(extra),
            "a second '{' or '}' in one question: separate questions with a blank line, and write "
            "\\{ \\} for braces in the text",
        )
        return None
    after = text[finish + 1 :]
    prompt = text[pos:start] + (_BLANK + after if after.strip(_MOODLE_TRIM) else "")
    answer, base = text[start + 1 : finish], start + 1
    explanation = ""
    cut = answer.rfind("####")
    if cut >= 0:
        answer, explanation = answer[:cut], answer[cut + 4 :]
    fmt, prompt = _split_format(prompt.strip(_MOODLE_TRIM), "moodle")
    explanation_format, explanation = _split_format(explanation.strip(_MOODLE_TRIM), fmt)
    ctx_line = block.line_at(base)
    tags, id_token = _read_tags(block, ctx)
    return _GiftQuestion(
        block=block,
        line=line,
        name=name,
        format=fmt,
        prompt=_markdown(fmt, prompt, line, ctx).replace(_BLANK, _BLANK_MARKDOWN),
        explanation=_markdown(explanation_format, explanation, ctx_line, ctx),
        kind=_kind(answer.strip(_MOODLE_TRIM)),
        answer=answer,
        base=base,
        tags=tags,
        id_token=id_token,
    )


def _kind(answer: str) -> str:
    """Moodle's order of tests, so that every file gets the type Moodle would give it."""
    if not answer:
        return "essay"
    if answer[0] == "#":
        return "numerical"
    if "~" in answer:
        return "multichoice"
    if "=" in answer and "->" in answer:
        return "match"
    hash_at = answer.find("#")
    value = answer[:hash_at].strip(_MOODLE_TRIM) if hash_at > 0 else answer
    return "truefalse" if value in MOODLE_TRUE + MOODLE_FALSE else "shortanswer"


def _split_format(text: str, default: str) -> tuple[str, str]:
    """``[markdown]text`` -> ("markdown", "text"); an unknown ``[word]`` is part of the text."""
    if text.startswith("["):
        end = text.find("]")
        if end > 0 and text[1:end] in FORMATS:
            return text[1:end], text[end + 1 :].strip(_MOODLE_TRIM)
    return default, text


def _read_tags(block: _Block, ctx: _Context) -> tuple[dict[str, tuple[str, int]], tuple[str, int] | None]:
    """Our fields from the block's comments: ``[id:x]``, ``[tag:lesson:x]`` or ``// lesson: x``."""
    tags: dict[str, tuple[str, int]] = {}
    id_token: tuple[str, int] | None = None
    for _offset, number, comment in block.comments:
        found: list[tuple[str, str]] = []
        if id_token is None and (token := _ID_TOKEN.search(comment)):
            id_token = (token.group(1).replace("\\]", "]").strip(), number)
        for token in _TAG_TOKEN.finditer(comment):
            key, sep, value = token.group(1).replace("\\]", "]").strip().partition(":")
            if sep and key.strip().lower() in _TAG_KEYS:
                found.append((key.strip().lower(), value.strip()))
        if plain := _KEY_COMMENT.match(comment):
            found.append((plain.group(1), plain.group(2)))
        for key, value in found:
            if key == "objective" and key in tags:  # a question may test several objectives
                value = f"{tags[key][0]}, {value}"
                tags[key] = (value, tags[key][1])
                continue
            if key in tags and tags[key][0] != value:
                ctx.error(
                    number,
                    f"two different {key}s for one question: {tags[key][0]!r} (line {tags[key][1]}) and {value!r}",
                )
            tags.setdefault(key, (value, number))
    return tags, id_token


# --- import: text formats -> Markdown -------------------------------------------------------


class _Unsupported(Exception):
    pass


def _markdown(fmt: str, protected: str, line: int, ctx: _Context) -> str:
    """GIFT text in its format -> our Markdown. Moodle's own format (the default) is plain text
    with optional HTML, which reads well as Markdown; HTML is converted; plain text escaped.
    Trimmed after the escapes are undone, as Moodle does (so an escaped end ``\\n`` goes too)."""
    text = _restore(protected).strip(_MOODLE_TRIM)
    if fmt == "html":
        try:
            return _html_to_markdown(text)
        except _Unsupported as exc:
            ctx.error(line, str(exc))
            return text
    if fmt == "plain":
        return _escape_markdown(text)
    return text


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]{}|])")
_LINE_START_MARK = re.compile(r"^(\s*)([#>+-])", re.MULTILINE)
_LINE_START_NUMBER = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)


def _escape_markdown(text: str) -> str:
    """Plain text that Markdown shows as it is: backslashes before the characters Markdown
    reads as markup, ``&lt;`` for ``<`` (Markdown has no escape for it)."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("<", "&lt;")
    text = _LINE_START_MARK.sub(r"\1\\\2", text)
    return _LINE_START_NUMBER.sub(r"\1\\\2", text)


class _HtmlToMarkdown(HTMLParser):
    """The HTML that Moodle's editor writes (paragraphs, line breaks, bold, italics, code,
    links, lists, headings) as Markdown; other tags keep their text, images are refused."""

    _BLOCK = {"p", "div", "blockquote", "table", "tr", "pre", "h1", "h2", "h3", "h4", "h5", "h6"}
    _INLINE = {"strong": "**", "b": "**", "em": "*", "i": "*", "code": "`"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.lists: list[str] = []
        self.links: list[str] = []

    def _break(self, blank: bool = True) -> None:
        self.out.append("\n\n" if blank else "\n")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            raise _Unsupported("images (<img>) cannot be imported; describe the picture in words")
        if (tag in self._BLOCK and not self.lists) or tag in ("ul", "ol"):
            self._break(blank=not self.lists)
        if tag in ("ul", "ol"):
            self.lists.append(tag)
        elif tag == "li":
            marker = "1. " if self.lists and self.lists[-1] == "ol" else "- "
            self.out.append("\n" + "    " * max(0, len(self.lists) - 1) + marker)
        elif tag == "br":
            self._break(blank=False)
        elif tag in self._INLINE:
            self.out.append(self._INLINE[tag])
        elif tag[:1] == "h" and tag[1:].isdigit():
            self.out.append("**")
        elif tag == "a":
            self.links.append(dict(attrs).get("href") or "")
            self.out.append("[")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._INLINE:
            self.out.append(self._INLINE[tag])
        elif tag[:1] == "h" and tag[1:].isdigit():
            self.out.append("**")
        elif tag == "a" and self.links:
            href = self.links.pop()
            self.out.append(f"]({href})" if href else "]")
        if tag in ("ul", "ol") and self.lists:
            self.lists.pop()
        if (tag in self._BLOCK and not self.lists) or tag in ("ul", "ol"):
            self._break(blank=not self.lists)

    def handle_data(self, data: str) -> None:
        text = re.sub(r"\s+", " ", data)
        if not self.out or self.out[-1].endswith(("\n", "- ", "1. ")):
            text = text.lstrip()
        self.out.append(_escape_markdown(text))


def _html_to_markdown(text: str) -> str:
    parser = _HtmlToMarkdown()
    parser.feed(text)
    parser.close()
    joined = re.sub(r"[ \t]+\n", "\n", "".join(parser.out))
    return re.sub(r"\n{3,}", "\n\n", joined).strip()


# --- import: one function per GIFT question type --------------------------------------------


@dataclass(slots=True)
class _Answers:
    type: QuestionType
    answers: list[RawAnswer]


def _answer_parts(question: _GiftQuestion, body: str, line: int, ctx: _Context, plain: bool = False) -> tuple[str, str]:
    """``text#feedback`` -> (text, feedback) in Markdown; ``plain`` keeps the text as written."""
    text, _sep, feedback = body.partition("#")
    text_format, text = _split_format(text.strip(_MOODLE_TRIM), question.format)
    feedback_format, feedback = _split_format(feedback.strip(_MOODLE_TRIM), question.format)
    if plain:
        answer = _restore(text).strip(_MOODLE_TRIM)
    else:
        answer = _markdown(text_format, text, line, ctx)
    return " ".join(answer.split("\n")).strip(), _markdown(feedback_format, feedback, line, ctx)


def _weight(body: str, line: int, ctx: _Context) -> tuple[float | None, str]:
    """``%50%text`` -> (50.0, "text"); no weight -> (None, body)."""
    stripped = body.strip(_MOODLE_TRIM)
    if not _WEIGHT.match(stripped):
        return None, body
    end = stripped.index("%", 1)
    try:
        value = float(stripped[1:end])
    except ValueError:
        ctx.error(line, f"{stripped[: end + 1]!r} is not a percentage weight")
        value = 0.0
    if not -100 <= value <= 100:
        ctx.error(line, f"weight {stripped[: end + 1]} is outside -100% to 100%")
    return value, stripped[end + 1 :]


def _needs_feedback(feedback: str, text: str, line: int, ctx: _Context, how: str = "") -> list[str]:
    if not feedback.strip():
        ctx.gap(
            line,
            f"answer {text!r} has no feedback ({how or '#feedback after it'}); every answer here "
            "explains itself to the learner",
        )
        return []
    return feedback.split("\n")


def _comment_id(question: _GiftQuestion, segment: _Segment | None) -> str:
    """The option id from the ``// id:`` comment line under an answer, or "" without one."""
    if segment is None:
        return ""
    for offset, _number, comment in question.block.comments:
        if segment.start <= offset < segment.end and (found := _OPTION_ID_COMMENT.match(comment)):
            return found.group(1)
    return ""


def _import_multichoice(question: _GiftQuestion, ctx: _Context) -> _Answers:
    """``=`` marks the one right answer (single choice); without ``=``, ``~%w%`` weights make it
    multiple choice, where every positive weight must be the same (our scoring gives each correct
    option an equal share and takes one share away for each wrong option chosen)."""
    single = "=" in question.answer
    answers, weights = [], []
    for segment in question.segments("~="):
        line = segment.line
        if segment.marker == "=":
            weight, body = 100.0, segment.body  # as in Moodle, "=%50%a" is the answer "%50%a"
        else:
            found, body = _weight(segment.body, line, ctx)
            weight = found or 0.0
        text, feedback = _answer_parts(question, body, line, ctx)
        if single and segment.marker != "=" and weight > 0:
            ctx.note(
                line,
                f"partial credit ({_percent(weight)}%) is dropped: a single-choice question here "
                "scores 1 for the '=' answer and 0 for any other",
            )
            weight = 0.0
        elif single and weight < 0:
            ctx.note(line, f"the penalty {_percent(weight)}% is dropped: a wrong single-choice answer scores 0")
        weights.append(weight)
        answers.append(
            RawAnswer(
                text,
                line,
                correct=weight > 0,
                id=_comment_id(question, segment),
                feedback=_needs_feedback(feedback, text, line, ctx),
            )
        )
    if not single:
        _check_multiple_weights(question, weights, ctx)
    return _Answers(QuestionType.SINGLE if single else QuestionType.MULTIPLE, answers)


def _check_multiple_weights(question: _GiftQuestion, weights: list[float], ctx: _Context) -> None:
    positive = [w for w in weights if w > 0]
    if not positive:
        return
    if max(positive) - min(positive) > 0.01:
        shown = ", ".join(f"{_percent(w)}%" for w in positive)
        share = 100 / len(positive)
        ctx.note(
            question.answer_line,
            f"correct options weigh {shown}: scored here as an equal share ({_percent(share)}%) "
            "for each correct option chosen, less one share for each wrong one",
        )
        return
    share = 100 / len(positive)
    if any(abs(w + share) > 0.01 for w in weights if w <= 0) or abs(sum(positive) - 100) > 0.01:
        ctx.note(
            question.answer_line,
            f"scored here as {_percent(share)}% for each correct option chosen and "
            f"-{_percent(share)}% for each wrong one, never below 0",
        )


def _import_true_false(question: _GiftQuestion, ctx: _Context) -> _Answers:
    """``{TRUE#feedback when answered wrong#feedback when answered right}``, Moodle's order."""
    value, *feedbacks = question.answer.strip(_MOODLE_TRIM).split("#", 2)
    is_true = value.strip(_MOODLE_TRIM) in MOODLE_TRUE
    wrong, right = (feedbacks + ["", ""])[:2]
    line = question.answer_line
    texts = []
    for part in (wrong, right):
        fmt, part = _split_format(part.strip(_MOODLE_TRIM), question.format)
        texts.append(_markdown(fmt, part, line, ctx))
    wrong, right = texts
    how = "write {TRUE#feedback for a wrong answer#feedback for a right answer}"
    true_feedback, false_feedback = (right, wrong) if is_true else (wrong, right)
    parts = [segment for segment in question.segments("#") if segment.marker == "#"] + [None, None]
    wrong_id, right_id = _comment_id(question, parts[0]), _comment_id(question, parts[1])
    true_id, false_id = (right_id, wrong_id) if is_true else (wrong_id, right_id)
    return _Answers(
        QuestionType.TRUE_FALSE,
        [
            RawAnswer(
                "True",
                line,
                correct=is_true,
                id=true_id,
                feedback=_needs_feedback(true_feedback, "True", line, ctx, how),
            ),
            RawAnswer(
                "False",
                line,
                correct=not is_true,
                id=false_id,
                feedback=_needs_feedback(false_feedback, "False", line, ctx, how),
            ),
        ],
    )


def _import_short(question: _GiftQuestion, ctx: _Context) -> _Answers:
    """``=answer`` (or ``=%100%``) is accepted, ``=%0%answer`` a known wrong answer and
    ``=%0%*`` the feedback for any other answer; without one, that feedback names the answer."""
    answers: list[RawAnswer] = []
    for segment in question.segments("="):
        line = segment.line
        weight, body = _weight(segment.body, line, ctx)
        text, feedback = _answer_parts(question, body, line, ctx, plain=True)
        weight = 100.0 if weight is None else weight
        if weight not in (0.0, 100.0):
            ctx.note(
                line,
                f"partial credit ({_percent(weight)}%) for {text!r}: accepted here as a right "
                "answer (a short answer scores 1 or 0); make it =%0% to count it wrong",
            )
        if text == "\\*":
            ctx.note(
                line,
                "skipped: the answer '*' itself cannot be told apart from the platform's '*' "
                "(any other answer); write the answer in words",
            )
            continue
        if text == FALLBACK and weight > 0:
            ctx.error(line, "'*' accepts any answer; write =%0%*#feedback for the feedback to any other answer")
        elif "*" in text.replace("\\*", "") and text != FALLBACK:
            ctx.error(
                line,
                f"the wildcard '*' in {text!r} is not supported; list each accepted answer (write "
                "\\\\* for an asterisk)",
            )
        text = text if text == FALLBACK else text.replace("\\*", "*")
        answers.append(RawAnswer(text, line, correct=weight > 0, feedback=_needs_feedback(feedback, text, line, ctx)))
    accepted = [a.text for a in answers if a.correct]
    if accepted and not any(a.text == FALLBACK for a in answers):
        line = question.answer_line
        fallback = f"The expected answer is “{accepted[0]}”."
        answers.append(RawAnswer(FALLBACK, line, feedback=[fallback]))
        ctx.note(line, f"no =%0%* answer: any other answer gets the feedback {answers[-1].feedback[0]!r}")
    return _Answers(QuestionType.SHORT, answers)


def _import_match(question: _GiftQuestion, ctx: _Context) -> _Answers:
    """``=left -> right`` pairs; feedback comes from ``// feedback:`` lines under a pair, else it
    states the pair. With ``[tag:type:ordering]`` the right sides are positions 1..n."""
    ordering = question.tags.get("type", ("", 0))[0] == QuestionType.ORDERING.value
    pairs: list[tuple[str, str, int, list[str], str]] = []
    derived = 0
    for segment in question.segments("="):
        line = segment.line
        left, arrow, right = segment.body.partition("->")
        if not arrow:
            ctx.error(line, "a matching pair needs '->': =left -> right")
            continue
        if "#" in segment.body:
            ctx.error(
                line,
                "Moodle has no '#feedback' for matching pairs and would show it as part of the "
                "answer: write it on a '// feedback: ...' line under the pair, or escape it as \\#",
            )
        fmt, left = _split_format(left.strip(_MOODLE_TRIM), question.format)
        left_text = " ".join(_markdown(fmt, left, line, ctx).split("\n")).strip()
        right_text = " ".join(_restore(right).split("\n")).strip(_MOODLE_TRIM)
        if not left_text:
            ctx.note(
                line,
                f"skipped: the extra right side {right_text!r} ('= -> ...'); every right side here "
                "belongs to one left side",
            )
            continue
        feedback = [
            unescape(m.group(1))
            for offset, _n, comment in question.block.comments
            if segment.start <= offset < segment.end and (m := _FEEDBACK_COMMENT.match(comment))
        ]
        if not any(f.strip() for f in feedback):
            derived += 1
            feedback = [f"Position {right_text}." if ordering else f"{left_text} → {right_text}."]
        pairs.append((left_text, right_text, line, "\n".join(feedback).split("\n"), _comment_id(question, segment)))
    if derived:
        ctx.note(
            question.answer_line,
            f"{derived} pair(s) without a '// feedback:' line get feedback that states the right answer",
        )
    positions = [pair[1] for pair in pairs]
    is_sequence = sorted(positions, key=lambda p: int(p) if p.isdigit() else 0) == [
        str(n) for n in range(1, len(pairs) + 1)
    ]
    if not ordering:
        if is_sequence and pairs:
            ctx.note(
                question.answer_line,
                "the right sides are 1, 2, 3, ...: if this is an ordering question, add '// "
                "[tag:type:ordering]' above it",
            )
        return _Answers(
            QuestionType.MATCHING,
            [
                RawAnswer(left, line, correct=True, match=right, feedback=feedback, id=option_id)
                for left, right, line, feedback, option_id in pairs
            ],
        )
    if not is_sequence:
        ctx.error(
            question.answer_line,
            "an ordering question matches each item with its position: =item -> 1, =item -> 2, ... (each number once)",
        )
        return _Answers(QuestionType.ORDERING, [])
    ordered = sorted(pairs, key=lambda pair: int(pair[1]))
    return _Answers(
        QuestionType.ORDERING,
        [
            RawAnswer(left, line, correct=True, position=int(right), feedback=feedback, id=option_id)
            for left, right, line, feedback, option_id in ordered
        ],
    )


_IMPORTERS: dict[str, Callable[[_GiftQuestion, _Context], _Answers]] = {
    "multichoice": _import_multichoice,
    "truefalse": _import_true_false,
    "shortanswer": _import_short,
    "match": _import_match,
}
_NOT_MAPPED = {
    "numerical": "skipped: a numerical question ({#...}); the platform has no numerical type "
    "yet; make it a short answer (=42) or a choice",
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
    ctx = _Context(path)
    text = _newlines(text).removeprefix("\ufeff")
    for number, line in enumerate(text.split("\n"), start=1):
        if _RESERVED.search(line):
            ctx.error(number, "the line holds a private-use character (U+E000-U+E0FF), which cannot be imported")
    if ctx.errors:
        raise GiftError(ctx.errors)

    header: list[tuple[int, str]] = []
    category: tuple[str, int] | None = None
    questions: list[RawQuestion] = []
    for block in _blocks(text):
        read = _read_question(block, ctx)
        if not questions and not isinstance(read, _GiftQuestion):
            header += [(number, comment) for _offset, number, comment in block.comments]
        if isinstance(read, tuple):
            category = category or read
        elif isinstance(read, _GiftQuestion):
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


def _question_id(question: _GiftQuestion, ctx: _Context) -> str:
    """The question's id, unique in the file: its ``[id:...]``, else its title, else its text."""
    qid = _given_id(question, ctx)
    if qid and qid in ctx.ids and question.id_token is None:
        ctx.note(
            question.line, f"a question before this one has the id {qid!r}: this one's is {qid}-{_text_hash(question)}"
        )
        qid = f"{qid}-{_text_hash(question)}"
    ctx.ids.add(qid)
    return qid


def _text_hash(question: _GiftQuestion) -> str:
    return hashlib.sha256(f"{question.name}\0{question.prompt}\0{question.answer}".encode()).hexdigest()[:6]


def _given_id(question: _GiftQuestion, ctx: _Context) -> str:
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
    question: _GiftQuestion, unit_id: str, lessons: Mapping[str, Any] | None, ctx: _Context
) -> RawQuestion | None:
    """A parsed GIFT question -> the quiz parser's record, with lesson, points and checks."""
    if question.kind in _NOT_MAPPED:
        ctx.note(question.answer_line, _NOT_MAPPED[question.kind])
        return None
    qid = _question_id(question, ctx)
    found = _IMPORTERS[question.kind](question, ctx)
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


def _option_ids(raw: RawQuestion, ctx: _Context) -> None:
    """Check the ``// id:`` option ids, and make ids from the option texts where there are none
    (Moodle drops comment lines, so GIFT that has been through Moodle carries no option ids)."""
    if raw.type not in OPTION_ID_TYPES:
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
    ctx: _Context,
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


def _header_yaml(header: list[tuple[int, str]], ctx: _Context) -> Meta | dict:
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
        for line in _joined(q.prompt).split("\n"):
            out.add(line, q.line)
        out.add("", q.line)
        for answer in q.answers:
            option_id = f" {{#{answer.id}}}" if answer.id else ""
            if q.type == QuestionType.MATCHING:
                out.add(f"- {answer.text} -> {answer.match}{option_id}", answer.line)
                indent = "  "
            elif q.type == QuestionType.ORDERING:
                out.add(f"{answer.position}. {answer.text}{option_id}", answer.line)
                indent = "   "
            else:
                out.add(f"- [{'x' if answer.correct else ' '}] {answer.text}{option_id}", answer.line)
                indent = "  "
            feedback = _joined(answer.feedback)
            for line in feedback.split("\n") if feedback else ():
                out.add(f"{indent}> {line}".rstrip(), answer.line)
        out.add("", q.line)
        if not _joined(q.explanation):
            out.ranges.append((first, len(out.lines) + 1))
            continue
        opening, *rest = _joined(q.explanation).split("\n")
        out.add(f"Explanation: {opening}", q.line)
        for line in rest:
            out.add(line, q.line)
        out.ranges.append((first, len(out.lines) + 1))
    return out


def _verified_quiz_text(meta: dict[str, Any], intro: str, questions: list[RawQuestion], ctx: _Context) -> str:
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


def _joined(lines: list[str]) -> str:
    return "\n".join(line.rstrip() for line in lines).strip()


def _shape(q: RawQuestion) -> tuple[Any, ...]:
    answers = tuple((a.text, a.correct, a.match, a.position, a.id, _joined(a.feedback)) for a in q.answers)
    return (q.id, q.type, q.lesson, q.points, q.objective, _joined(q.prompt), answers, _joined(q.explanation))
