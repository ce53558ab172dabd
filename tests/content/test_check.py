"""Each folder under fixtures/content/broken/ is one mistake an author can make: its files are
laid over the minimal course, and expected.txt holds exactly what the checker must report."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from training.content import ContentInvalid, build_catalogue, check

from ..conftest import FIXTURES, MINIMAL, ROOT

BROKEN = FIXTURES / "content" / "broken"
CASES = sorted(p.name for p in BROKEN.iterdir() if p.is_dir())


def broken_course(case: str, tmp_path: Path, cases: Path = BROKEN, base: Path = MINIMAL) -> Path:
    """A copy of ``base`` with the files of ``cases/case`` laid over it (and overlay.txt's deletions)."""
    course = tmp_path / "course"
    shutil.copytree(base, course)
    overlay = cases / case
    for path in overlay.rglob("*"):
        relative = path.relative_to(overlay)
        if path.is_file() and relative.name not in ("expected.txt", "overlay.txt"):
            (course / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, course / relative)
    instructions = overlay / "overlay.txt"
    if instructions.exists():
        for line in instructions.read_text().splitlines():
            verb, _, target = line.partition(" ")
            assert verb == "DELETE"
            (course / target).unlink()
    return course


def report(errors, course: Path) -> list[str]:
    return [f"{e.path.relative_to(course)}:{e.line}: {e.message}" for e in errors]


def test_minimal_course_is_valid():
    assert check(MINIMAL) == []


def test_shipped_course_is_valid():
    """The real modules/, quizzes/ and trainer_guide/ pass every check."""
    assert [str(e) for e in check(ROOT)] == []


@pytest.mark.parametrize("case", CASES)
def test_checker_reports_each_mistake_with_its_location(case: str, tmp_path: Path):
    course = broken_course(case, tmp_path)
    expected = (BROKEN / case / "expected.txt").read_text().splitlines()
    assert report(check(course), course) == expected


def test_invalid_content_raises_with_every_problem(tmp_path: Path):
    course = broken_course("unknown_unit", tmp_path)
    with pytest.raises(ContentInvalid) as raised:
        build_catalogue(course)
    assert len(raised.value.errors) == 2
    assert "unknown unit 'gamma'" in str(raised.value)
