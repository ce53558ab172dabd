"""Catalogue HTML -> the typesetter's data: text stays text, directions and links settled."""

from __future__ import annotations

import shutil

from training.content import build_catalogue
from training.guide import handout_pdf
from training.guide.tree import drop_dangling_links, html_tree, ids

from ..helpers import MINIMAL
from .conftest import needs_poppler, pdf_text


def test_elements_become_nested_lists_and_screen_only_arrows_are_dropped():
    tree = html_tree(
        '<p>See <a href="#fn:1" class="footnote-ref">1</a>.</p>\n'
        '<div class="footnote"><ol><li id="fn:1"><p>A note. '
        '<a class="footnote-backref" href="#fnref:1">↩</a></p></li></ol></div>'
    )
    assert tree[0] == ["p", {}, ["See ", ["a", {"href": "#fn:1", "class": "footnote-ref"}, ["1"]], "."]]
    note = tree[1][2][0][2][0]
    assert note == ["li", {"id": "fn:1"}, [["p", {}, ["A note. "]]]]


def test_right_to_left_blocks_are_found_from_their_first_letter_unless_they_say_so():
    auto, explicit, english = html_tree('<p>«الهجرة» الدولية</p><p dir="ltr">العربية</p><p>English, then العربية</p>')
    assert auto[1] == {"dir": "rtl"}
    assert explicit[1] == {"dir": "ltr"}
    assert english[1] == {}


def test_links_to_anchors_the_document_lacks_become_plain_text():
    data = {"body": html_tree('<p id="here">x <a href="#here">in</a> <a href="#gone" class="xref">out</a></p>')}
    kept = drop_dangling_links(data, ids(data))
    [[_, _, children]] = kept["body"]
    assert children[1][0] == "a" and children[3] == ["span", {"class": "xref"}, ["out"]]


@needs_poppler
def test_typesetting_code_in_the_content_prints_as_written(tmp_path):
    course = tmp_path / "course"
    shutil.copytree(MINIMAL, course)
    lesson = course / "modules" / "01-alpha" / "01-first-steps.md"
    hostile = '#set page(width: 2cm) #panic("x") $x^2$ <label> @ref #read("/etc/passwd") \\'
    lesson.write_text(lesson.read_text() + f"\n`{hostile}` and {hostile}\n")
    catalogue = build_catalogue(course)
    pdf = tmp_path / "handout.pdf"
    pdf.write_bytes(handout_pdf(catalogue, catalogue.units[0]))
    text = " ".join(pdf_text(pdf).split())
    assert '#set page(width: 2cm) #panic("x")' in text and '#read("/etc/passwd")' in text
    assert "root:" not in text


def test_quiz_pictures_are_narrowed_to_fit_the_page_and_smaller_ones_are_kept():
    from training.guide.tree import at_most, html_tree

    tree = html_tree('<p><img alt="A chart" src="/course-images/quiz/a.png" width="600" height="360"> Alpha</p>')
    small = html_tree('<p><img alt="A dot" src="/course-images/quiz/b.png" width="40" height="40"></p>')
    assert at_most(tree, 240) == [
        [
            "p",
            {},
            [
                ["img", {"alt": "A chart", "src": "/course-images/quiz/a.png", "width": "240", "height": "144"}, []],
                " Alpha",
            ],
        ]
    ]
    assert at_most(small, 240) == small
