"""Markdown -> sanitised HTML, with one fixed extension list.

No author is trusted with HTML, and nothing an author wrote disappears: raw HTML is not
parsed at all, so ``(Watch the <quotes> …)`` or ``<script>`` in a lesson reads as the text
it is (escaped), and every rendering still goes through nh3 with an allow-list afterwards
(Python-Markdown lets ``javascript:`` links through). Links to other lesson files
(``../02-trends/01-how-many.md``) become platform URLs; links that point nowhere are
reported. Images go through an :data:`ImageResolver` (the course's, see
:mod:`training.content.images`); tables sit in a labelled scroll region that a keyboard can
reach, so a wide table scrolls on a phone instead of widening the page.
"""

from __future__ import annotations

import html
import re
import threading
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
    "img",
}
ALLOWED_ATTRIBUTES = {
    "*": {"id", "class", "lang", "dir"},
    "img": {"src", "alt", "width", "height", "loading", "decoding"},
    "div": {"role", "tabindex", "aria-label"},
    "pre": {"tabindex"},
    "a": {"href", "title"},
    "abbr": {"title"},
    "th": {"align", "scope", "colspan", "rowspan"},
    "td": {"align", "colspan", "rowspan"},
    "ol": {"start", "type"},
}
URL_SCHEMES = {"http", "https", "mailto"}

LinkResolver = Callable[[Path], str | None]
"""Maps a linked lesson file (absolute path) to its URL, or None when there is no such lesson."""

ImageResolver = Callable[[Path, str, str], dict[str, str] | None]
"""``(source file, src, alt)`` -> the ``<img>`` attributes to set (``src``, ``width``,
``height``), or None when the image is refused (the resolver records why)."""

IMAGE_URL_PREFIX = "/course-images/"


def _no_images(_source: Path, _src: str, _alt: str) -> None:
    return None


def _image_src_only_ours(tag: str, attribute: str, value: str) -> str | None:
    """Only images the course's resolver placed (under :data:`IMAGE_URL_PREFIX`) keep a source."""
    if tag == "img" and attribute == "src" and not value.startswith(IMAGE_URL_PREFIX):
        return None
    return value


def sanitize(raw_html: str) -> str:
    return nh3.clean(
        raw_html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
        attribute_filter=_image_src_only_ours,
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


class _ImageRewriter(Treeprocessor):
    """Course images get their served URL and size; a refused image leaves its alt text."""

    def __init__(self, md_instance: md.Markdown, source: Path, resolve: ImageResolver):
        super().__init__(md_instance)
        self.source, self.resolve = source, resolve

    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            for index, image in enumerate(list(parent)):
                if image.tag != "img":
                    continue
                alt = image.get("alt", "")
                found = self.resolve(self.source, image.get("src", ""), alt)
                if found is None:
                    text = etree.Element("span")
                    text.text, text.tail = alt, image.tail
                    parent.remove(image)
                    parent.insert(index, text)
                    continue
                for key, value in found.items():
                    image.set(key, value)
                image.set("loading", "lazy")
                image.set("decoding", "async")


class _TableRegions(Treeprocessor):
    """Each table in a ``<div role="region" tabindex="0">`` named by its header row: on a
    phone a wide table scrolls inside it, and keyboard users can reach and scroll it."""

    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            for index, table in enumerate(list(parent)):
                if table.tag != "table":
                    continue
                region = etree.Element("div", {"class": "table-scroll", "role": "region", "tabindex": "0"})
                region.set("aria-label", _table_name(table))
                region.tail, table.tail = table.tail, None
                parent.remove(table)
                region.append(table)
                parent.insert(index, region)


def _table_name(table: etree.Element) -> str:
    heads = ["".join(th.itertext()).strip() for th in table.iter("th")]
    return ", ".join(h for h in heads if h)[:150] or "Table"


class _LinkExtension(Extension):
    def __init__(self, source: Path, resolve: LinkResolver, images: ImageResolver):
        super().__init__()
        self.source, self.resolve, self.images = source, resolve, images
        self.processor: _LinkRewriter | None = None

    def extendMarkdown(self, md_instance: md.Markdown) -> None:
        # Raw HTML is text: no HTML block or inline tag is parsed, so the serializer escapes it.
        md_instance.preprocessors.deregister("html_block")
        md_instance.inlinePatterns.deregister("html")
        self.processor = _LinkRewriter(md_instance, self.source, self.resolve)
        md_instance.treeprocessors.register(self.processor, "lesson_links", 1)
        md_instance.treeprocessors.register(_ImageRewriter(md_instance, self.source, self.images), "course_images", 1)
        md_instance.treeprocessors.register(_TableRegions(md_instance), "table_regions", 0)


def render(
    text: str,
    *,
    source: Path,
    resolve: LinkResolver | None = None,
    images: ImageResolver | None = None,
    id_prefix: str = "",
) -> Rendered:
    """Render a Markdown document. ``id_prefix`` keeps heading ids unique in the one-page guide.
    Without ``images``, an image shows as its alt text."""
    links = _LinkExtension(source, resolve or (lambda _target: None), images or _no_images)
    converter = md.Markdown(
        extensions=[*EXTENSIONS, links],
        extension_configs={
            "toc": {"slugify": lambda value, sep: id_prefix + _slug(value, sep), "toc_depth": "2-3"},
            "tables": {"use_align_attribute": True},
            "footnotes": {"UNIQUE_IDS": bool(id_prefix)},
        },
        output_format="html",
    )
    # A code block scrolls sideways inside itself; tabindex lets a keyboard reach and scroll it.
    # Authors' own HTML is text by now, so every <pre> here is a code block of the Markdown.
    raw = converter.convert(text).replace("<pre>", '<pre tabindex="0">')
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
_inline = threading.local()


def _inline_converter() -> tuple[md.Markdown, _ImageRewriter]:
    """One converter per thread for :func:`render_inline`, reset before each text: building a
    Markdown instance costs more than converting a line, and a course has thousands of them
    in each language (docs/performance.md)."""
    made = getattr(_inline, "converter", None)
    if made is None:
        converter = md.Markdown(extensions=["sane_lists"], output_format="html")
        converter.preprocessors.deregister("html_block")  # raw HTML is text, as in :func:`render`
        converter.inlinePatterns.deregister("html")
        made = _inline.converter = (converter, _ImageRewriter(converter, Path(), _no_images))
    return made


def render_inline(text: str, *, source: Path | None = None, images: ImageResolver | None = None) -> str:
    """Render a one-line string (an option, a source, a definition) without the ``<p>``.
    With ``images`` (and the ``source`` file the text is from), its images are shown as in
    :func:`render`; without, an image shows as its alt text."""
    converter, rewriter = _inline_converter()
    converter.treeprocessors.deregister("course_images", strict=False)
    if source is not None:
        rewriter.source, rewriter.resolve = source, images or _no_images
        converter.treeprocessors.register(rewriter, "course_images", 1)
    raw = converter.reset().convert(text).strip()
    wrapped = _WRAPPING_P.match(raw)
    return sanitize(wrapped.group(1) if wrapped else raw)


_TAG = re.compile(r"<[^>]+>")


_MARKDOWN_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")


def images_as_alt_text(text: str) -> str:
    """Markdown text with each image ``![alt](file)`` replaced by its alt text: what a label
    in words (a review line, an answer key, a GIFT export) says in place of the picture."""
    return _MARKDOWN_IMAGE.sub(lambda found: found.group(1), text)


_IMG_TAG = re.compile(r'<img\b[^>]*?\balt="([^"]*)"[^>]*>')


def images_as_alt_html(rendered_html: str) -> str:
    """Rendered HTML with each ``<img>`` replaced by its alt text (still escaped), for places
    that can only show words, such as the choices of a drop-down."""
    return _IMG_TAG.sub(lambda found: found.group(1), rendered_html)


def word_count(rendered_html: str) -> int:
    """Words a reader sees (tags removed), counted like ``wc -w``."""
    return len(html.unescape(_TAG.sub(" ", rendered_html)).split())
