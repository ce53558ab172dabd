"""``course.yaml``: the course names itself (name, mark, footer, contact, colours), and every
mistake an author can make in it is refused with ``path:line: message``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from training.content import build_catalogue, check

from ..conftest import MINIMAL
from .test_check import report

SHIPPED = Path(__file__).resolve().parents[2]


@pytest.fixture
def course(tmp_path: Path) -> Path:
    folder = tmp_path / "course"
    shutil.copytree(MINIMAL, folder)
    return folder


def write(course: Path, text: str) -> None:
    (course / "course.yaml").write_text(
        "id: fixture-course\nname: Fixture Course\nissuer:\n  name: Fixture Publisher\n" + text
    )


def test_the_fixture_course_names_itself():
    settings = build_catalogue(MINIMAL).course
    assert (settings.name, settings.short_mark, settings.footer) == (
        "Fixture Course",
        "FX",
        "A small course the tests run on.",
    )
    assert settings.contact == "help@fixture.example"
    assert dict(settings.colours) == {"main": "#1c5e20", "dark": "#0d3b10", "accent": "#8e3a59"}


def test_the_migration_course_keeps_its_own_mark_and_words_in_every_language():
    catalogue = build_catalogue(SHIPPED)
    assert catalogue.course.short_mark == "IM"
    assert catalogue.course.footer == "A training platform for migration policy officials and trainers."
    french = catalogue.in_language("fr").course
    assert french.short_mark == "IM" and french.footer.startswith("Une plateforme de formation")
    assert french.colours == catalogue.course.colours


def test_without_a_mark_the_initials_of_the_name_stand_in(course: Path):
    (course / "course.yaml").write_text("id: fixture-course\nname: Water and Sanitation\nissuer:\n  name: X\n")
    assert build_catalogue(course).course.short_mark == "WS"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("footr: Hello\n", "course.yaml:5: unknown field 'footr' (did you mean 'footer'?)"),
        ("colors:\n  main: '#000000'\n", "course.yaml:5: unknown field 'colors' (did you mean 'colours'?)"),
        ("colours:\n  mian: '#000000'\n", "course.yaml:6: colours: unknown field 'mian' (did you mean 'main'?)"),
        ("signatory:\n  titel: Head\n", "course.yaml:6: signatory: unknown field 'titel' (did you mean 'title'?)"),
        ("mark: ABCD\n", "course.yaml:5: 'mark' is at most 3 characters, like IM"),
        ("contact: not an address\n", "course.yaml:5: 'contact' must be an email address"),
        (
            "colours:\n  main: '#f0c000'\n",
            "course.yaml:6: colours: 'main' #f0c000 has a contrast of 1.6:1 against the page background #f4f6f9; "
            "text needs at least 4.5:1 (WCAG AA): choose a darker colour",
        ),
        (
            "colours:\n  accent: '#ff8800'\n",
            "course.yaml:6: colours: 'accent' #ff8800 has a contrast of 2.2:1 against the page background #f4f6f9; "
            "text needs at least 4.5:1 (WCAG AA): choose a darker colour",
        ),
        ("colours:\n  dark: '#0b4f8a80'\n", "course.yaml:6: colours: 'dark' must be an opaque CSS colour"),
        ("colours:\n  dark: blueish\n", "course.yaml:6: colours: 'dark' must be an opaque CSS colour"),
    ],
)
def test_a_mistake_in_the_course_settings_is_refused_at_its_line(course: Path, text: str, message: str):
    write(course, text)
    found = report(check(course), course)
    assert len(found) == 1 and found[0].startswith(message), found


def test_any_css_colour_dark_enough_is_accepted(course: Path):
    write(course, "colours:\n  main: rebeccapurple\n  dark: 'rgb(20 20 60)'\n")
    assert check(course) == []
    assert dict(build_catalogue(course).course.colours) == {"main": "#663399", "dark": "#14143c"}


def test_a_translation_carries_words_only(course: Path):
    guide = course / "trainer_guide" / "guide.yaml"
    guide.write_text(guide.read_text() + "translations: [fr]\n")
    write(course, "footer: A small course.\ncontact: help@fixture.example\n")
    (course / "course.fr.yaml").write_text(
        'source_version: "000000000000"\nname: Cours\nfooter: Un petit cours.\ncontact: aide@fixture.example\n'
        "colours:\n  main: '#000000'\nfootre: x\n"
    )
    found = [line for line in report(check(course), course) if line.startswith("course.fr.yaml")]
    assert "course.fr.yaml:4: 'contact' comes from course.yaml; leave it out of a translation" in found
    assert "course.fr.yaml:5: 'colours' comes from course.yaml; leave it out of a translation" in found
    assert "course.fr.yaml:7: unknown field 'footre' (did you mean 'footer'?)" in found
