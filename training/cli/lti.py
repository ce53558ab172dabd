"""``training lti ...``: register learning platforms (LTI 1.3) and manage the tool's key."""

from __future__ import annotations

import click
from flask import current_app, url_for
from flask.cli import AppGroup

lti_group = AppGroup("lti", help="LTI 1.3: learning platforms that launch this course.")


@lti_group.command("register")
@click.option("--name", required=True, help="A name for the platform, e.g. 'Ministry Moodle'.")
@click.option("--issuer", required=True, help="The platform ID (issuer).")
@click.option("--client-id", required=True, help="The client ID the platform gave this tool.")
@click.option("--auth-login-url", required=True, help="The platform's authentication request URL.")
@click.option("--auth-token-url", required=True, help="The platform's access token URL.")
@click.option("--key-set-url", required=True, help="The platform's public keyset URL.")
@click.option("--deployment", "deployments", multiple=True, required=True, help="A deployment ID (repeatable).")
@click.option("--token-audience", default="", help="Only if the platform asks for a specific audience.")
def register(
    name: str,
    issuer: str,
    client_id: str,
    auth_login_url: str,
    auth_token_url: str,
    key_set_url: str,
    deployments: tuple[str, ...],
    token_audience: str,
) -> None:
    """Register a platform, with the values its tool settings show."""
    from ..permissions import Actor
    from ..services import lti as service

    fields = service.PlatformFields(
        name, issuer, client_id, auth_login_url, auth_token_url, key_set_url, deployments, token_audience
    )
    try:
        platform = service.register_platform(Actor.command_line(), fields)
    except service.RegistrationError as exc:
        raise click.UsageError(str(exc)) from exc
    click.echo(f"Registered {platform.name} (#{platform.id}), deployments: {', '.join(deployments)}.", err=True)


@lti_group.command("list")
def list_platforms() -> None:
    """The registered platforms."""
    from ..queries.lti import platforms

    for p in platforms():
        deployments = ", ".join(d.deployment_id for d in p.deployments)
        state = "" if p.active else " (off)"
        click.echo(f"#{p.id} {p.name}{state}: issuer {p.issuer}, client {p.client_id}, deployments {deployments}")


@lti_group.command("deactivate")
@click.argument("platform_id", type=int)
def deactivate(platform_id: int) -> None:
    """Turn a platform off: its launches are refused and its people signed out (nothing is deleted)."""
    _set_active(platform_id, False)


@lti_group.command("reactivate")
@click.argument("platform_id", type=int)
def reactivate(platform_id: int) -> None:
    """Turn a platform on again."""
    _set_active(platform_id, True)


def _set_active(platform_id: int, active: bool) -> None:
    from ..permissions import Actor, NotFound
    from ..services import lti as service

    try:
        platform = service.set_platform_active(Actor.command_line(), platform_id, active)
    except NotFound:
        raise click.UsageError(f"no platform #{platform_id} (see: training lti list)") from None
    state = "on" if active else "off: its launches are refused"
    click.echo(f"#{platform.id} {platform.name} is {state}.", err=True)


@lti_group.command("urls")
@click.option("--base", required=True, help="The site's public address, e.g. https://training.example.org")
def urls(base: str) -> None:
    """The addresses to paste into a platform's tool settings."""
    from ..interop.lti import tool_addresses

    with current_app.test_request_context(base_url=base.rstrip("/")):
        for label, url in tool_addresses(lambda endpoint: url_for(endpoint, _external=True)):
            click.echo(f"{label}: {url}")


@lti_group.group("key")
def key() -> None:
    """The tool's signing key."""


@key.command("create")
def key_create() -> None:
    """Make a new signing key (older keys stay published, so platforms can still check them)."""
    from ..services import lti as service

    row = service.create_tool_key()
    click.echo(f"New signing key, kid {row.kid}. Platforms read it from /lti/jwks.")


COMMANDS = [lti_group]
