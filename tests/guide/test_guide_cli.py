"""``training guide build`` and ``training guide agenda``: the planner's options on the command line."""

from __future__ import annotations

from .conftest import needs_poppler, pdf_info, pdf_text, searchable


@needs_poppler
def test_guide_build_writes_a_workshop_edition_for_the_chosen_units(runner, tmp_path):
    out = tmp_path / "alpha.pdf"
    result = runner.invoke(
        args=[
            "guide",
            "build",
            "--out",
            str(out),
            "--units",
            "alpha",
            "--days",
            "1",
            "--hours-per-day",
            "6",
            "--day-start",
            "08:30",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Everything fits" in result.stderr and "Wrote" in result.stderr
    assert pdf_info(out)["Tagged"] == "yes"
    text = searchable(pdf_text(out))
    assert searchable("Alpha overview for learners.") in text and searchable("Beta overview.") not in text
    assert searchable("08:30–08:40") in text


def test_guide_build_refuses_unknown_units_and_impossible_days(runner, tmp_path):
    out = tmp_path / "x.pdf"
    unknown = runner.invoke(args=["guide", "build", "--out", str(out), "--units", "alpha,nope"])
    assert unknown.exit_code == 2 and "unknown unit(s): nope" in unknown.output
    late = runner.invoke(args=["guide", "build", "--out", str(out), "--day-start", "21:00", "--hours-per-day", "6"])
    assert late.exit_code == 2 and "after midnight" in late.output
    assert runner.invoke(args=["guide", "build", "--out", str(out), "--days", "0"]).exit_code == 2
    assert not out.exists()


def test_guide_agenda_prints_clock_times_and_says_when_content_does_not_fit(runner):
    fits = runner.invoke(args=["guide", "agenda", "--days", "1"])
    assert fits.exit_code == 0 and "Day 1" in fits.output and "09:00-09:10  unit 1: Welcome" in fits.output
    over = runner.invoke(args=["guide", "agenda", "--days", "1", "--hours-per-day", "2"])
    assert over.exit_code == 3
    assert "does not fit: over by" in over.stderr and "What you could do" in over.stderr


def test_guide_build_all_fills_the_shared_store_once_for_every_server(runner, app, catalogue):
    import sqlalchemy as sa

    from training.extensions import db
    from training.models import GuidePdf

    first = runner.invoke(args=["guide", "build", "--all"])
    assert first.exit_code == 0, first.output
    expected = 1 + 4 * len(catalogue.units)  # the guide; per unit two handouts, the quiz sheet and its key
    assert f"{expected} PDFs ready" in first.stderr
    db.session.rollback()
    kinds = db.session.scalars(sa.select(GuidePdf.kind)).all()
    assert sorted(set(kinds)) == ["guide", "handout", "participant-handouts", "quiz-key", "quiz-sheet"]
    assert len(kinds) == expected
    created = db.session.scalars(sa.select(GuidePdf.created_at)).all()
    again = runner.invoke(args=["guide", "build", "--all"])  # a second deploy: nothing typeset again
    assert again.exit_code == 0
    db.session.rollback()
    assert db.session.scalars(sa.select(GuidePdf.created_at)).all() == created


def test_guide_build_needs_a_file_or_all(runner):
    result = runner.invoke(args=["guide", "build"])
    assert result.exit_code == 2 and "--out FILE.pdf, or --all" in result.output


def test_guide_build_refuses_a_language_the_course_is_not_in(runner, tmp_path):
    result = runner.invoke(args=["guide", "build", "--out", str(tmp_path / "x.pdf"), "--lang", "xx"])
    assert result.exit_code == 2 and "the course is not in 'xx'" in result.output
    assert not (tmp_path / "x.pdf").exists()
