"""The learner's path through the real HTTP interface: map, unit, lesson, mark read, dashboard."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from training.course import get_catalogue
from training.extensions import db
from training.models import LessonProgress

from ..helpers import ROOT, get_csrf


def test_course_map_lists_units_in_order_with_durations(client, login_as):
    login_as("learner")
    page = client.get("/").get_data(as_text=True)
    assert page.index("Alpha unit") < page.index("Beta unit")
    assert "45 min" in page  # alpha: lessons of 15 and 20 minutes and a 10-minute quiz
    assert "35 min" in page  # beta: 10 + 10, and the default 15 minutes for its quiz
    assert "Start the course" in page


def test_lesson_page_shows_content_terms_sources_but_no_trainer_material(client, login_as):
    login_as("learner")
    page = client.get("/units/alpha/first-steps").get_data(as_text=True)
    assert "304 million people moved in 2024" in page
    assert "Key terms" in page and "A move forward." in page
    assert "Fixture Report 2024" in page
    assert "FIRST-LESSON-TRAINER-NOTE" not in page
    assert "trainer-only" not in page
    assert 'action="/units/alpha/first-steps/complete"' in page


def test_marking_a_lesson_read_moves_on_and_is_recorded_once(app, client, login_as):
    user = login_as("learner")
    client.get("/units/alpha/first-steps")
    token = get_csrf(client, "/units/alpha/first-steps")
    first = client.post("/units/alpha/first-steps/complete", data={"csrf_token": token})
    assert first.status_code == 303
    assert first.headers["Location"].endswith("/units/alpha/second-steps")
    client.post("/units/alpha/first-steps/complete", data={"csrf_token": token})
    rows = db.session.scalars(sa.select(LessonProgress).where(LessonProgress.user_id == user.id)).all()
    assert len(rows) == 1
    assert rows[0].completed_at is not None and rows[0].content_version


def test_unknown_unit_or_lesson_is_404(client, login_as):
    login_as("learner")
    assert client.get("/units/nope").status_code == 404
    assert client.get("/units/alpha/nope").status_code == 404
    token = get_csrf(client, "/units/alpha/first-steps")
    assert client.post("/units/alpha/nope/complete", data={"csrf_token": token}).status_code == 404


def test_pages_need_sign_in(client):
    response = client.get("/units/alpha")
    assert response.status_code == 302
    assert "/login?next=" in response.headers["Location"]


@pytest.mark.parametrize("app_overrides", [{"CONTENT_DIR": str(ROOT)}])
def test_every_real_lesson_page_with_its_css_stays_under_100_kb(client, login_as, app_overrides):
    """Learners on slow or costly connections: the longest lesson page plus the stylesheet."""
    login_as("learner")
    css = len(client.get("/static/site.css").get_data())
    sizes = {}
    for unit in get_catalogue().units:
        for lesson in unit.lessons:
            sizes[f"{unit.id}/{lesson.id}"] = len(client.get(f"/units/{unit.id}/{lesson.id}").get_data())
    assert len(sizes) == 48
    assert max(sizes.values()) + css < 100_000, max(sizes.items(), key=lambda kv: kv[1])
