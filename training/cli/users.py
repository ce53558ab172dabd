"""``training users create`` and ``training users import``."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

users = AppGroup("users", help="Accounts.")


@users.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name.")
@click.option("--role", type=click.Choice(["learner", "trainer", "admin"]), default="learner", show_default=True)
@click.option("--organisation", default="", help="Organisation or ministry.")
@click.option("--country", default="", help="ISO 3166-1 alpha-2 code, e.g. KE.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def users_create(email: str, name: str, role: str, organisation: str, country: str, password_stdin: bool) -> None:
    """Create an account (the first administrator, for instance)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        raise click.UsageError("give the password on standard input with --password-stdin")
    if not password:
        raise click.UsageError("the password is empty")
    from ..services.accounts import AccountError, create_user

    try:
        user = create_user(email, name, password, role, organisation=organisation, country=country)
    except AccountError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).")



COMMANDS = [users]
