"""The production server's start-up: work done once in the master process, before the
workers fork."""

from __future__ import annotations

import gc
import subprocess
import sys

import pytest

from training.course import get_catalogue
from training.i18n import collator
from training.server import YOUNG_COLLECTION_THRESHOLD, compile_templates, prepare_to_fork


def test_the_server_compiles_every_page_template_before_its_workers_fork(app):
    """A worker replaced after a few thousand requests inherits the compiled templates
    instead of compiling the lesson page's on its first request."""
    names = app.jinja_env.list_templates()
    assert "learn/lesson.html" in names and "base.html" in names
    app.jinja_env.cache.clear()
    compile_templates(app)
    loaded = {name for (_loader, name) in app.jinja_env.cache.keys()}
    assert loaded == set(names)


@pytest.fixture
def garbage_collector():
    """The collector's settings as they were before the test, restored after it: preparing to
    fork freezes every object and changes the thresholds of this test process."""
    threshold = gc.get_threshold()
    yield threshold
    gc.unfreeze()
    gc.set_threshold(*threshold)


def test_what_the_master_loaded_is_out_of_the_workers_garbage_collections(app, garbage_collector):
    """The course, the templates and the modules, loaded once before the fork, are never
    walked again by a worker's collections (the slowest answers under load came from them),
    and the youngest generation is collected less often than Python's default."""
    with app.app_context():
        catalogue = get_catalogue()
    assert any(found is catalogue for found in gc.get_objects())
    prepare_to_fork(app)
    assert not any(found is catalogue for found in gc.get_objects())
    assert gc.get_freeze_count() > 10_000
    assert gc.get_threshold() == (YOUNG_COLLECTION_THRESHOLD, *garbage_collector[1:])
    assert "learn/lesson.html" in {name for (_loader, name) in app.jinja_env.cache.keys()}


def test_commands_do_without_the_collation_table_and_servers_read_it_before_forking(app, garbage_collector):
    """Reading the table that sorts country names takes about a third of a second: a
    ``training`` command that sorts none does not read it, a server reads it once for all its
    workers."""
    imported = subprocess.run(
        [sys.executable, "-c", "import training.cli, training.i18n as i; print(i.collator.cache_info().currsize)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert imported.stdout.strip() == "0"
    collator.cache_clear()
    prepare_to_fork(app)
    assert collator.cache_info().currsize == 1
