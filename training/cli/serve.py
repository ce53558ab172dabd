"""``training serve``: gunicorn in production, or the development server."""

from __future__ import annotations

import click

from . import _create_app


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=None, type=int, help="Worker processes (default: 2 per CPU core, at most 8).")
@click.option("--threads", default=None, type=int, help="Threads per worker (default: 1).")
@click.option("--dev", is_flag=True, help="Run the single-process development server instead of gunicorn.")
def serve(host: str, port: int, workers: int | None, threads: int | None, dev: bool) -> None:
    """Serve the platform: gunicorn with production settings, or the development server.

    The course is loaded and checked before anything listens: on a problem, the server prints
    what `training content check` prints and exits with status 1."""
    if dev:
        from werkzeug.serving import run_simple

        run_simple(host, port, _create_app(), threaded=True)
        return
    from ..server import production_settings, run_gunicorn

    app = _create_app(overrides=production_settings())
    run_gunicorn(app, host=host, port=port, workers=workers, threads=threads)


COMMANDS = [serve]
