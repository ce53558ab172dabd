"""Prometheus metrics, for operators only.

``training serve --metrics-bind 127.0.0.1:9100`` (or ``TRAINING_METRICS_BIND``) serves them
on an address of their own, from gunicorn's master process, which adds up what every worker
counted (prometheus-client's multiprocess mode: each worker writes its numbers to a file in a
folder of the server's own). Nothing here is reachable through the site itself: nginx proxies
only the app's port, and the metrics port stays on loopback or a private network that only
the monitoring server reaches (docs/deploying.md).

What is measured:

* ``training_request_duration_seconds{route, method, status}``: the time to answer, by route
  (the endpoint name, so ids in URLs never multiply the series);
* ``training_quiz_submissions_total{result}``: ``passed``, ``failed``, or ``duplicate`` for a
  second submit of an attempt already graded (answered without grading again);
* ``training_sign_in_failures_total{reason}``: ``password`` (or code) refused, ``locked``;
* ``training_guide_builds_total{kind}`` and ``training_guide_build_seconds{kind}``: PDFs
  typeset (a PDF served from the shared store is not a build);
* ``training_guide_builds_in_flight``: PDFs this server is typesetting now (within the limits
  of ``GUIDE_BUILDS_IN_FLIGHT``);
* ``training_guide_jobs_waiting``: with the guide worker on, the PDFs queued for it, as the
  worker last saw (``training guide work --metrics-bind``, which also counts its builds above).
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask, Response
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, multiprocess, start_http_server

from .context import the_request
from .logs import elapsed

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"  # set by training.server before this module loads

REQUEST_SECONDS = Histogram(
    "training_request_duration_seconds",
    "Time to answer a request, by route.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
QUIZ_SUBMISSIONS = Counter("training_quiz_submissions_total", "Quiz submissions, by result.", ["result"])
SIGN_IN_FAILURES = Counter("training_sign_in_failures_total", "Sign-ins refused, by reason.", ["reason"])
GUIDE_BUILDS = Counter("training_guide_builds_total", "PDFs typeset, by kind.", ["kind"])
GUIDE_BUILD_SECONDS = Histogram(
    "training_guide_build_seconds",
    "Time to typeset a PDF, by kind.",
    ["kind"],
    buckets=(0.25, 0.5, 1, 2, 5, 10, 20, 40, 80),
)
GUIDE_BUILDS_IN_FLIGHT = Gauge(
    "training_guide_builds_in_flight", "PDFs being typeset by this server now.", multiprocess_mode="livesum"
)
GUIDE_JOBS_WAITING = Gauge(
    "training_guide_jobs_waiting", "PDFs waiting for the guide worker.", multiprocess_mode="mostrecent"
)


def init_app(app: Flask) -> None:
    app.after_request(_observe)


_timers: dict[tuple[str, str, int], Any] = {}
"""``REQUEST_SECONDS`` for each route, method and status, looked up once: ``labels()``
checks and locks on every call, and routes x methods x statuses are few."""


def _observe(response: Response) -> Response:
    current = the_request()
    key = (current.endpoint or "none", current.method, response.status_code)
    timer = _timers.get(key)
    if timer is None:
        timer = _timers[key] = REQUEST_SECONDS.labels(key[0], key[1], str(key[2]))
    timer.observe(elapsed())
    return response


def quiz_submitted(passed: bool | None) -> None:
    """``passed`` is None when the attempt had been graded already (a double submit)."""
    QUIZ_SUBMISSIONS.labels("duplicate" if passed is None else "passed" if passed else "failed").inc()


def sign_in_refused(locked: bool) -> None:
    SIGN_IN_FAILURES.labels("locked" if locked else "password").inc()


# --- serving them ------------------------------------------------------------------------------


def serve_metrics(bind: str):
    """Start the metrics endpoint in a thread of this process: every worker's numbers added up
    in multiprocess mode, this process's own otherwise (the development server). Returns the
    HTTP server, whose socket a forked worker closes."""
    host, _, port_text = bind.rpartition(":")
    host, port = host.strip("[]"), int(port_text)
    if os.environ.get(MULTIPROCESS_DIR):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        server, _thread = start_http_server(port, host, registry=registry)
    else:
        server, _thread = start_http_server(port, host)
    return server


def worker_exited(pid: int) -> None:
    """Forget a dead worker's live gauges (its counters stay counted)."""
    if os.environ.get(MULTIPROCESS_DIR):
        multiprocess.mark_process_dead(pid)
