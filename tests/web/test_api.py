"""GET /api/progress: the signed-in learner's own progress, in the documented shape."""

from __future__ import annotations

from ..factories import make_user
from ..helpers import Auth, get_csrf


def test_progress_json_has_the_documented_shape(client, login_as):
    login_as("learner")
    token = get_csrf(client, "/units/alpha/first-steps")
    client.post("/units/alpha/first-steps/complete", data={"csrf_token": token})
    data = client.get("/api/progress").get_json()
    assert data["course"] == {"status": "in_progress", "percent": 16}
    assert [u["id"] for u in data["units"]] == ["alpha", "beta"]
    alpha = data["units"][0]
    assert alpha == {
        "id": "alpha",
        "title": "Alpha unit",
        "status": "in_progress",
        "lessons_complete": 1,
        "lessons_total": 2,
        "quiz": {"id": "alpha-quiz", "attempts": 0, "best_score": None, "passed": False},
    }


def test_progress_is_only_ever_ones_own(app, client, login_as):
    login_as("learner")
    token = get_csrf(client, "/units/alpha/first-steps")
    client.post("/units/alpha/first-steps/complete", data={"csrf_token": token})
    other = app.test_client()
    Auth(other).login(make_user().email)
    assert other.get("/api/progress").get_json()["units"][0]["lessons_complete"] == 0
    assert other.get("/api/progress?user_id=1").get_json()["units"][0]["lessons_complete"] == 0


def test_progress_needs_sign_in_and_answers_json(client):
    response = client.get("/api/progress")
    assert response.status_code == 401
    body = response.get_json()
    assert body == {"error": "Please sign in", "status": 401, "request_id": response.headers["X-Request-ID"]}
