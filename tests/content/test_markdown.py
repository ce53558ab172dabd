"""Markdown rendering: sanitised output, trainer-only blocks kept out of learner HTML."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from training.content import build_catalogue
from training.content.blocks import split_blocks
from training.content.markdown import render, render_inline, sanitize

from ..conftest import MINIMAL, ROOT

SOURCE = Path("lesson.md")

PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "![x](data:text/html,<script>alert(1)</script>)",
    '<svg onload="alert(1)"></svg>',
    '<iframe src="https://evil.example"></iframe>',
    '<a href="#" style="background:url(javascript:alert(1))">x</a>',
    "<style>body{display:none}</style>",
]


class _Elements(HTMLParser):
    """Every element and attribute a browser would build from the HTML (text is not markup)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend((k, v or "") for k, v in attrs)


def elements(html: str) -> _Elements:
    parsed = _Elements()
    parsed.feed(html)
    parsed.close()
    return parsed


@pytest.mark.parametrize("payload", PAYLOADS)
def test_dangerous_markup_is_neutralised(payload: str):
    """No element, handler or address that could run or load anything survives; what the
    author typed as markup reads as text instead of vanishing."""
    html = render(f"Text before.\n\n{payload}\n\nText after.", source=SOURCE).html
    found = elements(html)
    assert not {"script", "iframe", "svg", "style", "object", "embed"} & set(found.tags)
    assert not [k for k, _ in found.attributes if k.startswith("on") or k == "style"]
    for key, value in found.attributes:
        if key in ("href", "src"):
            assert not value.lower().strip().startswith(("javascript:", "data:")), (key, value)
    assert "<img" not in html or 'src="/course-images/' in html
    assert "Text before." in html and "Text after." in html


def test_tag_like_text_is_kept_as_text():
    html = render("(Watch the <quotes> here) and <b>this</b>, 3 < 4 > 2.", source=SOURCE).html
    assert html == "<p>(Watch the &lt;quotes&gt; here) and &lt;b&gt;this&lt;/b&gt;, 3 &lt; 4 &gt; 2.</p>"
    assert render_inline("An <option> & more") == "An &lt;option&gt; &amp; more"


def test_raw_html_blocks_are_text_too():
    html = render('<div class="x">\nInside\n</div>', source=SOURCE).html
    assert "&lt;div class=" in html and "Inside" in html and "<div" not in html


def test_tables_scroll_in_a_named_focusable_region_and_keep_alignment():
    html = render("| Region | Count | Trend |\n|:--|--:|:-:|\n| North | 12 | up |\n", source=SOURCE).html
    assert html.startswith(
        '<div aria-label="Region, Count, Trend" class="table-scroll" role="region" tabindex="0"><table>'
    )
    assert '<td align="right">12</td>' in html and '<td align="center">up</td>' in html


def test_an_image_without_a_course_resolver_shows_its_alt_text():
    assert render("![A map](map.png)", source=SOURCE).html == "<p><span>A map</span></p>"


def test_admonitions_tables_footnotes_and_definition_lists_render():
    text = (
        '!!! example "Case"\n    Body.\n\n'
        "| A | B |\n|---|---|\n| 1 | 2 |\n\n"
        "A claim.[^1]\n\n[^1]: The note.\n\n"
        "Term\n:   Definition\n"
    )
    html = render(text, source=SOURCE).html
    assert '<div class="admonition example">' in html
    assert "<table>" in html and "<td>1</td>" in html
    assert 'class="footnote"' in html and "<dl>" in html


def test_links_are_marked_noopener():
    html = render("[IOM](https://www.iom.int)", source=SOURCE).html
    assert 'rel="noopener noreferrer"' in html


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_rendered_output_is_already_clean(text: str):
    html = render(text, source=SOURCE).html
    assert sanitize(html) == html  # a fixed point of the sanitiser: nothing left to remove


def test_trainer_blocks_are_cut_from_the_learner_text():
    split = split_blocks("Intro.\n\n::: facilitator-notes\nSECRET\n:::\n\nOutro.", SOURCE, 1)
    assert "SECRET" not in split.learner_markdown
    assert "SECRET" in split.blocks[0].markdown
    assert "Intro." in split.learner_markdown and "Outro." in split.learner_markdown


def test_no_trainer_text_reaches_any_learner_page_of_the_real_course():
    catalogue = build_catalogue(ROOT)
    for unit in catalogue.units:
        lesson_html = " ".join(lesson.html for lesson in unit.lessons) + unit.html
        for lesson in (*unit.lessons, unit):
            for block in lesson.blocks:
                assert 'class="trainer-only' in lesson.guide_html
                sample = _first_sentence(block.html)
                if sample:
                    assert sample not in lesson_html, f"{unit.id}: trainer text leaked: {sample!r}"


def _first_sentence(html: str) -> str:
    import re

    text = re.sub(r"<[^>]+>", " ", html)
    words = text.split()
    return " ".join(words[:8]) if len(words) >= 8 else ""


def test_fixture_catalogue_keeps_trainer_blocks_for_the_guide():
    catalogue = build_catalogue(MINIMAL)
    unit = catalogue.unit("alpha")
    assert "ALPHA-TRAINER-NOTE" in unit.guide_html and "ALPHA-TRAINER-NOTE" not in unit.html
    assert {b.kind.value for b in unit.blocks} == {"facilitator-notes", "discussion", "activity", "handout"}
    activity = next(b for b in unit.blocks if b.kind.value == "activity")
    assert (activity.id, activity.title, activity.minutes) == ("sorting", "Sorting cards", 60)


def test_images_give_way_to_their_alt_text_where_only_words_fit():
    from training.content.markdown import images_as_alt_html, images_as_alt_text

    assert images_as_alt_text("![A chart &amp; a map](images/x.png) First") == "A chart &amp; a map First"
    html = '<img alt="A chart &amp; a map" src="/course-images/quiz/ab.png" width="6"> First'
    assert images_as_alt_html(html) == "A chart &amp; a map First"
