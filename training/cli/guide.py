"""``training guide build`` and ``training guide agenda``: the trainer's guide from the command line.

The same planner options as the form on ``/guide``, the same functions, and the same PDF
cache: building the default guide here also warms the cache the web page serves from.
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from .. import guide as guide_docs
from ..course import get_catalogue
from ..guide import plan as planner

guide = AppGroup("guide", help="The trainer's guide: plan a workshop, build the PDF.")


def _planner_options(function):
    options = [
        click.option(
            "--units",
            default="",
            metavar="ID,ID",
            help="Unit ids to include, comma-separated (default: the whole course).",
        ),
        click.option(
            "--days",
            type=click.IntRange(1, planner.MAX_DAYS),
            help="Days available (default: as many as the units need).",
        ),
        click.option("--day-start", metavar="HH:MM", help="When each day starts (default: guide.yaml)."),
        click.option(
            "--hours-per-day",
            type=click.FloatRange(*planner.HOURS_RANGE),
            help="Hours from start to end of a day, not counting lunch (default: guide.yaml).",
        ),
        click.option("--break-minutes", type=click.IntRange(*planner.BREAK_RANGE), help="Length of a break."),
        click.option("--lunch-minutes", type=click.IntRange(*planner.LUNCH_RANGE), help="Length of lunch."),
        click.option(
            "--session-minutes",
            type=click.IntRange(*planner.SESSION_RANGE),
            help=f"Longest session without a break (default: {planner.DEFAULT_SESSION_MINUTES}).",
        ),
        click.option("--quizzes-online", is_flag=True, help="Leave the quizzes out of the agenda."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _plan(units: str, day_start: str | None, **values: object):
    catalogue = get_catalogue()
    try:
        chosen = guide_docs.select_units(catalogue, units.split(","))
        start = planner.parse_clock(day_start) if day_start else None
        options = guide_docs.default_options(
            catalogue,
            days=values["days"],
            day_start=start,
            hours_per_day=values["hours_per_day"],
            break_minutes=values["break_minutes"],
            lunch_minutes=values["lunch_minutes"],
            session_minutes=values["session_minutes"],
            quizzes_online=values["quizzes_online"] or None,
        )
    except guide_docs.UnknownUnit as exc:
        known = ", ".join(u.id for u in catalogue.units)
        raise click.UsageError(f"unknown unit(s): {exc.args[0]} (the units are: {known})") from exc
    except planner.PlanError as exc:
        raise click.UsageError(str(exc)) from exc
    return catalogue, chosen, options, guide_docs.plan_workshop(chosen, options)


def _report(agenda: planner.Agenda) -> None:
    """The planner's verdict, on stderr."""
    if agenda.fits:
        click.echo(f"Everything fits: {len(agenda.days)} day(s), {agenda.teaching_minutes} min of sessions.", err=True)
        return
    click.echo(f"The content does not fit: over by {agenda.over_by} min. Not scheduled:", err=True)
    for pending in agenda.unplaced:
        click.echo(f"  - unit {pending.unit_order}: {pending.step.title} ({pending.step.minutes} min)", err=True)
    click.echo("What you could do:", err=True)
    for suggestion in agenda.suggestions:
        click.echo(f"  - {suggestion.text}", err=True)


@guide.command("build")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the PDF.",
)
@_planner_options
def build(out: Path, units: str, day_start: str | None, **values: object) -> None:
    """Typeset the trainer's guide (or a workshop edition) as a PDF."""
    catalogue, chosen, options, agenda = _plan(units, day_start, **values)
    _report(agenda)
    began = time.monotonic()
    cached = guide_docs.guide_pdf(catalogue, Path(current_app.config["GUIDE_CACHE_DIR"]), chosen, options)
    shutil.copyfile(cached, out)
    click.echo(f"Wrote {out} ({out.stat().st_size // 1024} KiB, {time.monotonic() - began:.1f} s).", err=True)


@guide.command("agenda")
@_planner_options
def agenda(units: str, day_start: str | None, **values: object) -> None:
    """Print the workshop agenda with clock times (no PDF)."""
    _catalogue, _chosen, _options, plan = _plan(units, day_start, **values)
    for day in plan.days:
        click.echo(f"Day {day.number}")
        for entry in day.entries:
            times = f"{planner.format_clock(entry.start)}-{planner.format_clock(entry.end)}"
            if isinstance(entry, planner.Slot):
                click.echo(f"  {times}  unit {entry.unit_order}: {entry.step.title} ({entry.step.method})")
            else:
                click.echo(f"  {times}  {entry.kind.value}")
    _report(plan)
    if not plan.fits:
        sys.exit(3)


COMMANDS = [guide]
