"""``training export scorm``: chosen units as a SCORM 1.2 package for another LMS."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from ..interop import scorm
from .files import write_atomically

export = AppGroup("export", help="Export the course for other systems.")


@export.command("scorm")
@click.option("--units", default="", help="Unit ids separated by commas (default: every unit).")
@click.option("--lang", "language", default=None, help="Language of the package (default: the course's source).")
@click.option(
    "--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The package to write (.zip)."
)
def export_scorm(units: str, language: str | None, out: Path) -> None:
    """Write a SCORM 1.2 package: each unit's lessons and its quiz, scored inside the package."""
    from ..course import get_catalogue
    from ..i18n import translations_for

    catalogue = get_catalogue()
    unit_ids = [u.strip() for u in units.split(",") if u.strip()]
    try:
        chosen = language or catalogue.source_language
        package = scorm.build_package(catalogue, unit_ids, chosen, translations_for(chosen))
    except scorm.ExportError as exc:
        raise click.UsageError(str(exc)) from exc
    write_atomically(out, package.data)
    click.echo(
        f"Wrote {out}: SCORM 1.2, {len(package.units)} unit(s) ({', '.join(package.units)}), "
        f"{len(package.data) // 1024} KiB.",
        err=True,
    )
    click.echo(f"Note: {scorm.ANSWER_KEY_WARNING}", err=True)


COMMANDS = [export]
