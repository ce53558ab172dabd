"""Blueprint "api": the learner's own progress as JSON, and the probes (``/healthz``, ``/readyz``)."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask_login import current_user

from .. import probes
from ..course import get_catalogue, get_course
from ..progress import course_progress
from ..queries.learning import load_records
from .access import PUBLIC, SIGNED_IN, access

bp = Blueprint("api", __name__)


@bp.route("/api/progress")
@access(SIGNED_IN)
def progress():
    """The signed-in learner's own progress (unit titles in their language); there is no way
    to ask for someone else's."""
    catalogue = get_course()
    course = course_progress(catalogue, load_records(current_user.id))
    units = []
    for unit, unit_progress in zip(catalogue.units, course.units, strict=True):
        quiz = unit_progress.quiz
        units.append(
            {
                "id": unit.id,
                "title": unit.title,
                "status": unit_progress.status.value,
                "lessons_complete": unit_progress.lessons_complete,
                "lessons_total": unit_progress.lessons_total,
                "quiz": None
                if quiz is None
                else {
                    "id": quiz.quiz_id,
                    "attempts": quiz.attempts,
                    "best_score": quiz.best_percent,
                    "passed": quiz.passed,
                },
            }
        )
    return jsonify({"course": {"status": course.status.value, "percent": course.percent}, "units": units})


@bp.route("/healthz")
@access(PUBLIC)
def healthz():
    """Liveness: the process answers. Never touches the database (see training.probes)."""
    return jsonify({"status": "ok", "content_version": get_catalogue().version})


@bp.route("/readyz")
@access(PUBLIC)
def readyz():
    """Readiness: the database answers, its schema is current, the course is loaded and the
    secret key is the site's; 503 otherwise, naming the checks that failed."""
    checks = probes.readiness(current_app.config)
    ready = probes.is_ready(checks)
    return jsonify({"status": "ready" if ready else "not ready", "checks": checks}), 200 if ready else 503
