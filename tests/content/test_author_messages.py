"""What an author from another organisation meets when a course breaks in ways a fixture folder
cannot hold (links, encodings, byte-order marks) or that need many small variants (YAML)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from training.content import check

from ..conftest import MINIMAL
from .test_check import report

LESSON = Path("modules/01-alpha/02-second-steps.md")


@pytest.fixture
def course(tmp_path: Path) -> Path:
    folder = tmp_path / "course"
    shutil.copytree(MINIMAL, folder)
    return folder


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the course holding text that must never be read."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def test_a_lesson_linked_to_a_file_outside_the_course_is_refused_unread(course: Path, outside: Path):
    secret = outside / "secret.md"
    shutil.copy(course / LESSON, secret)
    secret.write_text(secret.read_text().replace("The second lesson.", "OUTSIDE-SECRET-TEXT."))
    (course / LESSON).unlink()
    (course / LESSON).symlink_to(secret)
    errors = check(course)
    assert report(errors, course) == [
        f"{LESSON}:1: this file is a link to {secret}, outside the course folder: copy the file into the course instead"
    ]
    assert "OUTSIDE-SECRET-TEXT" not in str(errors)


def test_a_modules_folder_linked_outside_the_course_is_refused(course: Path, outside: Path):
    shutil.move(course / "modules", outside / "modules")
    (course / "modules").symlink_to(outside / "modules")
    assert report(check(course), course) == [
        f"modules:1: this folder is a link to {outside / 'modules'}, outside the course folder: "
        "copy the folder into the course instead"
    ]


def test_a_unit_folder_linked_outside_the_course_is_refused(course: Path, outside: Path):
    shutil.move(course / "modules" / "02-beta", outside / "02-beta")
    (course / "modules" / "02-beta").symlink_to(outside / "02-beta")
    assert report(check(course), course) == [
        f"modules/02-beta:1: this folder is a link to {outside / '02-beta'}, outside the course folder: "
        "copy the folder into the course instead"
    ]


def test_a_link_that_stays_inside_the_course_is_read(course: Path):
    """Links are not refused as such: only where they lead."""
    shared = course / "shared-lesson.md"
    shutil.move(course / LESSON, shared)
    (course / LESSON).symlink_to(shared)
    assert check(course) == []


@pytest.mark.parametrize(
    "name",
    [
        str(LESSON),
        "modules/01-alpha/unit.md",
        "quizzes/alpha.md",
        "trainer_guide/guide.yaml",
        "trainer_guide/how-to-use.md",
    ],
)
def test_a_byte_order_mark_is_accepted_in_every_file(course: Path, name: str):
    path = course / name
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert check(course) == []


def test_bytes_that_are_not_utf8_are_reported_at_their_line_and_nothing_else(course: Path):
    path = course / LESSON
    lines = path.read_bytes().split(b"\n")
    lines[6] = lines[6].replace(b"second", b"s\xe9cond")  # Latin-1 "é" on line 7
    path.write_bytes(b"\n".join(lines))
    assert report(check(course), course) == [
        f"{LESSON}:7: this line holds bytes that are not UTF-8 text: save the file as UTF-8"
    ]


def test_a_missing_folder_is_reported_at_line_1_and_its_consequences_are_not(course: Path):
    shutil.rmtree(course / "quizzes")
    assert report(check(course), course) == ["quizzes:1: folder missing: one quiz file per unit goes here"]


@pytest.mark.parametrize(
    "old, new, line, message",
    [
        (
            "title: Second steps",
            "title: Case: second steps",
            3,
            "YAML: a ': ' inside a value, or a line indented more than the field above it; "
            'put a value that contains ": " in quotes',
        ),
        ("title: Second steps", "title Second steps", 3, "YAML: this line is not 'field: value' (is the ':' missing?)"),
        (
            "title: Second steps",
            'title: "Second steps',
            3,
            "YAML: a quotation mark opened on this line is never closed",
        ),
        ("order: 2", "\torder: 2", 4, "YAML: a tab character; indent with spaces"),
        (
            "title: Second steps",
            "title: 'Second step's'",
            3,
            "YAML: text after the closing quotation mark of a value; inside quotes, write a quotation "
            "mark twice ('it''s') or quote the value with the other mark (\"it's\")",
        ),
        ("title: Second steps", "title: @second", 3, "YAML: a value cannot start with '@'; put the value in quotes"),
        ("order: 2", "order: 2\norder: 3", 5, "YAML: duplicate key 'order': each field may appear once"),
        (
            "  - Take the second step.",
            "  - Take the second step.\n - Badly indented.",
            8,
            "YAML: this line does not line up with the lines above it (check its indentation)",
        ),
    ],
)
def test_yaml_mistakes_are_told_in_plain_words_at_the_line_to_fix(
    course: Path, old: str, new: str, line: int, message: str
):
    path = course / LESSON
    path.write_text(path.read_text().replace(old, new, 1))
    assert report(check(course), course) == [f"{LESSON}:{line}: {message}"]
