"""``training guide build``, ``agenda`` and ``work``: the trainer's guide from the command line.

The same planner options as the form on ``/guide``, the same functions, and the same PDF
store: a PDF built here is served by every app server, and ``training guide build --all``
typesets every default document once at deploy time. ``training guide work`` is the guide
worker: it typesets the PDFs the app servers queue when ``GUIDE_WORKER`` is on
(:mod:`training.services.guide_jobs`).
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path

import click
from flask.cli import AppGroup

from .. import guide as guide_docs
from .. import metrics
from ..course import get_catalogue
from ..extensions import db
from ..guide import plan as planner
from ..i18n import force_locale
from ..services import guide_jobs
from ..services.guide_pdfs import DatabaseStore
from .serve import check_bind

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


def _plan(units: str, day_start: str | None, values: dict[str, object], language: str | None = None):
    catalogue = get_catalogue()
    if language is not None:
        if language not in catalogue.languages:
            raise click.UsageError(
                f"the course is not in {language!r} (its languages: {', '.join(catalogue.languages)})"
            )
        catalogue = catalogue.in_language(language)
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


def _warn_missing_glyphs(catalogue, units) -> None:
    """Name each content file and line holding a character that no font can print."""
    for problem in guide_docs.missing_glyphs(guide_docs.source_files(catalogue, units), catalogue.content_dir):
        click.echo(f"warning: {problem}", err=True)


@guide.command("build")
@click.option(
    "--out",
    "out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Where to write the PDF.",
)
@click.option(
    "--all",
    "warm_all",
    is_flag=True,
    help="Typeset the default guide, handouts and paper quizzes, in every language of the course, "
    "into the shared store (at deploy time).",
)
@click.option("--lang", "language", metavar="CODE", help="The language of the guide (default: the course's source).")
@_planner_options
def build(
    out: Path | None, warm_all: bool, language: str | None, units: str, day_start: str | None, **values: object
) -> None:
    """Typeset the trainer's guide (or a workshop edition) as a PDF."""
    if warm_all:
        _build_all()
        return
    if out is None:
        raise click.UsageError("give --out FILE.pdf, or --all to fill the shared store")
    catalogue, chosen, options, agenda = _plan(units, day_start, values, language)
    _report(agenda)
    _warn_missing_glyphs(catalogue, chosen)
    began = time.monotonic()
    with force_locale(catalogue.language.replace("-", "_")):
        document = guide_docs.guide_variant(catalogue, chosen, options)
        data = guide_docs.cached_pdf(DatabaseStore(), document.key, document.build)
    out.write_bytes(data)
    click.echo(f"Wrote {out} ({len(data) // 1024} KiB, {time.monotonic() - began:.1f} s).", err=True)


def _build_all() -> None:
    source = get_catalogue()
    _warn_missing_glyphs(source, source.units)
    store = DatabaseStore()
    began = time.monotonic()
    count = 0
    for language in source.languages:
        catalogue = source.in_language(language)
        with force_locale(language.replace("-", "_")):
            for document in guide_docs.default_documents(catalogue):
                guide_docs.cached_pdf(store, document.key, document.build, wait=300)
                count += 1
    click.echo(f"{count} PDFs ready in the shared store ({time.monotonic() - began:.1f} s).", err=True)


@guide.command("work")
@click.option("--once", is_flag=True, help="Typeset what is waiting now, then exit.")
@click.option(
    "--poll",
    type=click.FloatRange(0.1, 600),
    default=2.0,
    show_default=True,
    help="Seconds between looks at the queue when it is empty.",
)
@click.option(
    "--metrics-bind",
    metavar="HOST:PORT",
    help="Serve Prometheus metrics (builds, jobs waiting) on this address, for operators only.",
)
def work(once: bool, poll: float, metrics_bind: str | None) -> None:
    """The guide worker: typeset the PDFs the app servers queued (with TRAINING_GUIDE_WORKER on)."""
    if metrics_bind:
        check_bind(metrics_bind)
        metrics.serve_metrics(metrics_bind)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):  # finish the PDF in hand, then stop
        signal.signal(signum, lambda *_: stopping.set())
    while not stopping.is_set():
        metrics.GUIDE_JOBS_WAITING.set(guide_jobs.waiting())
        job = guide_jobs.claim()
        if job is not None:
            _work_on(job)
        elif once:
            return
        else:
            stopping.wait(poll)
        db.session.remove()


def _work_on(job: guide_jobs.Claimed) -> None:
    began = time.monotonic()
    try:
        catalogue = get_catalogue().in_language(job.language)
        document = guide_docs.document(catalogue, **job.parts)
        if document.key.digest != job.key:  # content or release changed since it was asked for
            raise ValueError("this document is no longer current")
        with force_locale(job.language.replace("-", "_")):
            _typeset(document)
    except Exception as exc:  # any failure is recorded on the job, and the worker goes on
        db.session.rollback()
        guide_jobs.finish(job, f"{type(exc).__name__}: {exc}")
        click.echo(f"job {job.key[:12]} failed (try {job.tries}): {exc}", err=True)
        return
    guide_jobs.finish(job)
    click.echo(f"job {job.key[:12]}: {job.parts['kind']} typeset in {time.monotonic() - began:.1f} s", err=True)


def _typeset(document: guide_docs.Document) -> None:
    while True:
        try:
            guide_docs.cached_pdf(DatabaseStore(), document.key, document.build, wait=300)
            return
        except guide_docs.Busy as exc:  # the cluster's builds in flight are all taken: wait for one
            if exc.scope != "all":
                raise
            time.sleep(exc.retry_after)


@guide.command("agenda")
@_planner_options
def agenda(units: str, day_start: str | None, **values: object) -> None:
    """Print the workshop agenda with clock times (no PDF)."""
    _catalogue, _chosen, _options, plan = _plan(units, day_start, values)
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
