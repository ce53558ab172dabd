"""The production server: gunicorn running ``create_app`` with production settings.

Defaults suit a small machine: two worker processes per CPU core (at most eight), one
request at a time each, replaced after a few thousand requests so memory stays bounded.
Behind a proxy, gunicorn honours the scheme headers (``X-Forwarded-Proto``) only from
``FORWARDED_ALLOW_IPS`` and only when ``TRUSTED_PROXIES`` says there is a proxy; the app does
the same for the client address (:mod:`training.proxies`). Logs are JSON lines on stderr
(:mod:`training.logs`); with ``--metrics-bind`` the master process serves Prometheus metrics
added up over its workers (:mod:`training.metrics`).
"""

from __future__ import annotations

import gc
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn import glogging
from gunicorn.app.base import BaseApplication

from . import create_app

DEFAULT_THREADS = 1
"""One request at a time per worker process: on two cores this gave the most throughput and
the fewest slow answers (docs/performance.md). Put a buffering proxy such as nginx in front
so that slow connections never hold a worker."""


def worker_class(threads: int) -> str:
    """gunicorn's sync worker for one request at a time, its threaded worker for several.

    A sync worker takes a connection only when it is free and answers one request on it, so
    waiting requests queue in the listening socket, first come first served, for whichever
    worker frees first. The threaded worker keeps connections alive and takes every one it is
    offered, busy or not: one worker ended up holding most of the clients, who waited behind
    each other while the other workers idled (lesson page p99 44–82 ms against 24–38 ms with
    the sync worker, for a few per cent of throughput; docs/performance.md, "Shared fairly").
    Behind nginx the price is a new local connection per request."""
    return "sync" if threads == 1 else "gthread"


MAX_REQUESTS, MAX_REQUESTS_JITTER = 5000, 500
"""Workers are replaced after about this many requests, so memory stays bounded (the serving
benchmark gives its baselines the same recycling)."""

OPTIONAL_SETTINGS = {"control_socket_disable"}
METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"
_metrics_server: Any = None  # the metrics endpoint's HTTP server, in the master process


def default_workers() -> int:
    return max(2, min(8, 2 * (os.cpu_count() or 1)))


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict, app: Flask):
        self.options = options
        self.application = app
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if key in OPTIONAL_SETTINGS and key not in self.cfg.settings:
                continue  # an older gunicorn without it
            self.cfg.set(key, value)

    def load(self):
        return self.application


class Logger(glogging.Logger):
    """gunicorn's logger, which builds every access line before its logger drops it (it counts
    the line as wanted whenever a logging configuration is given; ours turns gunicorn's lines
    off, see ``logs.logging_config``): about 3 % of a lesson page's time under load."""

    def access(self, resp: Any, req: Any, environ: MutableMapping[str, Any], request_time: Any) -> None:
        if self.access_log.isEnabledFor(logging.INFO):
            super().access(resp, req, environ, request_time)


def post_fork(_server, worker) -> None:
    """Workers must not share database connections inherited from the parent. With several
    request threads, they hand over the interpreter more often than Python's default 5 ms, so
    a thread that holds the database's write turn gets it back quickly; with one (the
    default, a sync worker) there is no other thread to hand over to."""
    from .extensions import db

    default = "0.001" if worker.cfg.threads > 1 else str(sys.getswitchinterval())
    sys.setswitchinterval(float(os.environ.get("TRAINING_SWITCH_INTERVAL", default)))
    if _metrics_server is not None:
        _metrics_server.socket.close()  # the master's listening socket, inherited: not the worker's

    app = getattr(worker, "wsgi", None)
    if app is not None:
        with app.app_context():
            db.engine.dispose(close=False)


def _start_metrics(bind: str):
    def when_ready(_server) -> None:
        global _metrics_server
        from . import metrics

        _metrics_server = metrics.serve_metrics(bind)

    def child_exit(_server, worker) -> None:
        from . import metrics

        metrics.worker_exited(worker.pid)

    return when_ready, child_exit


def prepare_metrics_dir() -> Path:
    """The folder where worker processes leave their numbers for the master to add up, empty
    at start-up (numbers left by an earlier run would be counted twice). prometheus-client
    reads the variable when it is first imported, so this runs before the app is created."""
    if "prometheus_client" in sys.modules:
        raise RuntimeError("prometheus_client was imported before its multiprocess folder was set")
    given = os.environ.get(METRICS_DIR)
    folder = Path(given) if given else Path(tempfile.mkdtemp(prefix="training-metrics-"))
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.db"):
        old.unlink()
    os.environ[METRICS_DIR] = str(folder)
    return folder


def compile_templates(app: Flask) -> None:
    """Compile every page template once, in the master process before the workers fork, so
    that a worker (replaced every few thousand requests) does not compile them again on its
    first requests: about 0.8 s once at start-up, against 50–120 ms added to the first lesson
    page, course map and dashboard of every new worker (docs/performance.md)."""
    for name in app.jinja_env.list_templates():
        app.jinja_env.get_template(name)


YOUNG_COLLECTION_THRESHOLD = 10_000
"""Allocations between two collections of the youngest generation (Python's default: 700).
A lesson page allocates a few thousand objects; collecting every 700 ran several young
collections per page, each walking whatever was alive at that moment: 5 % of a worker's CPU
under load (docs/performance.md, "The request path, third pass"). The older generations
keep their defaults."""


def prepare_to_fork(app: Flask) -> None:
    """Work done once in the master process so that every worker starts ready: the page
    templates compiled, and everything loaded so far (the course in every language, the
    compiled templates, the imported modules) moved out of the garbage collector's sight with
    ``gc.freeze``. Workers then never walk those objects in a full collection (which took
    longer, the more content was loaded: the slowest answers under load), and do not copy
    the pages holding them on their first collection (what ``gc.freeze`` is for, see its
    documentation). The collation table that sorts country names is read here too, rather
    than on the first such page of every worker."""
    from .i18n import collator

    compile_templates(app)
    collator()
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, older, oldest)


def _server_app(env_name: str, threads: int) -> Flask:
    """The app a server runs, once this server is known to share the site's secret key."""
    from .probes import check_before_serving

    app = create_app({"ENV_NAME": os.environ.get("TRAINING_ENV_NAME", env_name), "SERVER_THREADS": threads})
    check_before_serving(app)
    return app


def run_gunicorn(
    host: str, port: int, workers: int | None = None, threads: int | None = None, metrics_bind: str | None = None
) -> None:
    from .logs import logging_config

    threads = threads or DEFAULT_THREADS
    made_dir = None
    if metrics_bind:
        folder = prepare_metrics_dir()
        made_dir = folder if folder.name.startswith("training-metrics-") else None
    app = _server_app("production", threads)
    prepare_to_fork(app)
    config = app.config
    options: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "workers": workers or default_workers(),
        "threads": threads,
        "worker_class": worker_class(threads),
        "timeout": 60,
        "graceful_timeout": 20,
        "keepalive": 5,  # threaded workers only: a sync worker closes each connection after its answer
        "accesslog": None,  # ACCESS_LOG writes a JSON line per request instead, with its id
        "errorlog": "-",
        "loglevel": str(config["LOG_LEVEL"]).lower(),
        "logger_class": Logger,
        "logconfig_dict": logging_config(config["LOG_LEVEL"], config["LOG_FORMAT"], bool(config["ACCESS_LOG"])),
        "preload_app": True,
        "max_requests": MAX_REQUESTS,
        "max_requests_jitter": MAX_REQUESTS_JITTER,
        "post_fork": post_fork,
        # The scheme headers count only from the proxies, and only when there is one.
        "forwarded_allow_ips": config["FORWARDED_ALLOW_IPS"] if config["TRUSTED_PROXIES"] else "",
        # gunicorn 24's control socket sits at one path per user: several servers on one
        # machine would contend for it, and nothing here uses it.
        "control_socket_disable": True,
    }
    if metrics_bind:
        options["when_ready"], options["child_exit"] = _start_metrics(metrics_bind)
    try:
        _Gunicorn(options, app).run()
    finally:
        if made_dir is not None:
            shutil.rmtree(made_dir, ignore_errors=True)


def run_development(host: str, port: int, metrics_bind: str | None = None) -> None:
    """The single-process development server, with the same logs and metrics."""
    from werkzeug.serving import run_simple

    from . import logs, metrics

    app = _server_app("development", threads=8)
    logs.configure(app.config)
    if metrics_bind:
        metrics.serve_metrics(metrics_bind)
    run_simple(host, port, app, threaded=True)
