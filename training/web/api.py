"""Blueprint "api": the learner's own progress as JSON, and the health check."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_login import current_user

from ..course import get_catalogue
from ..database import ping
from ..progress import course_progress
from ..queries.learning import load_records
from .access import PUBLIC, SIGNED_IN, access

bp = Blueprint("api", __name__)


@bp.route("/api/progress")
@access(SIGNED_IN)
def progress():
    """The signed-in learner's own progress; there is no way to ask for someone else's."""
    catalogue = get_catalogue()
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
    """Up and able to reach the database; says nothing more."""
    ping()
    return jsonify({"status": "ok", "content_version": get_catalogue().version})
