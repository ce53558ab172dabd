"""The production server: gunicorn running ``create_app`` with production settings.

Defaults suit a small machine: two worker processes per CPU core (at most eight), each with
a few threads, so slow clients on poor connections do not block the others.
"""

from __future__ import annotations

import os

from gunicorn.app.base import BaseApplication

from . import create_app

DEFAULT_THREADS = 4


def default_workers() -> int:
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):  # noqa: ANN201 - the WSGI app
        return create_app({"ENV_NAME": os.environ.get("TRAINING_ENV_NAME", "production")})


def post_fork(_server, _worker) -> None:  # noqa: ANN001 - gunicorn hook
    """Workers must not share database connections inherited from the parent."""
    from .extensions import db

    app = getattr(_worker, "wsgi", None)
    if app is not None:
        with app.app_context():
            db.engine.dispose(close=False)


def run_gunicorn(host: str, port: int, workers: int | None = None, threads: int | None = None) -> None:
    _Gunicorn({
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
        "post_fork": post_fork,
        "forwarded_allow_ips": os.environ.get("TRAINING_FORWARDED_ALLOW_IPS", "127.0.0.1"),
    }).run()
