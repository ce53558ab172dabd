"""``training secret-key``: the key that signs sessions, which every app server must share."""

from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import AppGroup

from .. import probes

secret_key = AppGroup("secret-key", help="The key that signs sessions, shared by every app server.")


@secret_key.command("check")
def check() -> None:
    """Say whether this server's TRAINING_SECRET_KEY is the one the other servers use."""
    state = probes.secret_key_state(current_app.config)
    messages = {
        "ok": "This server's secret key is the one the other servers of this database use.",
        "unrecorded": "No server has recorded its key yet; the first `training serve` will.",
        "differs": "This server's secret key differs from the other servers': sessions would not carry over.",
    }
    click.echo(messages[state])
    if state == "differs":
        sys.exit(1)


@secret_key.command("adopt")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def adopt(yes: bool) -> None:
    """Record this server's key as the one every server must use (after changing it on all)."""
    if not yes:
        click.confirm(
            "Servers still signing with the old key will be refused at their next start. Continue?", abort=True
        )
    probes.adopt_secret_key(current_app)
    click.echo("Recorded. Every app server must now use this TRAINING_SECRET_KEY.")


COMMANDS = [secret_key]
