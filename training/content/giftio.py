"""GIFT text as Moodle reads and writes it: escapes, blocks, answers, text formats.

Pure functions and records, no knowledge of our question types: :mod:`gift` converts whole
quizzes, and each question type (:mod:`questions`) converts its own answers with these tools.
The reader follows Moodle's own parser (``question/format/gift/format.php``) rule for rule.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

from .errors import ContentError
from .model import QuestionType
from .quizraw import RawAnswer, joined

ESCAPABLE = "~=#{}:"
"""Characters a backslash escapes in GIFT (besides the backslash itself and ``n``)."""

FORMATS = ("moodle", "html", "plain", "markdown")
MOODLE_TRUE, MOODLE_FALSE = ("T", "TRUE"), ("F", "FALSE")
_TAG_KEYS = ("lesson", "points", "type", "objective")
WEIGHT = re.compile(r"^%-*[0-9]{1,2}\.?[0-9]*%")
"""Moodle's test for a ``%weight%`` in front of an answer, loose as it is there."""
_FORMAT_PREFIX = re.compile(r"^\[(?:moodle|html|plain|markdown)\]")
_ID_TOKEN = re.compile(r"\[id:((?:\\\]|[^\]\[\x00-\x1f\x7f])+)\]")
_TAG_TOKEN = re.compile(r"\[tag:((?:\\\]|[^\]<>\x00-\x1f\x7f])+)\]")
_KEY_COMMENT = re.compile(r"^\s*(lesson|points|type|objective)\s*:\s*(.*?)\s*$")
FEEDBACK_COMMENT = re.compile(r"^\s*feedback\s*:\s?(.*?)\s*$")
_OPTION_ID_COMMENT = re.compile(r"^\s*id\s*:\s*(.*?)\s*$")
MOODLE_TRIM = " \t\n\r\0\x0b"
"""What PHP's trim() removes; Python's strip() would also eat no-break spaces."""

# Escaped characters become private-use placeholders while the structure is read, as Moodle
# does with "&&058;" and friends; they turn back into the plain characters at the end.
_PLACEHOLDER = {char: chr(0xE000 + index) for index, char in enumerate(ESCAPABLE + "\n")}
_RESTORE = str.maketrans({v: k for k, v in _PLACEHOLDER.items()})
_BLANK = "\ue0ff"
"""Where a missing-word question had its answers; becomes a blank (_____) in the prompt."""
_BLANK_MARKDOWN = r"\_\_\_\_\_"
RESERVED = re.compile("[\ue000-\ue0ff]")


# --- escaping -------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Plain text -> GIFT text on one line: ``\\`` first, then ``~ = # { } :``, and newlines
    as ``\\n``."""
    out = newlines(text).replace("\\", "\\\\")
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


def restore(text: str) -> str:
    return text.translate(_RESTORE)


def newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def gift_text(value: str) -> str:
    """Escaped text that Moodle will not mistake for a ``[format]`` marker."""
    escaped = escape(value)
    return f"[markdown]{escaped}" if _FORMAT_PREFIX.match(escaped) else escaped


def percent(value: float) -> str:
    """100/3 -> ``33.33333``: five decimals, which Moodle matches to its own grade list."""
    return f"{value:.5f}".rstrip("0").rstrip(".")


class Unmappable(Exception):
    def __init__(self, message: str, line: int = 0):
        self.message, self.line = message, line
        super().__init__(message)


def feedback_text(answer: RawAnswer) -> str:
    return joined(answer.feedback)


def id_line(answer: RawAnswer) -> list[str]:
    """The option id on a comment line under its answer: Moodle skips it, our import reads it."""
    return [f"// id: {answer.id}"] if answer.id else []


# --- import: reading GIFT as Moodle does ----------------------------------------------------


@dataclass(slots=True)
class Block:
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
        return len(self.text) - len(self.text.lstrip(MOODLE_TRIM))


def blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    current = Block()
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip(MOODLE_TRIM)
        if line:
            current.add(number, line)
        elif current.starts or current.comments:
            blocks.append(current)
            current = Block()
    if current.starts or current.comments:
        blocks.append(current)
    return blocks


@dataclass(slots=True)
class Segment:
    """One answer inside the braces: its marker (``=``, ``~`` or none) and the text after it."""

    marker: str
    body: str
    start: int
    end: int
    line: int


@dataclass(slots=True)
class GiftQuestion:
    block: Block
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

    def segments(self, markers: str) -> list[Segment]:
        """Moodle's ``explode``: a new answer starts at each marker; empty lead text is dropped."""
        cuts = [i for i, char in enumerate(self.answer) if char in markers]
        found = []
        lead = self.answer[: cuts[0]] if cuts else self.answer
        if lead.strip(MOODLE_TRIM):
            offset = self.base + len(lead) - len(lead.lstrip(MOODLE_TRIM))
            line = self.block.line_at(offset)
            found.append(Segment("", lead, offset, self.base + len(lead), line))
        for index, cut in enumerate(cuts):
            end = cuts[index + 1] if index + 1 < len(cuts) else len(self.answer)
            offset = self.base + cut
            body, line = self.answer[cut + 1 : end], self.block.line_at(offset)
            found.append(Segment(self.answer[cut], body, offset, self.base + end, line))
        return found

    @property
    def answer_line(self) -> int:
        lead = len(self.answer) - len(self.answer.lstrip(MOODLE_TRIM))
        return self.block.line_at(self.base + lead)


class Context:
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


def read_question(block: Block, ctx: Context) -> GiftQuestion | tuple[str, int] | None:
    """One block -> a question, a ``$CATEGORY`` (name, line), or None for comments only."""
    text = block.text
    pos = block.first_content
    if pos == len(text):
        return None
    line = block.line_at(pos)
    if text.startswith("$CATEGORY:", pos):
        return restore(text[pos + len("$CATEGORY:") :]).strip(MOODLE_TRIM), line
    name = ""
    if text.startswith("::", pos):
        end = text.find("::", pos + 2)
        if end < 0:
            ctx.error(line, "the title is not closed: write '::question-id::' before the question text")
            return None
        name = restore(text[pos + 2 : end]).strip(MOODLE_TRIM)
        pos = end + 2
        pos += len(text[pos:]) - len(text[pos:].lstrip(MOODLE_TRIM))
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
    prompt = text[pos:start] + (_BLANK + after if after.strip(MOODLE_TRIM) else "")
    answer, base = text[start + 1 : finish], start + 1
    explanation = ""
    cut = answer.rfind("####")
    if cut >= 0:
        answer, explanation = answer[:cut], answer[cut + 4 :]
    fmt, prompt = split_format(prompt.strip(MOODLE_TRIM), "moodle")
    explanation_format, explanation = split_format(explanation.strip(MOODLE_TRIM), fmt)
    ctx_line = block.line_at(base)
    tags, id_token = _read_tags(block, ctx)
    return GiftQuestion(
        block=block,
        line=line,
        name=name,
        format=fmt,
        prompt=to_markdown(fmt, prompt, line, ctx).replace(_BLANK, _BLANK_MARKDOWN),
        explanation=to_markdown(explanation_format, explanation, ctx_line, ctx),
        kind=_kind(answer.strip(MOODLE_TRIM)),
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
    value = answer[:hash_at].strip(MOODLE_TRIM) if hash_at > 0 else answer
    return "truefalse" if value in MOODLE_TRUE + MOODLE_FALSE else "shortanswer"


def split_format(text: str, default: str) -> tuple[str, str]:
    """``[markdown]text`` -> ("markdown", "text"); an unknown ``[word]`` is part of the text."""
    if text.startswith("["):
        end = text.find("]")
        if end > 0 and text[1:end] in FORMATS:
            return text[1:end], text[end + 1 :].strip(MOODLE_TRIM)
    return default, text


def _read_tags(block: Block, ctx: Context) -> tuple[dict[str, tuple[str, int]], tuple[str, int] | None]:
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


def to_markdown(fmt: str, protected: str, line: int, ctx: Context) -> str:
    """GIFT text in its format -> our Markdown. Moodle's own format (the default) is plain text
    with optional HTML, which reads well as Markdown; HTML is converted; plain text escaped.
    Trimmed after the escapes are undone, as Moodle does (so an escaped end ``\\n`` goes too)."""
    text = restore(protected).strip(MOODLE_TRIM)
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
class Answers:
    type: QuestionType
    answers: list[RawAnswer]


def answer_parts(question: GiftQuestion, body: str, line: int, ctx: Context, plain: bool = False) -> tuple[str, str]:
    """``text#feedback`` -> (text, feedback) in Markdown; ``plain`` keeps the text as written."""
    text, _sep, feedback = body.partition("#")
    text_format, text = split_format(text.strip(MOODLE_TRIM), question.format)
    feedback_format, feedback = split_format(feedback.strip(MOODLE_TRIM), question.format)
    if plain:
        answer = restore(text).strip(MOODLE_TRIM)
    else:
        answer = to_markdown(text_format, text, line, ctx)
    return " ".join(answer.split("\n")).strip(), to_markdown(feedback_format, feedback, line, ctx)


def weight_of(body: str, line: int, ctx: Context) -> tuple[float | None, str]:
    """``%50%text`` -> (50.0, "text"); no weight -> (None, body)."""
    stripped = body.strip(MOODLE_TRIM)
    if not WEIGHT.match(stripped):
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


def needs_feedback(feedback: str, text: str, line: int, ctx: Context, how: str = "") -> list[str]:
    if not feedback.strip():
        ctx.gap(
            line,
            f"answer {text!r} has no feedback ({how or '#feedback after it'}); every answer here "
            "explains itself to the learner",
        )
        return []
    return feedback.split("\n")


def comment_id(question: GiftQuestion, segment: Segment | None) -> str:
    """The option id from the ``// id:`` comment line under an answer, or "" without one."""
    if segment is None:
        return ""
    for offset, _number, comment in question.block.comments:
        if segment.start <= offset < segment.end and (found := _OPTION_ID_COMMENT.match(comment)):
            return found.group(1)
    return ""
