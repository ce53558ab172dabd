"""Images, aligned tables and code blocks on paper: the handout and the guide of the fixture
course with images (fixtures/content/rendering), read back with poppler."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from training.content import build_catalogue
from training.guide import guide_pdf, handout_pdf, quiz_pdf

from ..conftest import FIXTURES
from ..content.test_check import broken_course
from .conftest import needs_poppler, pdf_text

pytestmark = needs_poppler


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("image-pdfs")
    catalogue = build_catalogue(broken_course("rendering", folder, cases=FIXTURES / "content"))
    handout = folder / "handout.pdf"
    handout.write_bytes(handout_pdf(catalogue, catalogue.unit("alpha")))
    guide = folder / "guide.pdf"
    guide.write_bytes(guide_pdf(catalogue))
    found = {"handout": handout, "guide": guide}
    for name, answer_key in (("quiz-sheet", False), ("quiz-key", True)):
        found[name] = folder / f"{name}.pdf"
        found[name].write_bytes(quiz_pdf(catalogue, catalogue.unit("alpha"), answer_key=answer_key))
    return found


def raster_images(path: Path) -> list[tuple[int, int, str]]:
    """(width, height, encoding) of each raster image pdfimages finds."""
    listing = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in listing.splitlines()[2:] if line.strip()]
    return sorted((int(row[3]), int(row[4]), row[8]) for row in rows)


def test_the_lesson_images_are_printed_at_their_size(pdfs):
    assert raster_images(pdfs["handout"]) == [(400, 300, "jpeg"), (600, 360, "image")]
    # The guide prints the lessons and the quiz with its key: the prompt's photograph, the
    # right option's chart and the matching item's picture (the same file) as well.
    assert raster_images(pdfs["guide"]) == [(400, 300, "jpeg")] * 2 + [(600, 360, "image")] * 3


@pytest.mark.parametrize("document", ["quiz-sheet", "quiz-key"])
def test_the_paper_quiz_prints_the_images_of_its_question_and_options(pdfs, document: str):
    """The question's photograph, the option's chart and a matching item's picture are raster
    images on the page; the drawings (SVG, an option and a matching answer) are printed as
    vector graphics, which pdfimages does not list."""
    assert raster_images(pdfs[document]) == [(400, 300, "jpeg"), (600, 360, "image"), (600, 360, "image")]
    text = " ".join(pdf_text(pdfs[document]).split())
    assert "Which comes first?" in text and "Alpha" in text and "Beta" in text


def test_table_columns_keep_their_alignment_and_text_is_kept(pdfs):
    layout = subprocess.run(
        ["pdftotext", "-layout", str(pdfs["handout"]), "-"], capture_output=True, text=True, check=True
    ).stdout
    rows = {line.split()[0]: line for line in layout.splitlines() if re.match(r"\s*(Region|North|East)\s", line)}
    header, north, east = rows["Region"], rows["North"], rows["East"]
    # Right-aligned numbers end together, near the end of their header (pdftotext places
    # proportional text to a character or so), far from where a left-aligned one would start.
    assert north.index("1,204") + len("1,204") == east.index("830") + len("830")
    assert abs(header.index(")") + 1 - (north.index("1,204") + len("1,204"))) <= 4
    assert north.index("1,204") > header.index("Arrivals") + 20
    # Centred words share a middle.
    assert abs((north.index("up") + 1) - (east.index("flat") + 2)) <= 1
    text = pdf_text(pdfs["handout"])
    assert "(Watch the <quotes> in this sentence" in text
    assert "training content check --content-dir" in text
