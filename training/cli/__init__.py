"""The ``training`` command (also ``flask --app training ...``).

Each command is a thin wrapper around the function a view calls: messages go to stderr,
errors exit non-zero, secrets come from stdin.
"""

from __future__ import annotations

import sys

import click
from flask.cli import FlaskGroup



def _create_app(*_args: object) -> object:
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




def _register() -> None:
    from . import content, demo, guide, quiz, report, serve, users

    for module in (content, users, guide, quiz, report, demo, serve):
        for command in module.COMMANDS:
            cli.add_command(command)


_register()
