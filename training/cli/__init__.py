"""The ``training`` command (also ``flask --app training ...``).

Each command is a thin wrapper around the function a view calls: messages go to stderr,
errors exit non-zero, secrets come from stdin. ``content check`` and ``serve`` work without
loading the app (the content may be invalid); the others are attached to ``app.cli`` by
:func:`init_app`, so ``training`` and ``flask --app training`` offer the same commands.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import click
from flask import Flask
from flask.cli import FlaskGroup

if TYPE_CHECKING:
    from ..content import ContentError


def report_problems(errors: Sequence[ContentError]) -> None:
    """Print content problems as ``content check`` does: one ``path:line: message`` each, the
    root causes first, then the count; to stderr."""
    for error in errors:
        click.echo(str(error), err=True)
    click.echo(f"{len(errors)} problem(s) found.", err=True)


def _create_app(*_args: object, overrides: Mapping[str, Any] | None = None) -> Flask:
    """The app for a command or the server; on invalid content, the problems and exit 1, never
    a traceback."""
    from .. import create_app
    from ..content import ContentInvalid

    try:
        return create_app(overrides)
    except ContentInvalid as exc:
        report_problems(exc.errors)
        click.echo("Fix the course content (see `training content check`); the server will not start.", err=True)
        sys.exit(1)


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False, load_dotenv=False)
def cli() -> None:
    """The training platform: the course in TRAINING_CONTENT_DIR, its learners and reports."""


def init_app(app: Flask) -> None:
    from . import database, demo, export, guide, keys, lti, mail, notify, outbox, quiz, report, site, users

    for module in (users, mail, notify, guide, quiz, report, demo, export, outbox, lti, site, keys):
        for command in module.COMMANDS:
            app.cli.add_command(command)
    database.attach(app.cli)


def _register_standalone() -> None:
    from . import content, serve

    for module in (content, serve):
        for command in module.COMMANDS:
            cli.add_command(command)


_register_standalone()
