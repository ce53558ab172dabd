"""What pages print is escaped, and an error never shows the inside of the platform."""

from __future__ import annotations

import re
from pathlib import Path

from training import create_app
from training.web.access import PUBLIC, access

from ..helpers import ROOT, make_config, reset_database

TEMPLATES = ROOT / "training" / "templates"
SAFE = re.compile(r"\{\{\s*([^{}|]+?)\s*\|\s*safe\s*\}\}")
REVIEWED = {
    ("learn/_lesson_parts.html", "s"),  # one of lesson.sources_html
    ("learn/lesson.html", "parts.breadcrumbs"),  # macros of learn/_lesson_parts.html, autoescaped
    ("learn/lesson.html", "parts.body"),
    ("learn/lesson.html", "parts.pager"),
}
"""``|safe`` on something whose name does not say it is sanitised HTML: each one reviewed."""


def test_templates_mark_only_sanitised_html_as_safe():
    """The catalogue renders course Markdown once and sanitises it (docs/security.md OUT-3);
    its fields end in ``html``. Anything else marked safe must be reviewed and listed above,
    so a person's name can never reach a page unescaped through ``|safe``."""
    unreviewed = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        text = path.read_text(encoding="utf-8")
        assert "autoescape false" not in text, name
        for expression in SAFE.findall(text):
            if not expression.endswith("html") and (name, expression) not in REVIEWED:
                unreviewed.append(f"{name}: {{{{ {expression}|safe }}}}")
    assert unreviewed == []
    assert len(list(TEMPLATES.rglob("*.html"))) > 30


def test_page_templates_are_autoescaped(app):
    assert all(app.jinja_env.autoescape(f"{name}.html") for name in ("base", "learn/lesson", "admin/users"))
    for path in (ROOT / "training").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "render_template_string" not in text and "Markup(" not in text, path


def test_an_unexpected_error_shows_a_generic_page(tmp_path: Path):
    secret = "production-secret-key-that-is-long-enough-0123456789"
    app = create_app(make_config(tmp_path, ENV_NAME="production", SECRET_KEY=secret, ALLOW_SQLITE=True))
    reset_database(app)

    @access(PUBLIC)
    def explode() -> str:
        raise RuntimeError(f"SELECT password_hash FROM user -- {secret}")

    app.add_url_rule("/explode", "explode", explode)
    response = app.test_client().get("/explode")
    page = response.get_data(as_text=True)
    with app.app_context():
        from training.extensions import db

        db.engine.dispose()
    assert response.status_code == 500
    assert "Something went wrong" in page
    for inside in ("Traceback", "RuntimeError", "SELECT", "password_hash", secret, "training/"):
        assert inside not in page, inside
    assert not app.debug
