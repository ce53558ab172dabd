"""``training content check``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from ..config import PROJECT_ROOT
from ..content import build_catalogue
from ..content import check as check_content

content = AppGroup("content", help="Course content files.")


@content.command("check", with_appcontext=False)
@click.option("--content-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder holding modules/, quizzes/ and trainer_guide/ (default: TRAINING_CONTENT_DIR).")
def content_check(content_dir: Path | None) -> None:
    """Validate the course; print every problem as path:line: message."""
    folder = content_dir or Path(os.environ.get("TRAINING_CONTENT_DIR") or PROJECT_ROOT)
    errors = check_content(folder)
    for error in errors:
        click.echo(str(error), err=True)
    if errors:
        click.echo(f"{len(errors)} problem(s) found.", err=True)
        sys.exit(1)
    catalogue = build_catalogue(folder)
    lessons = catalogue.all_lessons()
    questions = sum(len(q.questions) for q in catalogue.quizzes.values())
    click.echo(
        f"Content OK: {len(catalogue.units)} units, {len(lessons)} lessons "
        f"({catalogue.word_count} words), {len(catalogue.quizzes)} quizzes, {questions} questions; "
        f"version {catalogue.version}."
    )



COMMANDS = [content]
