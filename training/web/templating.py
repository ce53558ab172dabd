"""What every template can use: the course in the reader's language, fingerprinted static
URLs, small filters.

Dates, numbers, percentages and country names are formatted for the reader's language by
:mod:`training.i18n`, which also installs ``_()`` and the language switch.

Course text and interface text may differ in language on one page: a French page shows an
English lesson where the French translation is missing, an English page (the interface has
no Arabic) shows Arabic lessons. The helpers here mark such text with its own ``lang`` and
``dir``, so screen readers pronounce it right and right-to-left text runs right to left, and
say where a translation is missing (``translation_notice`` in ``_macros.html``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Protocol

from flask import Flask, has_request_context, request, url_for
from flask_login import current_user

from ..content.colours import palette
from ..content.markdown import images_as_alt_html
from ..course import get_catalogue, get_course
from ..i18n import current_language, language_name_for_reader, text_direction
from ..models import Role
from ..progress import percent_of
from .access import is_staff
from .assets import asset_url, theme_url


class Written(Protocol):
    """Course text that knows its language: a unit, lesson, quiz or the guide's parts."""

    @property
    def language(self) -> str: ...


def init_app(app: Flask) -> None:
    app.jinja_env.filters["percent"] = percent_of
    app.jinja_env.filters["language_in_reader"] = language_name_for_reader
    app.jinja_env.filters["images_as_alt"] = lambda html: images_as_alt_html(str(html))
    app.jinja_env.globals.update(
        asset_url=asset_url,
        theme_url=theme_url,
        get_course=get_course,
        lang_of=lang_of,
        untranslated=untranslated,
        reading_language=reading_language,
        fixed_url=fixed_url,
    )
    app.jinja_env.globals["theme_colour"] = lambda: palette(get_catalogue().course.colours)["main"]  # phones' bars
    # emails: no request, so the course's name in the message's language
    app.jinja_env.globals["course_name"] = lambda language: get_catalogue().in_language(language).course.name
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _globals() -> dict:
        course = get_course().course
        return {
            "course": course,
            "course_title": course.name,
            "course_title_lang": lang_of(course),
            "is_staff": is_staff(current_user),
            "is_admin": current_user.is_authenticated and current_user.role == Role.ADMIN,
        }


def fixed_url(endpoint: str, **values: Any) -> str:
    """``url_for`` for a page whose address depends only on its arguments and where the site
    is mounted (no query from this request, no host): worked out once and remembered. The
    course map links every unit, lesson and quiz, some 80 addresses per view."""
    if not has_request_context():
        return url_for(endpoint, **values)
    return _fixed_url(request.script_root, endpoint, tuple(sorted(values.items())))


@lru_cache(maxsize=4096)
def _fixed_url(script_root: str, endpoint: str, values: tuple[tuple[str, Any], ...]) -> str:
    return url_for(endpoint, **dict(values))


def lang_of(item: Written) -> dict[str, str]:
    """``lang`` and ``dir`` for an element holding course text in another language than the
    page's (``<h1{{ lang_of(lesson)|xmlattr }}>``); none when they agree (the page's
    ``<html lang>`` says it already). ``in_own_language`` in ``_macros.html`` wraps course text
    that sits inside an interface sentence."""
    language = item.language
    if language.lower() == current_language().lower():
        return {}
    return {"lang": language, "dir": text_direction(language)}


def reading_language() -> str:
    """The language of the course view this request reads (the source's when the course has
    no translation into the reader's language)."""
    return get_course().language


def untranslated(item: Written) -> bool:
    """The item is shown in the source language because the reader's language has no
    translation of it (only for a language the course is translated into)."""
    return item.language != reading_language()
