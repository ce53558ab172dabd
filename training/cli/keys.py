"""``training keys create`` and ``training keys list``: the issuer's signing keys for badges.

The keys are files in ``ISSUER_KEYS_DIR`` (by default ``instance/keys``), never in the
database: back the folder up apart from the database, and keep it readable by the server's
user only. See docs/certificates.md.
"""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from .. import signing

keys = AppGroup("keys", help="The issuer's signing keys for badges (Ed25519, kept outside the database).")


@keys.command("create")
def create() -> None:
    """Create a new signing key; it signs every badge from now on (older keys stay published)."""
    key = signing.create_key(current_app.config["ISSUER_KEYS_DIR"])
    click.echo(f"Created key {key.kid} in {key.path}", err=True)
    click.echo(key.kid)


@keys.command("list")
def list_keys() -> None:
    """The keys in the folder, newest (the one that signs) first."""
    found = signing.keys(current_app.config["ISSUER_KEYS_DIR"])
    if not found:
        click.echo("No signing key: run `training keys create`.", err=True)
        raise SystemExit(1)
    for key in found:
        click.echo(f"{key.kid}\t{key.path.name}")


COMMANDS = [keys]
