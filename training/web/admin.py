"""Blueprint "admin": accounts, groups, imports, trainer follow-up, reports and exports."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
