"""The production server: gunicorn running ``create_app`` with production settings.

Defaults suit a small machine: two worker processes per CPU core (at most eight), one
request at a time each, replaced after a few thousand requests so memory stays bounded.
"""

from __future__ import annotations

import os

from flask import Flask
from gunicorn.app.base import BaseApplication

DEFAULT_THREADS = 1
"""One request at a time per worker process: on two cores this gave the most throughput and
the fewest slow answers (docs/performance.md). Put a buffering proxy such as nginx in front
so that slow connections never hold a worker."""


def default_workers() -> int:
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


def production_settings() -> dict[str, str]:
    return {"ENV_NAME": os.environ.get("TRAINING_ENV_NAME", "production")}


class _Gunicorn(BaseApplication):
    """Serves an app built (and its course checked) before gunicorn starts; the workers
    inherit it, as gunicorn's ``preload_app`` would give them."""

    def __init__(self, app: Flask, options: dict):
        self.app, self.options = app, options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.app


def post_fork(_server, _worker) -> None:
    """Workers must not share database connections inherited from the parent. Threads hand
    over the interpreter more often than Python's default 5 ms, so a thread that holds the
    database's write turn gets it back quickly."""
    import sys

    from .extensions import db

    sys.setswitchinterval(float(os.environ.get("TRAINING_SWITCH_INTERVAL", "0.001")))

    app = getattr(_worker, "wsgi", None)
    if app is not None:
        with app.app_context():
            db.engine.dispose(close=False)


def run_gunicorn(app: Flask, host: str, port: int, workers: int | None = None, threads: int | None = None) -> None:
    _Gunicorn(
        app,
        {
            "bind": f"{host}:{port}",
            "workers": workers or default_workers(),
            "threads": threads or DEFAULT_THREADS,
            "worker_class": "gthread",
            "timeout": 60,
            "graceful_timeout": 20,
            "keepalive": 5,
            "accesslog": "-" if os.environ.get("TRAINING_ACCESS_LOG") else None,
            "errorlog": "-",
            "preload_app": True,
            "max_requests": 5000,  # workers are replaced now and then, so memory stays bounded
            "max_requests_jitter": 500,
            "post_fork": post_fork,
            "forwarded_allow_ips": os.environ.get("TRAINING_FORWARDED_ALLOW_IPS", "127.0.0.1"),
        },
    ).run()
