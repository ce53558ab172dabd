"""The course of the running app: its catalogue, built once at start-up and read-only after.

The server refuses to start on invalid content, with the same ``path:line: message`` lines
that ``training content check`` prints. Views read the course through :func:`course`, the
catalogue in the language the person reads in, and look units, lessons and quizzes up here;
an unknown id answers 404 like any missing page. Every language's view shares the source's
ids, order, durations, answer keys, pass marks and versions, so progress and attempts made in
one language are the same records in every other.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import NoReturn, cast

from flask import Flask, abort, has_request_context

from .content import Catalogue, ContentError, ContentInvalid, Lesson, Quiz, Unit
from .content.snapshot import load_or_build
from .context import the_app
from .i18n import course_language

EXTENSION_KEY = "training.course"

CONTENT_INVALID_EXIT = 4
"""The exit status of a process refused to start on invalid content. gunicorn reads it from a
worker as "the application failed to load" and stops, instead of starting the worker again."""


class ContentRefused(SystemExit):
    """The platform will not start on this content; the problems are already on stderr."""


def report_problems(errors: Sequence[ContentError]) -> None:
    """Print content problems as ``content check`` does: one ``path:line: message`` each, the
    root causes first, then the count; to stderr."""
    for error in errors:
        print(error, file=sys.stderr)
    print(f"{len(errors)} problem(s) found.", file=sys.stderr)


def init_app(app: Flask, catalogue: Catalogue | None = None) -> None:
    """Load the course from ``CONTENT_DIR`` (the snapshot in ``CATALOGUE_DIR`` when it was
    built from the same files and code), or take a catalogue already built from it.

    On invalid content, every entry point (``training`` and ``flask --app training``
    commands, ``training serve``, gunicorn given the app factory) prints the problems as
    ``content check`` does and exits with :data:`CONTENT_INVALID_EXIT`: no traceback."""
    if catalogue is None:
        try:
            catalogue = load_or_build(app.config["CONTENT_DIR"], app.config["CATALOGUE_DIR"], app.config["SECRET_KEY"])
        except ContentInvalid as exc:
            report_problems(exc.errors)
            print(
                "Fix the course content (see `training content check`); the platform will not start.", file=sys.stderr
            )
            sys.stderr.flush()
            raise ContentRefused(CONTENT_INVALID_EXIT) from None
    app.extensions[EXTENSION_KEY] = catalogue


def get_catalogue() -> Catalogue:
    """The course as loaded, in its source language: for the command line (which names its
    language), health checks, and anything that needs ids rather than words."""
    return cast(Catalogue, the_app().extensions[EXTENSION_KEY])


def get_course() -> Catalogue:
    """The course in the language of this request: its translation where there is one, the
    source's text elsewhere (each item's ``language`` says which). Outside a request, the source."""
    catalogue = get_catalogue()
    if not has_request_context():
        return catalogue
    return catalogue.in_language(course_language())


def _not_found() -> NoReturn:
    abort(404)


def unit_or_404(unit_id: str, course: Catalogue | None = None) -> Unit:
    """The unit a URL names, in the request's language (``course``, when the view has it
    already); an unknown id answers 404 like any missing page."""
    try:
        return (course or get_course()).unit(unit_id)
    except KeyError:
        _not_found()


def lesson_or_404(unit_id: str, lesson_id: str, course: Catalogue | None = None) -> tuple[Unit, Lesson]:
    unit = unit_or_404(unit_id, course)
    try:
        return unit, unit.lesson(lesson_id)
    except KeyError:
        _not_found()


def quiz_or_404(quiz_id: str) -> Quiz:
    try:
        return get_course().quiz(quiz_id)
    except KeyError:
        _not_found()
