"""A Moodle question bank comes in as a draft quiz: ``content check`` lists what it lacks,
and learners do not see it until it is complete."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from training.cli import cli
from training.content import build_catalogue
from training.content.gift import gift_to_quiz

from ..helpers import FIXTURES, MINIMAL

BANK = FIXTURES / "gift" / "moodle-style.gift"
LESSONS = {"alpha": frozenset({"first-steps", "second-steps"}), "beta": frozenset({"only-lesson", "beta-two"})}


def _draft_course(folder: Path) -> Path:
    """The minimal course with its alpha quiz replaced by the imported Moodle bank."""
    shutil.copytree(MINIMAL, folder)
    result = gift_to_quiz(BANK.read_text(encoding="utf-8"), "alpha", BANK, lessons=LESSONS)
    (folder / "quizzes" / "alpha.md").write_text(result.text, encoding="utf-8")
    return folder


def test_a_moodle_bank_imports_every_feature_as_a_draft():
    result = gift_to_quiz(BANK.read_text(encoding="utf-8"), "alpha", BANK, lessons=LESSONS)
    assert result.draft
    text = result.text
    assert text.startswith("---\nid: alpha-quiz\nunit: alpha\ntitle: Sample bank\n")
    assert "\ndraft: true\n---\n" in text
    headings = [line[3:] for line in text.splitlines() if line.startswith("## ")]
    assert headings[:7] == ["activities", "colour", "colours", "number", "range", "animal", "answer"]
    assert len(headings) == 10  # the essay skipped
    assert headings[7].startswith("escapes-a-brace-a-tilde-a-")
    assert "Escapes: a {brace}, a ~tilde, a #hash and an =equals are text." in text
    assert "What lies between orange and green\nin the spectrum?" in text
    assert "The River Nile flows into the \\_\\_\\_\\_\\_ Sea." in text
    assert "- [x] Mediterranean Sea\n" in text
    assert "Match the **activity** to what it does." in text
    assert "- [ ] red {#red}\n  > wrong, it is *yellow*\n- [ ] blue {#blue}\n  > wrong, it is *yellow*" in text
    assert "<script>" not in text and "Is **this** safe?" in text
    assert "- [x] yellow {#yellow}" in text and "- [ ] black {#black}" in text and "- [x] violet {#violet}" in text
    assert "- [x] Cat\n" in text
    notes = "\n".join(str(n) for n in result.notes)
    assert "moodle-style.gift:6: note: skipped: an essay question" in notes
    assert "## number\ntype: numeric\n\nPick a number from 1 to 5.\n\n- [x] 3 ± 2\n" in text
    assert "## range\ntype: numeric\n\nAnd one from 1 to 5 again.\n\n- [x] 1..5\n" in text
    assert "note: skipped: a numerical" not in notes
    assert "moodle-style.gift:13: note: skipped: the extra right side 'Chat'" in notes


def test_content_check_lists_what_a_draft_lacks_and_passes(tmp_path: Path):
    course = _draft_course(tmp_path / "course")
    catalogue = build_catalogue(course)
    [draft] = catalogue.drafts
    assert draft.id == "alpha-quiz" and "alpha-quiz" not in catalogue.quizzes
    assert catalogue.unit("alpha").quiz_id is None
    gaps = [str(g).split("quizzes/alpha.md:", 1)[1] for g in draft.gaps]
    assert any(
        g.endswith("question 'activities' needs a 'lesson:' line naming the lesson that teaches it") for g in gaps
    )
    assert any("question 'colour' needs an 'Explanation:' paragraph" in g for g in gaps)
    assert any("every answer needs feedback" in g for g in gaps)
    assert any("question 'animal' needs an 'objective:' line" in g for g in gaps)
    assert any("objective 1 of unit 'alpha' is tested by no question yet" in g for g in gaps)
    result = CliRunner().invoke(cli, ["content", "check", "--content-dir", str(course)])
    assert result.exit_code == 0, result.output
    assert "Draft quiz alpha-quiz (" in result.output
    assert "is not shown to learners; it still lacks" in result.output
    listed = [line.strip() for line in result.output.splitlines() if line.startswith("  ")]
    assert len(listed) == len(draft.gaps) and all("alpha.md:" in line for line in listed)


def test_a_draft_with_a_broken_line_is_still_refused(tmp_path: Path):
    course = _draft_course(tmp_path / "course")
    quiz = course / "quizzes" / "alpha.md"
    quiz.write_text(quiz.read_text(encoding="utf-8").replace("type: single", "type: singel", 1), encoding="utf-8")
    result = CliRunner().invoke(cli, ["content", "check", "--content-dir", str(course)])
    assert result.exit_code == 1
    assert "unknown question type 'singel'" in result.output


def test_a_complete_draft_is_reported_ready(tmp_path: Path):
    course = tmp_path / "course"
    shutil.copytree(MINIMAL, course)
    quiz = course / "quizzes" / "alpha.md"
    quiz.write_text(quiz.read_text(encoding="utf-8").replace("---\n", "---\ndraft: true\n", 1), encoding="utf-8")
    result = CliRunner().invoke(cli, ["content", "check", "--content-dir", str(course)])
    assert result.exit_code == 0, result.output
    assert "is complete: remove 'draft: true' to show it to learners." in result.output


@pytest.fixture
def app_overrides(tmp_path_factory) -> dict:
    return {"CONTENT_DIR": str(_draft_course(tmp_path_factory.mktemp("draft") / "course"))}


def test_a_learner_cannot_open_a_draft_quiz(client, login_as):
    login_as("learner")
    assert client.get("/quizzes/alpha-quiz").status_code == 404
    assert client.post("/quizzes/alpha-quiz/start", data={}).status_code in (400, 404)
    unit = client.get("/units/alpha").get_data(as_text=True)
    assert "/quizzes/alpha-quiz" not in unit
    assert client.get("/quizzes/beta-quiz").status_code == 200
