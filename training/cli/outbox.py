"""``training outbox send`` and ``training outbox status``: messages for other systems.

Run ``training outbox send --watch 30`` as a service (systemd, a container), or
``training outbox send`` from cron: it delivers what is due and exits.
"""

from __future__ import annotations

import time

import click
from flask.cli import AppGroup

outbox_group = AppGroup("outbox", help="Messages for other systems (xAPI statements, LMS grades).")


@outbox_group.command("send")
@click.option("--watch", type=click.FloatRange(min=1), default=None, help="Keep running; look every N seconds.")
def send(watch: float | None) -> None:
    """Deliver every message that is due, then exit (or keep watching)."""
    from ..interop.sender import send_due

    while True:
        result = send_due()
        if result.handled or not watch:
            click.echo(f"Sent {result.sent}, will retry {result.failed}, rejected {result.rejected}.", err=True)
        if not watch:
            return
        time.sleep(watch)


@outbox_group.command("status")
def status() -> None:
    """What waits in the outbox, per channel."""
    from ..queries.outbox import status as outbox_status

    rows = outbox_status()
    if not rows:
        click.echo("The outbox is empty.")
    for row in rows:
        oldest = f", oldest waiting since {row.oldest_pending}" if row.pending else ""
        click.echo(f"{row.channel}: {row.pending} pending, {row.sent} sent, {row.rejected} rejected{oldest}")
        if row.last_error:
            click.echo(f"  last error: {row.last_error[:300]}")


COMMANDS = [outbox_group]
