"""The guide worker (``TRAINING_GUIDE_WORKER``): a request for a PDF not stored yet queues one
job per document and answers a page that refreshes itself; ``training guide work`` (the real
command, in its own process, on the same database) typesets it; the same address then serves
the PDF."""

from __future__ import annotations

import os
import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa

from training.extensions import db
from training.models import GuideJob, GuidePdf, utcnow

from ..livesite import TRAINING
from .conftest import needs_poppler, pdf_text

VARIANT = "/guide.pdf?units=alpha&days=1&hours=5.5"


@pytest.fixture
def app_overrides():
    return {"GUIDE_WORKER": True}


def same_site(app) -> dict[str, str]:
    """The environment of a command run against the test app's database and content."""
    return {
        **os.environ,
        "TRAINING_DATABASE_URL": app.config["DATABASE_URL"],
        "TRAINING_CONTENT_DIR": str(app.config["CONTENT_DIR"]),
    }


def work(app) -> subprocess.CompletedProcess:
    return subprocess.run(
        [TRAINING, "guide", "work", "--once"],
        env=same_site(app),
        capture_output=True,
        text=True,
        check=True,
        timeout=180,
    )


def jobs() -> list[tuple[str, int]]:
    db.session.rollback()  # a fresh snapshot: see what the requests and the worker wrote
    return [tuple(row) for row in db.session.execute(sa.select(GuideJob.status, GuideJob.tries))]


@needs_poppler
def test_a_new_variant_is_queued_then_typeset_by_the_worker_and_served_at_the_same_address(
    app, client, login_as, tmp_path
):
    login_as("trainer")
    first = client.get(VARIANT)
    assert first.status_code == 202 and first.mimetype == "text/html"
    page = first.get_data(as_text=True)
    assert "Your PDF is being prepared" in page and "waiting its turn" in page
    assert first.headers["Refresh"] == "5" and "checks again every 5 seconds" in page  # no JavaScript needed
    assert f'href="{VARIANT.replace("&", "&amp;")}"' in page and "Check again" in page
    assert client.get(VARIANT).status_code == 202  # asked again (the page refreshing): still one job
    assert jobs() == [("waiting", 0)]

    done = work(app)
    assert "guide typeset" in done.stderr
    assert jobs() == [("done", 1)]
    pdf = client.get(VARIANT)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    (tmp_path / "guide.pdf").write_bytes(pdf.data)
    text = pdf_text(tmp_path / "guide.pdf")
    assert "Trainer" in text and "Alpha" in text


def test_the_reader_can_stop_the_page_reloading_itself(client, login_as):
    login_as("trainer")
    page = client.get(VARIANT).get_data(as_text=True)
    stop = f"{VARIANT}&refresh=off"
    assert f'href="{stop.replace("&", "&amp;")}"' in page and "Stop checking automatically" in page
    manual = client.get(stop)
    assert manual.status_code == 202 and "Refresh" not in manual.headers
    text = manual.get_data(as_text=True)
    assert "checks again every" not in text and f'href="{stop.replace("&", "&amp;")}">Check again' in text
    assert jobs() == [("waiting", 0)]


def test_two_people_asking_for_one_variant_make_one_job(app, client, login_as, auth):
    login_as("trainer")
    assert client.get(VARIANT).status_code == 202
    auth.logout()
    login_as("admin")
    assert client.get(VARIANT).status_code == 202
    assert jobs() == [("waiting", 0)]


def test_the_waiting_page_says_when_the_pdf_is_being_typeset(app, client, login_as):
    login_as("trainer")
    client.get(VARIANT)
    db.session.rollback()
    db.session.execute(sa.update(GuideJob).values(status="building", tries=1))
    db.session.commit()
    page = client.get(VARIANT)
    assert page.status_code == 202 and "being typeset now" in page.get_data(as_text=True)


def test_in_french_the_waiting_page_is_in_french(app, client, login_as):
    login_as("trainer", language="fr")
    page = client.get(VARIANT).get_data(as_text=True)
    assert "Votre PDF est en préparation" in page


def test_bad_planner_values_still_get_400_and_queue_nothing(client, login_as):
    login_as("trainer")
    response = client.get("/guide.pdf?days=40")
    assert response.status_code == 400 and "Number of days" in response.get_data(as_text=True)
    assert jobs() == []


def test_learners_cannot_queue_the_guide(client, login_as):
    login_as("learner")
    assert client.get(VARIANT).status_code == 403
    assert jobs() == []


def test_one_person_cannot_fill_the_queue(app, client, login_as):
    login_as("trainer")
    limit = app.config["GUIDE_JOBS_PER_USER"]
    for days in range(1, limit + 1):
        assert client.get(f"/guide.pdf?days={days}").status_code == 202
    over = client.get(f"/guide.pdf?days={limit + 1}")
    assert over.status_code == 429 and "Retry-After" in over.headers
    assert len(jobs()) == limit


def test_a_document_that_cannot_be_typeset_is_marked_failed_after_its_tries(app, client, login_as):
    login_as("trainer")
    client.get(VARIANT)
    db.session.rollback()
    db.session.execute(sa.update(GuideJob).values(parts='{"kind": "guide", "units": ["gone"], "options": {}}'))
    db.session.commit()
    for _ in range(app.config["GUIDE_JOB_TRIES"]):
        work(app)
    db.session.rollback()
    status, tries, error = db.session.execute(sa.select(GuideJob.status, GuideJob.tries, GuideJob.error)).one()
    assert (status, tries) == ("failed", app.config["GUIDE_JOB_TRIES"]) and "gone" in error
    failed = client.get(VARIANT)
    assert failed.status_code == 500 and "could not be typeset" in failed.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GuidePdf)) == 0


def test_two_workers_share_the_queue_and_typeset_each_pdf_once(app, client, login_as):
    login_as("trainer")
    for days in (1, 2):
        assert client.get(f"/guide.pdf?units=alpha&days={days}").status_code == 202
    workers = [
        subprocess.Popen([TRAINING, "guide", "work", "--once"], env=same_site(app), stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    logs = [worker.communicate(timeout=180)[1] for worker in workers]
    assert [worker.returncode for worker in workers] == [0, 0]
    assert sum(log.count("guide typeset") for log in logs) == 2, logs
    assert sorted(jobs()) == [("done", 1), ("done", 1)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(GuidePdf)) == 2


def test_a_job_left_by_a_worker_that_died_is_taken_again(app, client, login_as):
    login_as("trainer")
    client.get(VARIANT)
    db.session.rollback()
    long_ago = utcnow() - timedelta(seconds=app.config["GUIDE_BUILD_TIMEOUT"] + 1)
    db.session.execute(sa.update(GuideJob).values(status="building", tries=1, started_at=long_ago))
    db.session.commit()
    work(app)
    assert jobs() == [("done", 2)]
    assert client.get(VARIANT).mimetype == "application/pdf"
