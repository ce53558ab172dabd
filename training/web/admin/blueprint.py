"""The admin blueprint object, shared by the view modules of this package."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
