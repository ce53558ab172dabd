"""``training report completion``: the per-learner completion report, as on
``/admin/reports/completion.csv``, from the command line."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime

import click
from flask.cli import AppGroup

report = AppGroup("report", help="Completion reports and the summaries they read.")


@report.command("completion")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write to this file (default: standard output).",
)
@click.option("--group", "group_id", type=int, default=None, help="Only the learners of this group (id).")
@click.option("--organisation", default=None, help="Only learners of this organisation.")
@click.option("--country", default=None, help="Only learners from this country (ISO code).")
@click.option("--registered-from", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--registered-to", type=click.DateTime(["%Y-%m-%d"]), default=None)
def completion(
    fmt: str,
    out: str | None,
    group_id: int | None,
    organisation: str | None,
    country: str | None,
    registered_from,
    registered_to,
) -> None:
    """One row per learner: name, email, organisation, country, groups, units complete, course
    status, course percent, completed at, last activity (the same rows as the web export)."""
    from .. import reports
    from ..course import get_catalogue
    from ..csvio import csv_lines, iso_datetime
    from ..permissions import Actor
    from ..services.audit import record_export

    filters = reports.Filters(
        group_id,
        organisation,
        country.upper() if country else None,
        registered_from.date() if registered_from else None,
        registered_to.date() if registered_to else None,
    )
    rows = reports.learner_rows(get_catalogue(), reports.Scope(), filters)
    stream = open(out, "w", encoding="utf-8", newline="") if out else sys.stdout
    try:
        if fmt == "csv":
            for chunk in csv_lines(
                reports.COMPLETION_COLUMNS, (reports.completion_record(r) for r in rows), bom=out is not None
            ):
                stream.write(chunk)
        else:
            records = []
            for row in rows:
                values = reports.completion_record(row)
                records.append(
                    {
                        column.replace(" ", "_"): (iso_datetime(v) if isinstance(v, datetime) else v)
                        for column, v in zip(reports.COMPLETION_COLUMNS, values, strict=True)
                    }
                )
            json.dump(
                {"generated": date.today().isoformat(), "learners": records}, stream, ensure_ascii=False, indent=2
            )
            stream.write("\n")
    finally:
        if out:
            stream.close()
    record_export(Actor.command_line(), "completion", {"format": fmt, **filters.query_args()})
    if out:
        click.echo(f"Wrote the completion report to {out}.", err=True)


@report.command("rebuild")
def rebuild() -> None:
    """Recompute the report summaries (learner x unit records, each learner's course status,
    question answer tallies) from
    the record tables: after restoring rows by hand, or after a content change that moves or
    removes lessons or quizzes."""
    from ..course import get_catalogue
    from ..services.summaries import rebuild as rebuild_summaries

    units, tallies, learners = rebuild_summaries(get_catalogue())
    click.echo(
        f"Rebuilt the report summaries: {units} learner-unit rows, {learners} learner rows, {tallies} answer tallies.",
        err=True,
    )


COMMANDS = [report]
