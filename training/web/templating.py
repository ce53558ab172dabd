"""What every template can use: the catalogue, fingerprinted static URLs, small filters.

Dates, numbers, percentages and country names are formatted for the reader's language by
:mod:`training.i18n`, which also installs ``_()`` and the language switch."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from ..course import get_catalogue
from ..models import Role
from ..progress import percent_of
from .access import is_staff
from .assets import asset_url


def init_app(app: Flask) -> None:
    app.jinja_env.filters["percent"] = percent_of
    app.jinja_env.globals["asset_url"] = asset_url
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def _globals() -> dict:
        return {
            "course_title": get_catalogue().guide.title,
            "is_staff": is_staff(current_user),
            "is_admin": current_user.is_authenticated and current_user.role == Role.ADMIN,
        }
