"""Markdown -> sanitised HTML, with one fixed extension list.

Python-Markdown passes raw HTML and ``javascript:`` links through, so every rendering goes
through nh3 with an allow-list afterwards; no author is trusted with HTML. Links to other
lesson files (``../02-trends/01-how-many.md``) become platform URLs; links that point nowhere
are reported.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import markdown as md
import nh3
from markdown.extensions import Extension
from markdown.extensions.toc import slugify, slugify_unicode
from markdown.treeprocessors import Treeprocessor

from .model import Heading

EXTENSIONS = (
    "tables",
    "footnotes",
    "attr_list",
    "def_list",
    "admonition",
    "toc",
    "fenced_code",
    "sane_lists",
    "abbr",
)

ALLOWED_TAGS = {
    "p",
    "br",
    "hr",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "li",
    "dl",
    "dt",
    "dd",
    "strong",
    "em",
    "b",
    "i",
    "code",
    "pre",
    "blockquote",
    "a",
    "abbr",
    "sup",
    "sub",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "caption",
    "div",
    "span",
    "figure",
    "figcaption",
    "small",
    "mark",
    "del",
    "ins",
    "kbd",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "lang", "dir"},
    "a": {"href", "title"},
    "abbr": {"title"},
    "th": {"align", "scope", "colspan", "rowspan"},
    "td": {"align", "colspan", "rowspan"},
    "ol": {"start", "type"},
}
URL_SCHEMES = {"http", "https", "mailto"}

LinkResolver = Callable[[Path], str | None]
"""Maps a linked lesson file (absolute path) to its URL, or None when there is no such lesson."""


def sanitize(raw_html: str) -> str:
    return nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


@dataclass(frozen=True, slots=True)
class Rendered:
    html: str
    toc: tuple[Heading, ...]
    broken_links: tuple[str, ...]


class _LinkRewriter(Treeprocessor):
    def __init__(self, md_instance: md.Markdown, source: Path, resolve: LinkResolver):
        super().__init__(md_instance)
        self.source = source
        self.resolve = resolve
        self.broken: list[str] = []

    def run(self, root: etree.Element) -> None:
        for anchor in root.iter("a"):
            href = anchor.get("href", "")
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.endswith(".md"):
                continue
            target = (self.source.parent / parts.path).resolve()
            url = self.resolve(target)
            if url is None:
                self.broken.append(href)
            else:
                anchor.set("href", url + (f"#{parts.fragment}" if parts.fragment else ""))


class _LinkExtension(Extension):
    def __init__(self, source: Path, resolve: LinkResolver):
        super().__init__()
        self.source, self.resolve = source, resolve
        self.processor: _LinkRewriter | None = None

    def extendMarkdown(self, md_instance: md.Markdown) -> None:
        self.processor = _LinkRewriter(md_instance, self.source, self.resolve)
        md_instance.treeprocessors.register(self.processor, "lesson_links", 1)


def render(
    text: str,
    *,
    source: Path,
    resolve: LinkResolver | None = None,
    id_prefix: str = "",
) -> Rendered:
    """Render a Markdown document. ``id_prefix`` keeps heading ids unique in the one-page guide."""
    links = _LinkExtension(source, resolve or (lambda _target: None))
    converter = md.Markdown(
        extensions=[*EXTENSIONS, links],
        extension_configs={
            "toc": {"slugify": lambda value, sep: id_prefix + _slug(value, sep), "toc_depth": "2-3"},
            "tables": {"use_align_attribute": True},
            "footnotes": {"UNIQUE_IDS": bool(id_prefix)},
        },
        output_format="html",
    )
    raw = converter.convert(text)
    toc = tuple(_flatten_toc(getattr(converter, "toc_tokens", [])))
    broken = tuple(links.processor.broken) if links.processor else ()
    return Rendered(sanitize(raw), toc, broken)


def _slug(value: str, separator: str) -> str:
    """ASCII heading ids as before; headings in other scripts (Arabic) keep their letters."""
    return slugify(value, separator) or slugify_unicode(value, separator)


def _flatten_toc(tokens: list[dict]) -> list[Heading]:
    flat: list[Heading] = []
    for token in tokens:
        flat.append(Heading(token["level"], token["id"], html.unescape(token["name"])))
        flat.extend(_flatten_toc(token.get("children", [])))
    return flat


_WRAPPING_P = re.compile(r"^<p>(.*)</p>$", re.DOTALL)


def render_inline(text: str) -> str:
    """Render a one-line string (an option, a source, a definition) without the ``<p>``."""
    raw = md.markdown(text, extensions=["sane_lists"], output_format="html").strip()
    wrapped = _WRAPPING_P.match(raw)
    return sanitize(wrapped.group(1) if wrapped else raw)


_TAG = re.compile(r"<[^>]+>")


def word_count(rendered_html: str) -> int:
    """Words a reader sees (tags removed), counted like ``wc -w``."""
    return len(html.unescape(_TAG.sub(" ", rendered_html)).split())
