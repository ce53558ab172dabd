"""Sanitised catalogue HTML -> a plain tree the typesetter walks: ``str`` for text,
``[tag, attributes, children]`` for an element.

The PDF templates never read markup from the content: they receive this tree as JSON data
and draw each element with a function of their own, so no text of the course can be read as
typesetting code, whatever characters it holds. The input is nh3 output (a small, fixed set
of tags), so the standard library's parser is enough.

Two things are settled here rather than in the templates:

* **Direction.** An element whose first strong character is right-to-left (Arabic, Hebrew,
  ...) and that does not say its direction gets ``dir="rtl"``, as HTML's ``dir="auto"``
  would: a paragraph of Arabic in an English course lays out right to left.
* **Links.** Links to ids that the document does not contain become plain text
  (:func:`drop_dangling_links`), since a link to nowhere would stop the typesetter.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from html.parser import HTMLParser
from typing import Any

Node = Any
"""``str`` or ``[tag, {attribute: value}, [children]]``."""

KEPT_ATTRIBUTES = frozenset(
    {"id", "class", "href", "lang", "dir", "colspan", "rowspan", "start", "align", "title"}
    | {"src", "alt", "width", "height"}  # images
)
VOID = frozenset({"br", "hr", "img", "col"})
BLOCKS = frozenset(
    {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "td", "th", "dt", "dd", "blockquote", "div", "section", "caption"}
)
SKIPPED_CLASSES = frozenset({"footnote-backref"})
"""Elements that only make sense on screen ("back to the text" arrows)."""


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root: list[Node] = []
        self.stack: list[list[Node]] = [self.root]
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        kept = {k: v or "" for k, v in attrs if k in KEPT_ATTRIBUTES}
        if self.skipping or SKIPPED_CLASSES & set(kept.get("class", "").split()):
            if tag not in VOID:
                self.skipping += 1
            return
        element: Node = [tag, kept, []]
        self.stack[-1].append(element)
        if tag not in VOID:
            self.stack.append(element[2])

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID and not self.skipping:
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if self.skipping:
            self.skipping -= 1
            return
        if len(self.stack) > 1:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        children = self.stack[-1]
        if children and isinstance(children[-1], str):
            children[-1] += data
        else:
            children.append(data)


def html_tree(fragment: str) -> list[Node]:
    """The tree of an HTML fragment, whitespace between blocks dropped, with directions set."""
    builder = _Builder()
    builder.feed(fragment)
    builder.close()
    return [_settle(node) for node in _trim(builder.root)]


def _trim(children: list[Node]) -> list[Node]:
    """Drop whitespace-only text between elements (it carries no meaning in HTML either)."""
    return [c for c in children if not (isinstance(c, str) and not c.strip())] if _has_block(children) else children


def _has_block(children: list[Node]) -> bool:
    return any(isinstance(c, list) and (c[0] in BLOCKS or c[0] in {"ul", "ol", "dl", "table", "tr"}) for c in children)


_SPACES = re.compile(r"[ \t\r\n\f]+")


def _settle(node: Node, pre: bool = False) -> Node:
    if isinstance(node, str):
        return node if pre else _SPACES.sub(" ", node)  # HTML collapses white space, outside <pre>
    tag, attributes, children = node
    children = [_settle(c, pre or tag == "pre") for c in _trim(children)]
    if tag in BLOCKS and "dir" not in attributes and first_strong_direction(children) == "rtl":
        attributes = {**attributes, "dir": "rtl"}
    return [tag, attributes, children]


def first_strong_direction(nodes: Iterable[Node]) -> str | None:
    """``"rtl"`` or ``"ltr"`` from the first letter with a strong direction, as ``dir="auto"``."""
    for text in texts(nodes):
        for char in text:
            kind = unicodedata.bidirectional(char)
            if kind in ("R", "AL"):
                return "rtl"
            if kind == "L":
                return "ltr"
    return None


def texts(nodes: Iterable[Node]) -> Iterator[str]:
    """The text of a tree, in order."""
    for node in nodes:
        if isinstance(node, str):
            yield node
        else:
            yield from texts(node[2])


def image_sources(value: object) -> set[str]:
    """The ``src`` of every ``<img>`` anywhere in a document's data."""
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            if len(item) == 3 and item[0] == "img" and isinstance(item[1], dict):
                found.add(item[1].get("src", ""))
            stack.extend(item)
    return found


def at_most(nodes: list[Any], width: int) -> list[Any]:
    """The tree with each ``<img>`` at most ``width`` px wide (its height follows): pictures
    in a quiz's options print small enough for a question to fit on one page."""
    out: list[Any] = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
            continue
        tag, attrs, kids = node
        if tag == "img" and attrs.get("width", "").isdigit() and int(attrs["width"]) > width:
            height = attrs.get("height", "")
            scaled = round(int(height) * width / int(attrs["width"])) if height.isdigit() else height
            attrs = {**attrs, "width": str(width), "height": str(scaled)}
        out.append([tag, attrs, at_most(kids, width)])
    return out


def ids(value: object) -> set[str]:
    """Every ``id`` (and ``anchor``) anywhere in a document's data."""
    found: set[str] = set()
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, inner in item.items():
                if key in ("id", "anchor") and isinstance(inner, str):
                    found.add(inner)
                else:
                    stack.append(inner)
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return found


def drop_dangling_links(value: Any, known: set[str]) -> Any:
    """The data with every ``<a href="#x">`` whose ``x`` is not in ``known`` made a ``span``."""
    if isinstance(value, dict):
        return {k: drop_dangling_links(v, known) for k, v in value.items()}
    if isinstance(value, list):
        if len(value) == 3 and value[0] == "a" and isinstance(value[1], dict):
            href = value[1].get("href", "")
            children = drop_dangling_links(value[2], known)
            if href.startswith("#") and href[1:] not in known:
                return ["span", {"class": value[1].get("class", "")}, children]
            return ["a", value[1], children]
        return [drop_dangling_links(v, known) for v in value]
    return value
