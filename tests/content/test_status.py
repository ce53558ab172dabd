"""``training content status`` and ``training content stamp``: what is translated, outdated or
missing, and how a translator records that a translation matches its source again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from training.cli import cli
from training.content import build_catalogue, check
from training.content.loader import file_version, load_course
from training.content.model import TranslationState
from training.content.status import StampError, coverage, stamp

from ..conftest import MINIMAL, ROOT, TRANSLATED

LESSON = Path("modules/01-alpha/01-first-steps.md")
FRENCH = Path("modules/01-alpha/01-first-steps.fr.md")


@pytest.fixture
def course(tmp_path: Path) -> Path:
    folder = tmp_path / "course"
    shutil.copytree(TRANSLATED, folder)
    return folder


def states(folder: Path, language: str) -> dict[str, str]:
    raw, _ = load_course(folder.resolve())
    (report,) = coverage(raw, [language])
    return {str(f.source.relative_to(folder.resolve())): f.state for f in report.files}


def test_coverage_counts_every_source_file_per_language():
    catalogue = build_catalogue(TRANSLATED)
    by_language = {c.language: c for c in catalogue.coverage}
    assert list(by_language) == ["fr", "es", "ar"]
    counts = {language: tuple(c.count(state) for state in TranslationState) for language, c in by_language.items()}
    # 2 units, 4 lessons, 2 quizzes, guide.yaml and 2 guide pages
    assert counts == {"fr": (11, 0, 0), "es": (2, 0, 9), "ar": (2, 0, 9)}
    assert {str(f.translation.relative_to(TRANSLATED.resolve())) for f in by_language["ar"].of("translated")} == {
        "modules/01-alpha/01-first-steps.ar.md",
        "modules/01-alpha/02-second-steps.ar.md",
    }


def test_a_translation_is_outdated_once_its_source_changes(course: Path):
    source = course / LESSON
    source.write_text(source.read_text().replace("Read [the second lesson]", "Now read [the second lesson]"))
    found = states(course, "fr")
    assert found[str(LESSON)] == TranslationState.OUTDATED
    assert list(found.values()).count(TranslationState.OUTDATED) == 1
    assert check(course) == []  # outdated is not an error: the French text is still served


def test_stamping_marks_it_translated_again_and_changes_one_line_only(course: Path):
    source = course / LESSON
    source.write_text(source.read_text().replace("Read [the second lesson]", "Now read [the second lesson]"))
    before = (course / FRENCH).read_text().split("\n")
    version, changed = stamp(course / FRENCH)
    after = (course / FRENCH).read_text().split("\n")
    assert changed and version == file_version(source.read_text())
    assert [(a, b) for a, b in zip(before, after, strict=True) if a != b] == [
        (next(line for line in before if line.startswith("source_version:")), f'source_version: "{version}"')
    ]
    assert states(course, "fr")[str(LESSON)] == TranslationState.TRANSLATED
    assert stamp(course / FRENCH) == (version, False)


def test_stamping_adds_the_field_where_there_is_none(course: Path):
    page = course / "trainer_guide" / "how-to-use.es.md"
    page.write_text("Utilice bien esta guía.\n")
    assert states(course, "es")["trainer_guide/how-to-use.md"] == TranslationState.OUTDATED
    stamp(page)
    assert page.read_text().startswith('---\nsource_version: "')
    assert states(course, "es")["trainer_guide/how-to-use.md"] == TranslationState.TRANSLATED
    assert check(course) == []
    es = build_catalogue(course).in_language("es")
    assert es.guide.pages[0].html == "<p>Utilice bien esta guía.</p>"
    assert es.guide.pages[0].language == "es"

    settings = course / "trainer_guide" / "guide.es.yaml"
    settings.write_text("# Guía del formador\ntitle: Curso de prueba\n")
    stamp(settings)
    assert settings.read_text().split("\n")[:2] == ["# Guía del formador", settings.read_text().split("\n")[1]]
    assert settings.read_text().split("\n")[1].startswith("source_version:")
    assert check(course) == []
    assert build_catalogue(course).in_language("es").guide.title == "Curso de prueba"


def test_stamp_refuses_what_is_not_a_translation(course: Path):
    with pytest.raises(StampError, match="not a translation"):
        stamp(course / LESSON)
    orphan = course / "modules" / "01-alpha" / "09-nothing.fr.md"
    orphan.write_text("---\nid: nothing\n---\n")
    with pytest.raises(StampError, match="no 09-nothing.md beside it"):
        stamp(orphan)


# --- the commands ---------------------------------------------------------------------------


def test_status_prints_coverage_per_language():
    result = CliRunner().invoke(cli, ["content", "status", "--content-dir", str(TRANSLATED)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "Course language: English (en). Each translation covers 11 files." in lines
    assert [line.split() for line in lines if line.startswith(("French", "Spanish", "Arabic"))][:3] == [
        ["French", "(fr)", "11", "0", "0"],
        ["Spanish", "(es)", "2", "0", "9"],
        ["Arabic", "(ar)", "2", "0", "9"],
    ]
    assert "Spanish (es): 9 files to translate (--missing lists them)." in lines


def test_status_lists_outdated_and_missing_files(course: Path):
    source = course / LESSON
    source.write_text(source.read_text() + "\nOne more line.\n")
    result = CliRunner().invoke(
        cli, ["content", "status", "--content-dir", str(course), "--lang", "fr", "--lang", "ar"]
    )
    assert result.exit_code == 0, result.output
    stamp_line = next(line for line in (course / FRENCH).read_text().splitlines() if line.startswith("source_version"))
    made_from = stamp_line.split('"')[1]
    assert (
        f"  {FRENCH}  (translates {made_from}; the source is now {file_version(source.read_text())})"
        in result.output.splitlines()
    )
    assert "Spanish" not in result.output
    listed = CliRunner().invoke(cli, ["content", "status", "--content-dir", str(course), "--lang", "ar", "--missing"])
    assert "  quizzes/alpha.ar.md" in listed.output.splitlines()
    assert "  modules/01-alpha/01-first-steps.ar.md" not in listed.output.splitlines()


def test_status_refuses_a_language_the_course_does_not_declare():
    result = CliRunner().invoke(cli, ["content", "status", "--content-dir", str(TRANSLATED), "--lang", "de"])
    assert result.exit_code == 2
    assert "de: the course declares fr, es, ar" in result.output


def test_status_of_a_course_without_translations():
    result = CliRunner().invoke(cli, ["content", "status", "--content-dir", str(MINIMAL)])
    assert result.exit_code == 0
    assert "The course declares no translations" in result.output


def test_status_works_while_the_course_has_problems(course: Path):
    (course / "quizzes" / "beta.fr.md").write_text("---\nid: beta-quiz\n---\n\nno questions\n")
    assert check(course) != []
    result = CliRunner().invoke(cli, ["content", "status", "--content-dir", str(course), "--lang", "fr"])
    assert result.exit_code == 0
    assert "quizzes/beta.fr.md  (not stamped;" in result.output


def test_stamp_command(course: Path):
    source = course / LESSON
    source.write_text(source.read_text() + "\nOne more line.\n")
    result = CliRunner().invoke(cli, ["content", "stamp", str(course / FRENCH)])
    assert result.exit_code == 0, result.output
    assert f"stamped as translating source version {file_version(source.read_text())}" in result.output
    bad = CliRunner().invoke(cli, ["content", "stamp", str(course / FRENCH), str(source)])
    assert bad.exit_code == 1
    assert "already stamped" in bad.output
    assert "01-first-steps.md:1: 01-first-steps.md is not a translation" in bad.output


def test_check_fails_on_a_broken_translation_with_its_location(course: Path):
    quiz = course / "quizzes" / "alpha.fr.md"
    quiz.write_text(quiz.read_text().replace("- [x] Alpha {#alpha}", "- [ ] Alpha {#alpha}"))
    result = CliRunner().invoke(cli, ["content", "check", "--content-dir", str(course)])
    assert result.exit_code == 1
    assert any(
        line.endswith(
            "quizzes/alpha.fr.md:14: question 'pick-one': option {#alpha}: answer key changed: [ ] here "
            "but [x] in the source (line 18); the answer key is the source's"
        )
        for line in result.output.splitlines()
    )


def test_check_reports_coverage_of_a_valid_course():
    result = CliRunner().invoke(cli, ["content", "check", "--content-dir", str(TRANSLATED)])
    assert result.exit_code == 0
    assert "French (fr): 11 of 11 files translated and up to date." in result.output


def test_the_shipped_course_declares_french_and_spanish():
    result = CliRunner().invoke(cli, ["content", "status", "--content-dir", str(ROOT)])
    assert result.exit_code == 0
    assert "French (fr)" in result.output and "Spanish (es)" in result.output
