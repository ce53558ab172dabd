"""The Jinja environment over ``trainer_guide/templates``: the guide's own templates and CSS.

The guide is not a web page of the platform, so it has its own environment (autoescaped,
strict about undefined names) rather than Flask's: the command line builds the same
documents without an app. Catalogue HTML is already sanitised; templates mark only that
HTML safe, never text.
"""

from __future__ import annotations

import hashlib
from datetime import date
from functools import cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from .plan import format_clock

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "trainer_guide" / "templates"
STYLESHEETS = ("guide.css", "print.css", "page.css")
"""``guide.css`` is shared by the PDF and the web page; ``print.css`` adds the paged-media rules
for the PDF, ``page.css`` the planner form around the guide on the web page."""


def format_minutes(minutes: int | None) -> str:
    if not minutes:
        return "0 min"
    hours, rest = divmod(int(minutes), 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} h" if hours else f"{rest} min"


def format_edition(value: str) -> str:
    """``"2026-11-28"`` -> ``"28 November 2026"``; anything else is shown as written."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return value
    return f"{day.day} {day:%B %Y}"


def letter(index: int) -> str:
    """0 -> A: the labels of options on paper."""
    return chr(ord("A") + index) if index < 26 else str(index + 1)


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["clock"] = format_clock
    env.filters["minutes"] = format_minutes
    env.filters["edition"] = format_edition
    env.filters["letter"] = letter
    return env


def render(template: str, **context: object) -> str:
    return environment().get_template(template).render(**context)


def stylesheet(name: str) -> str:
    if name not in STYLESHEETS:
        raise KeyError(name)
    return (TEMPLATES_DIR / name).read_text(encoding="utf-8")


@cache
def templates_version() -> str:
    """A digest of every template, stylesheet and font: part of each cached PDF's key, so a
    changed template never serves an old PDF."""
    digest = hashlib.sha256()
    code = Path(__file__).resolve().parent
    for path in sorted([*TEMPLATES_DIR.rglob("*"), *code.glob("*.py")]):
        if path.is_file():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]
