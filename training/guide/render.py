"""The Jinja environment over ``trainer_guide/templates``: the HTML guide's templates and CSS.

The guide is not a web page of the platform, so it has its own environment (autoescaped,
strict about undefined names) rather than Flask's: the command line builds the same
documents without an app. Catalogue HTML is already sanitised; templates mark only that
HTML safe, never text.
"""

from __future__ import annotations

from datetime import date
from functools import cache

from babel import UnknownLocaleError
from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from ..config import shipped
from .plan import format_clock, format_minutes
from .views import letter

TEMPLATES_DIR = shipped("guide/templates", "trainer_guide/templates")
STYLESHEETS = ("guide.css", "page.css")
"""``guide.css`` styles the guide's article, ``page.css`` the planner form around it."""


def format_edition(value: str, language: str = "en") -> str:
    """``"2026-11-28"`` -> ``"28 November 2026"`` (``"28 novembre 2026"`` in French, ``"28 de
    noviembre de 2026"`` in Spanish); anything else is shown as written."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return value
    try:
        return format_date(day, format="long", locale="en_GB" if language == "en" else language.replace("-", "_"))
    except (ValueError, UnknownLocaleError):  # a language Babel does not know
        return day.isoformat()


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
