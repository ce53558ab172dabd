"""``training serve``: gunicorn in production, or the development server."""

from __future__ import annotations

import sys

import click


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=None, type=int, help="Worker processes (default: 2 per CPU core, at most 8).")
@click.option("--threads", default=None, type=int, help="Threads per worker (default: 1).")
@click.option(
    "--metrics-bind",
    envvar="TRAINING_METRICS_BIND",
    metavar="HOST:PORT",
    help="Serve Prometheus metrics on this address, for operators only (never a public one).",
)
@click.option("--dev", is_flag=True, help="Run the single-process development server instead of gunicorn.")
def serve(host: str, port: int, workers: int | None, threads: int | None, metrics_bind: str | None, dev: bool) -> None:
    """Serve the platform: gunicorn with production settings, or the development server."""
    from ..probes import NotServing
    from ..server import run_development, run_gunicorn

    if metrics_bind:
        check_bind(metrics_bind)
    try:
        if dev:
            run_development(host, port, metrics_bind)
        else:
            run_gunicorn(host=host, port=port, workers=workers, threads=threads, metrics_bind=metrics_bind)
    except NotServing as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)


def check_bind(bind: str) -> None:
    host, sep, port = bind.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise click.BadParameter(f"expected HOST:PORT, got {bind!r}", param_hint="--metrics-bind")


COMMANDS = [serve]
