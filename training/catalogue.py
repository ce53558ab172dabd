"""The course catalogue of the running app: loaded once at start-up, then read-only.

The server refuses to start on invalid content, with the same ``path:line: message`` lines
that ``training content check`` prints.
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask, current_app

from .content import Catalogue, build_catalogue

EXTENSION_KEY = "training.catalogue"


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = build_catalogue(Path(app.config["CONTENT_DIR"]))


def get_catalogue() -> Catalogue:
    return current_app.extensions[EXTENSION_KEY]
