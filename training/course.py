"""The course of the running app: its catalogue, built once at start-up and read-only after.

The server refuses to start on invalid content, with the same ``path:line: message`` lines
that ``training content check`` prints. Views look units, lessons and quizzes up here; an
unknown id answers 404 like any missing page.
"""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn, cast

from flask import Flask, abort, current_app

from .content import Catalogue, Lesson, Quiz, Unit, build_catalogue

EXTENSION_KEY = "training.course"


def init_app(app: Flask, catalogue: Catalogue | None = None) -> None:
    """Load the course from ``CONTENT_DIR``, or take a catalogue already built from it."""
    app.extensions[EXTENSION_KEY] = catalogue or build_catalogue(Path(app.config["CONTENT_DIR"]))


def get_catalogue() -> Catalogue:
    return cast(Catalogue, current_app.extensions[EXTENSION_KEY])


def _not_found() -> NoReturn:
    abort(404)


def unit_or_404(unit_id: str) -> Unit:
    """The unit a URL names; an unknown id answers 404 like any missing page."""
    try:
        return get_catalogue().unit(unit_id)
    except KeyError:
        _not_found()


def lesson_or_404(unit_id: str, lesson_id: str) -> tuple[Unit, Lesson]:
    unit = unit_or_404(unit_id)
    try:
        return unit, unit.lesson(lesson_id)
    except KeyError:
        _not_found()


def quiz_or_404(quiz_id: str) -> Quiz:
    try:
        return get_catalogue().quiz(quiz_id)
    except KeyError:
        _not_found()
