"""``training content check``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from ..config import PROJECT_ROOT
from ..content import ContentInvalid, build_catalogue

content = AppGroup("content", help="Course content files.")


@content.command("check", with_appcontext=False)
@click.option(
    "--content-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder holding modules/, quizzes/ and trainer_guide/ (default: TRAINING_CONTENT_DIR).",
)
def content_check(content_dir: Path | None) -> None:
    """Validate the course; print every problem as path:line: message."""
    folder = content_dir or Path(os.environ.get("TRAINING_CONTENT_DIR") or PROJECT_ROOT)
    try:
        catalogue = build_catalogue(folder)
    except ContentInvalid as exc:
        for error in exc.errors:
            click.echo(str(error), err=True)
        click.echo(f"{len(exc.errors)} problem(s) found.", err=True)
        sys.exit(1)
    lessons = catalogue.all_lessons()
    questions = sum(len(q.questions) for q in catalogue.quizzes.values())
    click.echo(
        f"Content OK: {len(catalogue.units)} units, {len(lessons)} lessons "
        f"({catalogue.word_count} words), {len(catalogue.quizzes)} quizzes, {questions} questions; "
        f"version {catalogue.version}."
    )


COMMANDS = [content]
