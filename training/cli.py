"""The ``training`` command (also ``flask --app training ...``).

Each command is a thin wrapper around the function a view calls: messages go to stderr,
errors exit non-zero, secrets come from stdin.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask.cli import AppGroup, FlaskGroup

from .config import PROJECT_ROOT
from .content import check as check_content


def _create_app(*_args: object) -> object:
    from . import create_app
    from .content import ContentInvalid

    try:
        return create_app()
    except ContentInvalid as exc:
        click.echo(str(exc), err=True)
        click.echo(f"{len(exc.errors)} problem(s) in the course content; the server will not start.", err=True)
        sys.exit(1)


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False, load_dotenv=False)
def cli() -> None:
    """Overview of International Migration: the training platform."""


content = AppGroup("content", help="Course content files.")
cli.add_command(content)


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
    from .content import build_catalogue

    catalogue = build_catalogue(folder)
    lessons = catalogue.all_lessons()
    questions = sum(len(q.questions) for q in catalogue.quizzes.values())
    click.echo(
        f"Content OK: {len(catalogue.units)} units, {len(lessons)} lessons "
        f"({catalogue.word_count} words), {len(catalogue.quizzes)} quizzes, {questions} questions; "
        f"version {catalogue.version}."
    )


users = AppGroup("users", help="Accounts.")
cli.add_command(users)


@users.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name.")
@click.option("--role", type=click.Choice(["learner", "trainer", "admin"]), default="learner", show_default=True)
@click.option("--organisation", default="", help="Organisation or ministry.")
@click.option("--country", default="", help="ISO 3166-1 alpha-2 code, e.g. KE.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_create(email: str, name: str, role: str, organisation: str, country: str, password_stdin: bool) -> None:
    """Create an account (the first administrator, for instance)."""
    from .services.accounts import AccountError, create_user

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        raise click.UsageError("give the password on standard input with --password-stdin")
    if not password:
        raise click.UsageError("the password is empty")
    try:
        user = create_user(email, name, password, role, organisation=organisation, country=country)
    except AccountError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")


@cli.command("serve", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=None, type=int, help="Worker processes (default: 2 per CPU core, at most 8).")
@click.option("--threads", default=None, type=int, help="Threads per worker (default: 4).")
@click.option("--dev", is_flag=True, help="Run the single-process development server instead of gunicorn.")
def serve(host: str, port: int, workers: int | None, threads: int | None, dev: bool) -> None:
    """Serve the platform: gunicorn with production settings, or the development server."""
    if dev:
        from werkzeug.serving import run_simple

        run_simple(host, port, _create_app(), threaded=True)
        return
    from .server import run_gunicorn

    run_gunicorn(host=host, port=port, workers=workers, threads=threads)
