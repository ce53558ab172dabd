"""``training notify``: reminders to learners and weekly digests to trainers (docs/mail.md).
Run it from cron or a systemd timer, once a day or more often: each reminder is recorded
with a unique key, so running it again sends nothing new."""

from __future__ import annotations

import click
from flask import current_app

from ..course import get_course
from ..models import utcnow


@click.command("notify")
def notify() -> None:
    """Queue the reminders and digests that are due (sent by `training mail send-pending`)."""
    from ..reports.reminders import due_reminders
    from ..services.reminders import record_and_queue

    config = current_app.config
    due = due_reminders(
        get_course(), utcnow(), int(config["REMINDER_INACTIVE_DAYS"]), int(config["REMINDER_BEFORE_END_DAYS"])
    )
    queued: dict[str, int] = {}
    for item in due:
        if record_and_queue(
            item.key, item.message, item.unsubscribe_kind, item.user_id, item.email, item.language, **item.context
        ):
            queued[item.message] = queued.get(item.message, 0) + 1
    click.echo(
        f"Queued: nudges {queued.get('reminder_nudge', 0)}, before the end {queued.get('reminder_ending', 0)}, "
        f"digests {queued.get('reminder_digest', 0)}; already sent or unsubscribed {len(due) - sum(queued.values())}.",
        err=True,
    )


COMMANDS = [notify]
