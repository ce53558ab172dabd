"""``training quiz import-gift`` and ``training quiz export-gift``: quizzes to and from Moodle;
``training quiz close-overdue``: the sweep that submits attempts past their time limit.

Thin wrappers around :mod:`training.content.gift`: the commands find the quiz or the unit in
the app's catalogue, convert, and write the file in one step, so a failed import leaves no file
behind. Problems go to stderr as ``FILE:LINE: message`` and exit non-zero.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click
from flask.cli import AppGroup

from ..content.errors import ContentError
from ..content.gift import GiftError, gift_to_quiz, quiz_to_gift
from ..content.quizfile import parse_quiz_file
from .files import write_atomically

quiz = AppGroup("quiz", help="Quizzes: exchange with Moodle in GIFT format.")


@quiz.command("export-gift")
@click.argument("quiz_id")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="GIFT file to write (default: standard output)."
)
def export_gift(quiz_id: str, out: Path | None) -> None:
    """Write the quiz QUIZ_ID as Moodle GIFT, for a question bank import in Moodle."""
    from ..course import get_catalogue

    catalogue = get_catalogue()
    if quiz_id not in catalogue.quizzes:
        known = ", ".join(sorted(catalogue.quizzes)) or "none"
        raise click.BadParameter(f"no quiz {quiz_id!r} (quizzes: {known})", param_hint="QUIZ_ID")
    raw, errors = parse_quiz_file(catalogue.quiz(quiz_id).path)
    try:
        if errors or raw is None:
            raise GiftError(errors)
        text = quiz_to_gift(raw)
    except GiftError as exc:
        _fail(exc.errors, "the quiz cannot be exported")
    if out is None:
        click.echo(text, nl=False)
        return
    write_atomically(out, text)
    click.echo(f"Wrote {quiz_id} ({len(raw.questions)} questions) to {out}.", err=True)


@quiz.command("import-gift")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--unit", "unit_id", required=True, help="Id of the unit the quiz belongs to.")
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Quiz file to write, e.g. quizzes/UNIT.md (replaced if it exists).",
)
def import_gift(file: Path, unit_id: str, out: Path) -> None:
    """Convert the GIFT file FILE into a quiz file for unit --unit."""
    from ..course import get_catalogue

    catalogue = get_catalogue()
    units = [unit.id for unit in catalogue.units]
    if unit_id not in units:
        known = ", ".join(units)
        raise click.BadParameter(f"no unit {unit_id!r} (units: {known})", param_hint="--unit")
    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        problem = ContentError(file, 1, "the file is not UTF-8 text; save it as UTF-8")
        _fail([problem], "nothing written")
    lessons = {unit.id: frozenset(lesson.id for lesson in unit.lessons) for unit in catalogue.units}
    quizzes = {quiz_id: q.unit_id for quiz_id, q in catalogue.quizzes.items()}
    try:
        result = gift_to_quiz(text, unit_id, file, lessons=lessons, quizzes=quizzes)
    except GiftError as exc:
        _fail(exc.errors, "nothing written")
    for note in (*result.notes, *result.gaps):
        click.echo(str(note), err=True)
    write_atomically(out, result.text)
    kind = "draft quiz" if result.draft else "quiz"
    click.echo(
        f"Wrote {kind} {result.quiz_id} ({result.questions} questions) for unit {unit_id} "
        f"to {out}. Check it with: training content check",
        err=True,
    )
    if result.draft:
        click.echo(
            f"Learners do not see it until it is complete: fill in what 'content check' lists for {out}, "
            "then remove 'draft: true'.",
            err=True,
        )


@quiz.command("close-overdue")
@click.option("--limit", default=500, show_default=True, help="At most this many attempts per run.")
def close_overdue(limit: int) -> None:
    """Submit, as they stand, open attempts past their quiz's time limit (run it every few
    minutes from cron or a systemd timer; the learner's next request does it too)."""
    from ..course import get_catalogue
    from ..services.attempts import close_overdue as sweep

    closed = sweep(get_catalogue(), limit=limit)
    click.echo(f"{closed} overdue attempt(s) submitted.", err=True)


def _fail(errors: list[ContentError], outcome: str) -> NoReturn:
    for error in errors:
        click.echo(str(error), err=True)
    click.echo(f"{len(errors)} problem(s); {outcome}.", err=True)
    sys.exit(1)


COMMANDS = [quiz]
