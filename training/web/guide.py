"""Blueprint "guide": the trainer's guide as HTML and PDF, the workshop planner, handouts."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("guide", __name__)
