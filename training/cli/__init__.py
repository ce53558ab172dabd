"""The ``training`` command (also ``flask --app training ...``).

Each command is a thin wrapper around the function a view calls: messages go to stderr,
errors exit non-zero, secrets come from stdin. ``content check`` and ``serve`` work without
loading the app (the content may be invalid); the others are attached to ``app.cli`` by
:func:`init_app`, so ``training`` and ``flask --app training`` offer the same commands.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import FlaskGroup


def _create_app(*_args: object) -> Flask:
    """The app for a command; on invalid content it prints the problems and exits, never a
    traceback (see :func:`training.course.init_app`)."""
    from .. import create_app

    return create_app()


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
