"""Languages and scripts on paper: French and Spanish hyphenated by their own rules,
Arabic laid out right to left, Chinese, Devanagari and emoji printed in fonts made for
them, and a warning naming the file and line of a character no font has.

Each test copies the fixture course and adds a sample text (``tests/fixtures/text``) to a
lesson, as its body and as a key term's definition (the glossary's narrow columns make the
typesetter hyphenate).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from training import create_app
from training.content import build_catalogue
from training.course import get_catalogue
from training.extensions import db
from training.guide import handout_pdf
from training.guide.fonts import missing_characters

from ..helpers import FIXTURES, MINIMAL, make_config, reset_database
from .conftest import needs_poppler, pdf_catalog_language

pytestmark = needs_poppler
SAMPLES = FIXTURES / "text"
LESSON = Path("modules/01-alpha/01-first-steps.md")


def course_with(tmp_path: Path, sample: str, language: str = "en") -> Path:
    folder = tmp_path / f"course-{language}-{abs(hash(sample)) % 10**8}"
    shutil.copytree(MINIMAL, folder)
    settings = folder / "trainer_guide" / "guide.yaml"
    settings.write_text(settings.read_text().replace("language: en", f"language: {language}"))
    lesson = folder / LESSON
    flat = " ".join(sample.split())
    text = lesson.read_text().replace(
        "definition: A move forward.", f"definition: {json.dumps(flat, ensure_ascii=False)}"
    )
    lesson.write_text(f"{text}\n{sample}\n")
    return folder


@pytest.fixture
def app_for():
    """An app over another course folder; its database connections are closed afterwards."""
    apps = []

    def make(tmp_path: Path, folder: Path):
        app = create_app(make_config(tmp_path, CONTENT_DIR=str(folder)))
        reset_database(app)
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def handout(tmp_path: Path, folder: Path) -> Path:
    catalogue = build_catalogue(folder)
    path = tmp_path / f"{folder.name}.pdf"
    path.write_bytes(handout_pdf(catalogue, catalogue.units[0]))
    return path


def hyphenated(path: Path) -> list[str]:
    """The word pieces before each hyphen the typesetter added at a line's end."""
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    return [line.split()[-1] for line in text.splitlines() if line.endswith("\u00ad")]


@pytest.mark.parametrize("language", ["fr", "es"])
def test_french_and_spanish_are_hyphenated_by_their_own_rules(tmp_path, language):
    sample = (SAMPLES / f"{language}.md").read_text(encoding="utf-8")
    pdf = handout(tmp_path, course_with(tmp_path, sample, language))
    assert pdf_catalog_language(pdf) == language
    pieces = hyphenated(pdf)
    assert len(pieces) >= 3, pieces
    words = set(sample.replace("\n", " ").split())
    for piece in pieces:  # each break falls inside a word of the sample
        assert any(word.startswith(piece.rstrip("\u00ad")) for word in words), piece
    as_english = hyphenated(handout(tmp_path, course_with(tmp_path, sample, "en")))
    assert pieces != as_english  # the language's own patterns, not English ones


def test_every_script_prints_in_a_font_made_for_it_and_arabic_runs_right_to_left(tmp_path):
    sample = (SAMPLES / "scripts.md").read_text(encoding="utf-8")
    assert missing_characters(sample) == []
    pdf = handout(tmp_path, course_with(tmp_path, sample))
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, check=True, text=True).stdout
    for family in ("NotoNaskhArabic", "NotoSansCJK", "NotoSansDevanagari"):
        assert family in fonts, fonts
    assert "Type 3" in fonts  # the colour emoji, drawn as images

    # Right to left: the sentence's first word is the rightmost on its line, and the
    # paragraph ends at the right margin, where the English text starts at the left one.
    boxes = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True)
    words = [
        (float(x_min), float(x_max), word)
        for x_min, x_max, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]+)</word>', boxes.stdout
        )
    ]

    def find(target: str) -> tuple[float, float, str]:  # poppler lists Arabic glyphs in visual order
        return next(w for w in words if target in (w[2].strip("."), w[2].strip(".")[::-1]))

    first, second = find("الهجرة"), find("الدولية")
    english = next(w for w in words if w[2] == "Other")
    assert first[0] > second[1], (first, second)
    assert first[1] > english[0] + 400  # the Arabic line starts at the right margin
    assert english[0] < second[0]


def test_guide_build_names_the_file_and_line_of_a_character_no_font_has(tmp_path, app_for):
    folder = course_with(tmp_path, "A sign from a private font: \U000f0000.")
    app = app_for(tmp_path, folder)
    out = tmp_path / "guide.pdf"
    result = app.test_cli_runner().invoke(args=["guide", "build", "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    line = (folder / LESSON).read_text().splitlines().index("A sign from a private font: \U000f0000.") + 1
    assert f"warning: {LESSON}:{line}: no font has" in result.stderr
    assert "U+F0000" in result.stderr and out.exists()
    clean = app.test_cli_runner().invoke(args=["guide", "build", "--units", "beta", "--out", str(out)])
    assert "no font has" not in clean.stderr


def test_a_french_guide_prints_the_french_course_with_french_labels(tmp_path, app_for):
    from training.guide import guide_pdf
    from training.i18n import force_locale

    app = app_for(tmp_path, FIXTURES / "content" / "translated")
    with app.app_context(), force_locale("fr"):
        french = get_catalogue().in_language("fr")
        path = tmp_path / "guide-fr.pdf"
        path.write_bytes(guide_pdf(french))
    assert pdf_catalog_language(path) == "fr"
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    for expected in (
        "Unité alpha",
        "Premiers pas",
        "Table des matières",
        "Plan de séance",
        "Quiz et corrigé",
        "15 janvier 2026",
    ):
        assert expected in text, expected
    assert "Session plan" not in text and "Alpha unit" not in text
