"""The shared PDF store and the limits on builds in flight, across two app processes on one
database (the SQLite file, or PostgreSQL when the suite runs on it): what two app servers
behind a load balancer see."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import sqlalchemy as sa

from training.extensions import db
from training.models import GuideBuild, GuidePdf

from ..helpers import ROOT, database_url


def _ask_at_once(tmp_path, requests: list[tuple[str, str]], limit: int = 2, delay: float = 1.0) -> tuple[list, list]:
    """Start one process per (document name, user), let them ask together, return their
    answers and the process ids that typeset something."""
    log, go = tmp_path / "builds.log", tmp_path / "go"
    log.touch()
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.guide.store_worker", database_url(tmp_path), name, user, str(log), str(go)]
            + [str(limit), str(delay)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for name, user in requests
    ]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("go.ready.*"))) < len(workers) and time.monotonic() < deadline:
        time.sleep(0.05)  # every worker has started and waits for the signal
    go.touch()
    answers = []
    for worker in workers:
        out, _ = worker.communicate(timeout=120)
        assert worker.returncode == 0
        answers.append(json.loads(out.strip().splitlines()[-1]))
    return answers, log.read_text().split()


def _rows(model: type) -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_two_servers_asking_for_one_new_pdf_typeset_it_once_and_serve_the_same_bytes(app, tmp_path):
    answers, builders = _ask_at_once(tmp_path, [("guide-variant", "7"), ("guide-variant", "8")])
    assert len(builders) == 1, builders
    assert "sha256" in answers[0] and answers[0] == answers[1]
    assert _rows(GuidePdf) == 1 and _rows(GuideBuild) == 0


def test_the_cluster_limit_holds_across_servers(app, tmp_path):
    answers, builders = _ask_at_once(tmp_path, [("variant-a", "7"), ("variant-b", "8")], limit=1, delay=2.0)
    assert {"busy": "all"} in answers and any("sha256" in a for a in answers)
    assert len(builders) == 1 and _rows(GuidePdf) == 1 and _rows(GuideBuild) == 0


def test_one_person_typesets_one_pdf_at_a_time_whichever_server_they_reach(app, tmp_path):
    answers, builders = _ask_at_once(tmp_path, [("variant-a", "7"), ("variant-b", "7")], limit=2, delay=2.0)
    assert {"busy": "user"} in answers and any("sha256" in a for a in answers)
    assert len(builders) == 1 and _rows(GuideBuild) == 0


def test_the_store_keeps_the_most_recently_used_pdfs_within_its_size(app, catalogue):
    from training.guide import pdf_key
    from training.services.guide_pdfs import DatabaseStore

    app.config["GUIDE_CACHE_MB"] = 1
    store = DatabaseStore()
    first, second = pdf_key(catalogue, "test", n=1), pdf_key(catalogue, "test", n=2)
    store.put(first, b"%PDF-" + b"1" * 600_000)
    store.put(second, b"%PDF-" + b"2" * 600_000)  # together over 1 MB: the older one goes
    assert store.get(first) is None and store.get(second).startswith(b"%PDF-2")
    assert _rows(GuidePdf) == 1
