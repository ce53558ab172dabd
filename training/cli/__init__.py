"""The ``training`` command (also ``flask --app training ...``).

Each command is a thin wrapper around the function a view calls: messages go to stderr,
errors exit non-zero, secrets come from stdin. ``content check`` and ``serve`` work without
loading the app (the content may be invalid); the others are attached to ``app.cli`` by
:func:`init_app`, so ``training`` and ``flask --app training`` offer the same commands.
"""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import FlaskGroup


def _create_app(*_args: object) -> Flask:
    from .. import create_app
    from ..content import ContentInvalid

    try:
        return create_app()
    except ContentInvalid as exc:
        click.echo(str(exc), err=True)
        click.echo(f"{len(exc.errors)} problem(s) in the course content; the server will not start.", err=True)
        sys.exit(1)


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False, load_dotenv=False)
def cli() -> None:
    """Overview of International Migration: the training platform."""


def init_app(app: Flask) -> None:
    from . import database, demo, guide, quiz, report, site, users

    for module in (users, guide, quiz, report, demo, site):
        for command in module.COMMANDS:
            app.cli.add_command(command)
    database.attach(app.cli)


def _register_standalone() -> None:
    from . import content, serve

    for module in (content, serve):
        for command in module.COMMANDS:
            cli.add_command(command)


_register_standalone()
