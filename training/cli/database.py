"""``training db backup FILE`` and ``training db restore FILE``, beside Flask-Migrate's
``db upgrade``/``db check``."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..backup import BackupError, backup, restore


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def db_backup(file: Path) -> None:
    """Write a consistent backup of the database, even while the platform is in use."""
    try:
        backup(current_app.config["SQLALCHEMY_DATABASE_URI"], file)
    except BackupError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Backup written to {file}.")


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def db_restore(file: Path, yes: bool) -> None:
    """Replace the database with a backup. Stop the server first."""
    if not yes:
        click.confirm("This replaces every record in the database with the backup. Continue?", abort=True)
    from ..extensions import db

    db.engine.dispose()
    try:
        restore(current_app.config["SQLALCHEMY_DATABASE_URI"], file)
    except BackupError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Database restored from {file}.")


def attach(app_cli: click.Group) -> None:
    """Put the commands into Flask-Migrate's ``db`` group."""
    group = app_cli.commands.get("db")
    if isinstance(group, click.Group):
        group.add_command(db_backup)
        group.add_command(db_restore)
