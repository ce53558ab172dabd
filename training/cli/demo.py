"""``training demo``: fill the database with a demo cohort so the reports have something to
show. Only ever run by hand; it refuses to run twice."""

from __future__ import annotations

import secrets
import sys

import click
from flask import current_app


@click.command("demo")
@click.option("--seed", default=2026, show_default=True, help="Random seed: the same seed gives the same cohort.")
def demo(seed: int) -> None:
    """Create about 200 demo learners, 6 groups, 3 trainers and an administrator, with six
    months of progress and quiz attempts, and print the demo logins."""
    from ..course import get_catalogue
    from ..services.demo import DOMAIN, DemoExists, create_demo_data

    if current_app.config["ENV_NAME"] == "production" and not click.confirm(
        "This is a production configuration. Add demo accounts anyway?", default=False
    ):
        sys.exit(1)
    password = "demo-" + secrets.token_urlsafe(9)
    try:
        result = create_demo_data(get_catalogue(), password, seed=seed)
    except DemoExists:
        click.echo(f"Error: demo accounts (@{DOMAIN}) already exist in this database.", err=True)
        sys.exit(1)
    click.echo(f"Created {result.learners} learners in {result.groups} groups, with {result.attempts} quiz attempts.")
    click.echo(f"\nEvery demo account has the password: {password}\n")
    click.echo("Staff accounts sign in with a second step. Add the secret to an authenticator app, or print")
    click.echo("a code with:  .venv/bin/python -c \"import pyotp; print(pyotp.TOTP('SECRET').now())\"\n")
    for login in result.logins:
        line = f"  {login.role:<8} {login.email:<36} {login.name:<22}"
        if login.totp_secret:
            line += f"   two-step secret: {login.totp_secret}"
        click.echo(line)


COMMANDS = [demo]
