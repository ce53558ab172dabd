"""Split a Markdown file into YAML front matter and body, keeping line numbers.

Mappings come back as :class:`Meta`, a dict that remembers the line of each key, so later
stages can point at the exact line of a bad field.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from .errors import ContentError, close_matches, did_you_mean


class Meta(dict):
    """A YAML mapping that knows the 1-based line of itself and of each of its keys."""

    line: int = 0
    key_lines: dict[str, int]

    def line_of(self, key: str) -> int:
        return self.key_lines.get(key, self.line)


class _Loader(yaml.SafeLoader):
    """SafeLoader whose mappings are :class:`Meta` and which refuses duplicate keys."""


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Meta:
    loader.flatten_mapping(node)
    meta = Meta()
    meta.line = node.start_mark.line + 1
    meta.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in meta:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        meta[key] = loader.construct_object(value_node, deep=True)
        meta.key_lines[str(key)] = key_node.start_mark.line + 1
    return meta


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _FastLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """:class:`_Loader` on libyaml's parser where PyYAML was built with it (its wheels are):
    the same constructors, several times faster on a course's hundreds of files. A text it
    refuses is parsed again by :class:`_Loader`, whose messages ``plain_yaml_error`` reads."""


_FastLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class NotUTF8(ValueError):
    def __init__(self, line: int):
        self.line = line
        super().__init__("this line holds bytes that are not UTF-8 text: save the file as UTF-8")


def decode(data: bytes) -> str:
    """A file's bytes as text: UTF-8, with or without the byte-order mark some editors write."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotUTF8(data[: exc.start].count(b"\n") + 1) from exc


class FrontMatterError(Exception):
    def __init__(self, error: ContentError):
        self.error = error
        super().__init__(str(error))


def load_yaml(text: str, path: Path, first_line: int = 1) -> Any:
    """Parse YAML text whose first line is line ``first_line`` of ``path``."""
    try:
        # Both loaders are safe loaders: no arbitrary objects are ever constructed.
        try:
            data = yaml.load(text, Loader=_FastLoader)  # noqa: S506  # nosec B506
        except yaml.YAMLError:
            data = yaml.load(text, Loader=_Loader)  # noqa: S506  # nosec B506
    except yaml.MarkedYAMLError as exc:
        line, message = plain_yaml_error(exc, text)
        raise FrontMatterError(ContentError(path, first_line + line, message, root=True)) from exc
    except yaml.YAMLError as exc:
        raise FrontMatterError(ContentError(path, first_line, f"YAML: {exc}", root=True)) from exc
    if isinstance(data, Meta):
        _shift_lines(data, first_line - 1)
    return data


_QUOTED_VALUE = re.compile(r"""^\s*(?:-\s+|[^\s"'#][^:#]*:\s+)(["'])(.*)$""")


def _unclosed_quote(lines: list[str], last: int) -> int | None:
    """The first line up to ``last`` whose value opens a quotation mark it does not close.

    YAML lets a quoted value run over several lines, so the parser only fails at some later
    quotation mark, far from the mistake; front matter never needs such values."""
    for index, line in enumerate(lines[: last + 1]):
        found = _QUOTED_VALUE.match(line)
        if not found:
            continue
        quote, rest = found.groups()
        rest = rest.replace("\\\\", "").replace('\\"', "") if quote == '"' else rest.replace("''", "")
        if quote not in rest:
            return index
    return None


def plain_yaml_error(exc: yaml.MarkedYAMLError, text: str = "") -> tuple[int, str]:
    """The parser's complaint in an author's words, at the 0-based line where the mistake is.

    PyYAML reads ahead, so its problem mark is often the line after the mistake; where the
    context mark names the line that started the trouble (an opened quote, a key without
    ':'), that line is the one to fix.
    """
    problem = exc.problem or exc.context or "invalid YAML"
    context = exc.context or ""
    problem_line = exc.problem_mark.line if exc.problem_mark else 0
    context_line = exc.context_mark.line if exc.context_mark else problem_line
    quote_line = _unclosed_quote(text.split("\n"), problem_line)
    if quote_line is not None:
        return quote_line, "YAML: a quotation mark opened on this line is never closed"
    if "duplicate key" in problem:
        return problem_line, f"YAML: {problem}: each field may appear once"
    if "quoted scalar" in context:
        return context_line, "YAML: a quotation mark opened on this line is never closed"
    if "simple key" in context:
        return context_line, "YAML: this line is not 'field: value' (is the ':' missing?)"
    if "mapping values are not allowed" in problem:
        return problem_line, (
            "YAML: a ': ' inside a value, or a line indented more than the field above it; "
            'put a value that contains ": " in quotes'
        )
    if "cannot start any token" in problem:
        char = problem.split("'")[1] if "'" in problem else ""
        if char == "\\t":
            return problem_line, "YAML: a tab character; indent with spaces"
        return problem_line, f"YAML: a value cannot start with {char!r}; put the value in quotes"
    if "undefined alias" in problem:
        return problem_line, "YAML: a value cannot start with '*'; put the value in quotes"
    if "flow" in context:
        return context_line, "YAML: a list '[...]' or mapping '{...}' is not closed, or holds a ':' outside quotes"
    if "but found '<scalar>'" in problem:
        return problem_line, (
            "YAML: text after the closing quotation mark of a value; inside quotes, write a quotation "
            "mark twice ('it''s') or quote the value with the other mark (\"it's\")"
        )
    if "expected <block end>" in problem:
        return problem_line, "YAML: this line does not line up with the lines above it (check its indentation)"
    return problem_line, f"YAML: {problem}"


def _shift_lines(value: Any, offset: int) -> None:
    if isinstance(value, Meta):
        value.line += offset
        value.key_lines = {k: v + offset for k, v in value.key_lines.items()}
        for item in value.values():
            _shift_lines(item, offset)
    elif isinstance(value, list):
        for item in value:
            _shift_lines(item, offset)


def split_front_matter(text: str, path: Path) -> tuple[Meta, str, int]:
    """Return ``(meta, body, body_line)``; ``body_line`` is the file line where the body starts.

    The file must begin with a line ``---``; the front matter ends at the next ``---`` line.
    """
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        raise FrontMatterError(
            ContentError(path, 1, "front matter missing: the file must start with a line '---'", root=True)
        )
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            break
    else:
        raise FrontMatterError(ContentError(path, 1, "front matter not closed by a line '---'", root=True))
    meta = load_yaml("\n".join(lines[1:index]), path, first_line=2)
    if meta is None:
        meta = Meta()
        meta.line, meta.key_lines = 1, {}
    if not isinstance(meta, Meta):
        raise FrontMatterError(ContentError(path, 2, "front matter must be a mapping of fields", root=True))
    return meta, "\n".join(lines[index + 1 :]), index + 2


def refuse_unknown_fields(
    meta: Meta, keys: tuple[str, ...], path: Path, errors: list[ContentError], where: str = ""
) -> set[str]:
    """Refuse a field the platform does not read (a typo such as ``shuffel``), which would
    otherwise be ignored without a word; the same rule for source files and translations.

    Returns the known fields the unknown ones were close to, so that a check can leave out
    "'duration' is required" when the author wrote 'duraton'."""
    misspelt: set[str] = set()
    for key in map(str, meta):
        if key not in keys:
            errors.append(
                ContentError(path, meta.line_of(key), f"{where}unknown field {key!r}{did_you_mean(key, keys)}")
            )
            misspelt.update(close_matches(key, keys))
    return misspelt
