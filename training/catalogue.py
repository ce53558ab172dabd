"""The course catalogue of the running app: loaded once at start-up, then read-only.

The server refuses to start on invalid content, with the same ``path:line: message`` lines
that ``training content check`` prints.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, abort, current_app

from .content import Catalogue, Lesson, Quiz, Unit, build_catalogue

EXTENSION_KEY = "training.catalogue"


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = build_catalogue(Path(app.config["CONTENT_DIR"]))


def get_catalogue() -> Catalogue:
    return current_app.extensions[EXTENSION_KEY]


def unit_or_404(unit_id: str) -> Unit:
    """The unit a URL names; an unknown id answers 404 like any missing page."""
    try:
        return get_catalogue().unit(unit_id)
    except KeyError:
        abort(404)


def lesson_or_404(unit_id: str, lesson_id: str) -> tuple[Unit, Lesson]:
    unit = unit_or_404(unit_id)
    try:
        return unit, unit.lesson(lesson_id)
    except KeyError:
        abort(404)


def quiz_or_404(quiz_id: str) -> Quiz:
    try:
        return get_catalogue().quiz(quiz_id)
    except KeyError:
        abort(404)
