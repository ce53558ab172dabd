"""The course evaluation over real HTTP: answered once per learner and occasion, bad answers
refused with the answers kept, and results in aggregate for administrators and trainers,
with comments escaped and never attributed."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from training.extensions import db
from training.models import EvaluationAnswer, EvaluationResponse

from ..factories import build_cohort
from ..helpers import Auth, csrf_from


@pytest.fixture
def cohort(app):
    return build_cohort()


def _answer(client, data: dict[str, str], query: str = ""):
    token = csrf_from(client.get(f"/evaluation{query}").get_data(as_text=True))
    return client.post(f"/evaluation{query}", data={"csrf_token": token, **data})


def _responses() -> int:
    db.session.rollback()
    return db.session.scalar(sa.select(sa.func.count(EvaluationResponse.id))) or 0


def test_a_learner_answers_once_and_bad_answers_are_refused_with_the_rest_kept(client, login_as):
    login_as("learner")
    page = client.get("/evaluation").get_data(as_text=True)
    assert "How useful was the course?" in page and 'name="q-useful"' in page
    bad = _answer(client, {"q-useful": "9", "q-improve": "Shorter videos"})
    assert bad.status_code == 400
    body = bad.get_data(as_text=True)
    assert "Choose one of the points from 1 to 5." in body and "Shorter videos" in body
    too_long = _answer(client, {"q-useful": "4", "q-improve": "x" * 301})
    assert too_long.status_code == 400 and "Shorten this answer to 300 characters" in too_long.get_data(as_text=True)
    assert _answer(client, {}).status_code == 400  # nothing answered: nothing saved
    assert _responses() == 0
    done = _answer(client, {"q-useful": "4", "q-pace": "2", "q-improve": "More examples"})
    assert done.status_code == 303
    assert "You have answered this evaluation" in client.get("/evaluation").get_data(as_text=True)
    token = csrf_from(client.get("/dashboard").get_data(as_text=True))
    again = client.post("/evaluation", data={"csrf_token": token, "q-useful": "1"})
    assert again.status_code == 409
    assert _responses() == 1
    ratings = dict(db.session.execute(sa.select(EvaluationAnswer.question_id, EvaluationAnswer.rating)).all())
    assert ratings == {"useful": 4, "pace": 2, "improve": None}


def test_after_a_workshop_only_the_groups_learners_answer(app, cohort):
    ana = app.test_client()
    Auth(ana).login(cohort.ana.email)
    assert ana.get(f"/evaluation?group={cohort.south.id}").status_code == 404  # not her group
    assert ana.get("/evaluation?group=x").status_code == 404
    assert _answer(ana, {"q-useful": "5"}, f"?group={cohort.north.id}").status_code == 303
    assert _answer(ana, {"q-useful": "3"}).status_code == 303  # the end of the course: another occasion
    assert _responses() == 2


def test_results_are_aggregated_escaped_and_anonymous_and_trainers_see_their_groups(app, cohort):
    for learner, rating, comment in (
        (cohort.ana, "5", "<script>alert(1)</script> great"),
        (cohort.bo, "3", '=HYPERLINK("http://x") too long'),
        (cohort.chen, "1", "South comment"),
    ):
        c = app.test_client()
        Auth(c).login(learner.email)
        assert _answer(c, {"q-useful": rating, "q-improve": comment}).status_code == 303
    admin = app.test_client()
    Auth(admin).login(cohort.admin.email)
    page = admin.get("/admin/evaluation").get_data(as_text=True)
    assert "3 responses." in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; great" in page and "<script>alert(1)" not in page
    assert "3.0" in page  # (5 + 3 + 1) / 3
    results = page.split("<main", 1)[1]
    for learner in (cohort.ana, cohort.bo, cohort.chen):
        assert (
            learner.email not in results and f">{learner.name}<" not in results and f" {learner.name} " not in results
        )
    rows = list(csv.reader(io.StringIO(admin.get("/admin/evaluation.csv").get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["question", "type", "answers", "average", "distribution", "comment"]
    assert rows[1][:5] == ["How useful was the course?", "rating", "3", "3.0", "1:1 2:0 3:1 4:0 5:1"]
    comments = [r[5] for r in rows if r[1] == "text"]
    assert len(comments) == 3 and not any(c.startswith("=") for c in comments)  # no formula reaches a spreadsheet
    trainer = app.test_client()
    Auth(trainer).login(cohort.trainer_north.email)
    theirs = trainer.get("/admin/evaluation").get_data(as_text=True)
    assert "2 responses." in theirs and "South comment" not in theirs
