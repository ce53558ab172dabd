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
@click.option("--country", default="", help="ISO 3166-1 alpha-2 code (KE) or English name (Kenya).")
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
    if user.country and country.strip() != user.country:
        from ..i18n import country_name

        click.echo(f"Country: “{country.strip()}” is recorded as {user.country} ({country_name(user.country, 'en')}).")


@users.command("import")
@click.argument("file", type=click.File("rb"))
@click.option(
    "--group",
    "group_name",
    default=None,
    metavar="NAME",
    help="Import the file as members of this group (columns email[,role]) instead of accounts.",
)
@click.option(
    "--temporary-passwords",
    is_flag=True,
    help="Give new accounts temporary passwords, printed once, instead of emailing them invitations.",
)
def users_import(file, group_name: str | None, temporary_passwords: bool) -> None:
    """Create or update accounts from a CSV file (email,name[,organisation,country,role,groups]).

    Every row is checked first; with any problem nothing is imported and each problem is
    printed with its row number. Re-importing the same file changes nothing. New accounts
    are emailed an invitation to choose their password (sent by ``training mail
    send-pending``), or, with --temporary-passwords, get temporary passwords, printed once,
    to be changed at first sign-in.
    """
    from ..permissions import Actor
    from ..queries.groups import group_id_named
    from ..services import imports

    data = file.read()
    kind, group_id = imports.ImportKind.USERS, None
    if group_name is not None:
        group_id = group_id_named(group_name)
        if group_id is None:
            click.echo(f"Error: there is no group named {group_name!r}.", err=True)
            sys.exit(1)
        kind = imports.ImportKind.MEMBERS
    try:
        result = imports.import_file(
            Actor.command_line(), kind, data, getattr(file, "name", ""), group_id, invite=not temporary_passwords
        )
    except imports.ImportRejected as exc:
        for problem in exc.plan.errors:
            click.echo(f"{file.name}: {problem}", err=True)
        click.echo(f"{len(exc.plan.errors)} problem(s); nothing was imported.", err=True)
        sys.exit(1)
    click.echo(
        f"Imported {result.rows} row(s): {len(result.created)} created, {result.updated} updated, "
        f"{result.unchanged} unchanged, {result.memberships} membership(s) added or changed."
    )
    if result.created and not temporary_passwords:
        click.echo(f"Invitations queued for {len(result.created)} new account(s).")
    elif result.created:
        click.echo("Temporary passwords (shown once; each person must change theirs at first sign-in):")
        for new in result.created:
            click.echo(f"  {new.user.email}\t{new.temporary_password}")


COMMANDS = [users]
