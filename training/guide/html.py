"""Small rewrites of the catalogue's sanitised HTML so that many lessons can share one page.

The catalogue renders each lesson for its own web page: headings start at ``h2``, ids are
unique within the lesson only, and links to other lessons are platform URLs
(``/units/<unit>/<lesson>``). In the one-page guide and in the handouts the same HTML sits
under unit and lesson headings, next to other lessons, and is printed: so headings move down
to fit the outline, ids get a per-lesson prefix, and lesson links become in-page anchors.

The input is always nh3 output (attributes double-quoted, ``<`` and ``>`` escaped in text),
so tag-level regular expressions are enough and no attribute value can hide a tag.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

_HEADING = re.compile(r"<(/?)h([1-6])\b")
_TAG = re.compile(r"<[a-zA-Z][^>]*>")
_ID_ATTR = re.compile(r'\b(id|aria-labelledby|aria-describedby)="([^"]*)"')
_FRAGMENT_HREF = re.compile(r'\bhref="#([^"]*)"')
_LESSON_LINK = re.compile(r'<a href="/units/([\w-]+)(?:/([\w-]+))?/?(?:#([^"]*))?"([^>]*)>(.*?)</a>', re.DOTALL)
_TAGS = re.compile(r"<[^>]+>")

LinkTarget = Callable[[str, str | None, str | None], str | None]
"""(unit id, lesson id or None, fragment or None) -> an in-page anchor id, or None."""


def shift_headings(fragment: str, top: int) -> str:
    """Move every heading so the highest one becomes ``h{top}``, keeping their relative levels
    (capped at ``h6``), so a lesson's ``h2`` sections sit under the guide's lesson heading."""
    levels = [int(level) for _, level in _HEADING.findall(fragment)]
    if not levels:
        return fragment
    delta = top - min(levels)
    return _HEADING.sub(lambda m: f"<{m.group(1)}h{min(6, max(1, int(m.group(2)) + delta))}", fragment)


def prefix_ids(fragment: str, prefix: str) -> str:
    """Give every id (and every reference to one) a prefix, unless it already has it, so
    footnotes and headings of two lessons on one page never collide."""

    def fix(value: str) -> str:
        return value if value.startswith(prefix) else prefix + value

    def rewrite_tag(match: re.Match[str]) -> str:
        tag = _ID_ATTR.sub(lambda m: f'{m.group(1)}="{" ".join(fix(v) for v in m.group(2).split())}"', match.group(0))
        return _FRAGMENT_HREF.sub(lambda m: f'href="#{fix(m.group(1))}"', tag)

    return _TAG.sub(rewrite_tag, fragment)


def localise_links(fragment: str, target: LinkTarget) -> str:
    """Turn links to lessons and units into in-page anchors; a link to something that is not
    in this document becomes plain text, since a bare ``/units/...`` path means nothing on paper."""

    def rewrite(match: re.Match[str]) -> str:
        unit_id, lesson_id, fragment_id, _attrs, text = match.groups()
        anchor = target(unit_id, lesson_id, fragment_id or None)
        if anchor is None:
            return f'<span class="xref-elsewhere">{text}</span>'
        return f'<a href="#{anchor}" class="xref">{text}</a>'

    return _LESSON_LINK.sub(rewrite, fragment)


def plain_text(fragment: str) -> str:
    """The words of an HTML fragment, whitespace collapsed (for tests and summaries)."""
    return " ".join(html.unescape(_TAGS.sub(" ", fragment)).split())
