"""``training mail send-pending`` (run by a timer) and ``training mail status``."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

mail = AppGroup("mail", help="Outgoing email.")


@mail.command("send-pending")
def mail_send_pending() -> None:
    """Send the messages waiting in the outbox (run every minute or so from cron or a systemd
    timer). Failures are logged and retried later with growing delays; exits non-zero when
    the mail server could not be reached, so the timer's log shows it."""
    from ..services import mail as outbox

    report = outbox.send_pending()
    forgotten = outbox.forget_sent()
    click.echo(
        f"Sent {report.sent}; to retry later {report.retry}; given up {report.failed}; "
        f"old sent records removed {forgotten}.",
        err=True,
    )
    if report.unreachable:
        click.echo("Error: the mail server could not be reached; the messages stay in the outbox.", err=True)
        sys.exit(1)


@mail.command("status")
def mail_status() -> None:
    """How many messages wait, how many were given up on (with their last error)."""
    from ..queries.mail import outbox_status

    status = outbox_status()
    click.echo(f"Waiting: {status.waiting}; sent in the last 24 hours: {status.sent_today}; given up: {status.failed}.")
    for message in status.recent_failures:
        click.echo(f"  #{message.id} {message.kind} to {message.to_address}: {message.last_error}")


COMMANDS = [mail]
