"""``training content check``, ``training content status`` and ``training content stamp``."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from ..config import PROJECT_ROOT
from ..content import ContentInvalid, build_catalogue
from ..content.errors import display_path
from ..content.languages import language_name
from ..content.loader import load_course
from ..content.model import TranslationState
from ..content.status import StampError, coverage, stamp
from ..content.validate import validate
from ..course import report_problems

content = AppGroup("content", help="Course content files.")

_content_dir_option = click.option(
    "--content-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder holding modules/, quizzes/ and trainer_guide/ (default: TRAINING_CONTENT_DIR).",
)


def _folder(content_dir: Path | None) -> Path:
    return (content_dir or Path(os.environ.get("TRAINING_CONTENT_DIR") or PROJECT_ROOT)).resolve()


@content.command("check", with_appcontext=False)
@_content_dir_option
def content_check(content_dir: Path | None) -> None:
    """Validate the course and its translations; print every problem as path:line: message."""
    try:
        catalogue = build_catalogue(_folder(content_dir))
    except ContentInvalid as exc:
        report_problems(exc.errors)
        sys.exit(1)
    lessons = catalogue.all_lessons()
    questions = sum(len(q.questions) for q in catalogue.quizzes.values())
    click.echo(
        f"Content OK: {len(catalogue.units)} units, {len(lessons)} lessons "
        f"({catalogue.word_count} words), {len(catalogue.quizzes)} quizzes, {questions} questions; "
        f"version {catalogue.version}."
    )
    for language in catalogue.coverage:
        done = language.count(TranslationState.TRANSLATED)
        click.echo(f"{_name(language.language)}: {done} of {len(language.files)} files translated and up to date.")
    for draft in catalogue.drafts:
        where = display_path(draft.path)
        if not draft.gaps:
            click.echo(f"Draft quiz {draft.id} ({where}) is complete: remove 'draft: true' to show it to learners.")
            continue
        click.echo(
            f"Draft quiz {draft.id} ({where}) is not shown to learners; it still lacks {len(draft.gaps)} thing(s):"
        )
        for gap in draft.gaps:
            click.echo(f"  {gap}")


@content.command("status", with_appcontext=False)
@_content_dir_option
@click.option("--lang", "languages", multiple=True, metavar="CODE", help="Only this language (repeatable).")
@click.option("--missing", "list_missing", is_flag=True, help="List every file still to translate.")
def content_status(content_dir: Path | None, languages: tuple[str, ...], list_missing: bool) -> None:
    """Per language: which files are translated, outdated (the source changed since) or missing.

    Reads the files only, so it works while the course still has problems (see `content check`).
    """
    folder = _folder(content_dir)
    raw, _ = load_course(folder)
    spec, _ = validate(raw)
    declared = spec.guide.translations if spec.guide else ()
    source_language = spec.guide.language if spec.guide else "en"
    unknown = [code for code in languages if code not in declared]
    if unknown:
        raise click.BadParameter(f"{', '.join(unknown)}: the course declares {', '.join(declared) or 'none'}")
    if not declared:
        click.echo("The course declares no translations: list them under 'translations:' in trainer_guide/guide.yaml.")
        return
    report = coverage(raw, [code for code in declared if not languages or code in languages])
    total = len(report[0].files)
    click.echo(f"Course language: {_name(source_language)}. Each translation covers {total} files.")
    click.echo("")
    click.echo(f"{'language':<20} {'translated':>10} {'outdated':>9} {'missing':>8}")
    for language in report:
        done, old, missing = (language.count(state) for state in TranslationState)
        click.echo(f"{_name(language.language):<20} {done:>10} {old:>9} {missing:>8}")
    outdated = [f for language in report for f in language.of(TranslationState.OUTDATED)]
    if outdated:
        click.echo("")
        click.echo("Outdated: the source changed after the translation (or it was never stamped).")
        click.echo("Bring each one up to date, then run `training content stamp FILE`.")
        for f in outdated:
            made_from = f"translates {f.translates}" if f.translates else "not stamped"
            click.echo(f"  {_relative(f.translation, folder)}  ({made_from}; the source is now {f.current})")
    for language in report:
        to_do = language.of(TranslationState.MISSING)
        if not to_do:
            continue
        click.echo("")
        if list_missing:
            click.echo(f"Missing in {_name(language.language)}:")
            for f in to_do:
                click.echo(f"  {_relative(f.translation, folder)}")
        else:
            click.echo(f"{_name(language.language)}: {len(to_do)} files to translate (--missing lists them).")


@content.command("stamp", with_appcontext=False)
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def content_stamp(files: tuple[Path, ...]) -> None:
    """Record in each translation FILE the version of its source it now matches.

    Run it after bringing a translation up to date with its source; `content status` then
    counts it as translated until the source changes again.
    """
    failed = 0
    for path in files:
        try:
            version, changed = stamp(path)
        except StampError as exc:
            click.echo(f"{display_path(path)}:1: {exc}", err=True)
            failed += 1
            continue
        what = "stamped" if changed else "already stamped"
        click.echo(f"{display_path(path)}: {what} as translating source version {version}")
    if failed:
        sys.exit(1)


def _name(code: str) -> str:
    return f"{language_name(code)} ({code})"


def _relative(path: Path, folder: Path) -> str:
    try:
        return str(path.relative_to(folder))
    except ValueError:
        return str(path)


COMMANDS = [content]
