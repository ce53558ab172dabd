"""The production server's start-up: work done once in the master process, before the
workers fork."""

from __future__ import annotations

from training.server import compile_templates


def test_the_server_compiles_every_page_template_before_its_workers_fork(app):
    """A worker replaced after a few thousand requests inherits the compiled templates
    instead of compiling the lesson page's on its first request."""
    names = app.jinja_env.list_templates()
    assert "learn/lesson.html" in names and "base.html" in names
    app.jinja_env.cache.clear()
    compile_templates(app)
    loaded = {name for (_loader, name) in app.jinja_env.cache.keys()}
    assert loaded == set(names)
