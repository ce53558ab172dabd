"""Learning events as xAPI 1.0.3 statements, and the activity-id scheme they use.

Activity ids are IRIs under the platform's stable base address (``XAPI_ACTIVITY_BASE``,
by default the site's own address), built from the course's stable content ids, so a lesson
keeps its id however its title or text change:

==========  ==========================================================  ==========================
activity    id                                                          type
==========  ==========================================================  ==========================
course      ``{base}/xapi/activities/course``                           ``.../activities/course``
unit        ``{base}/xapi/activities/units/{unit_id}``                  ``.../activities/module``
lesson      ``{base}/xapi/activities/units/{unit_id}/lessons/{id}``     ``.../activities/lesson``
quiz        ``{base}/xapi/activities/quizzes/{quiz_id}``                ``.../activities/assessment``
==========  ==========================================================  ==========================

Verbs are ADL's: experienced (a lesson opened), completed (a lesson read, a unit or the
course complete), attempted (a quiz attempt started), passed / failed (a quiz attempt
submitted, with its score). Learners are identified by an account on the platform
(``homePage`` = base, ``name`` = the platform's user id), never by their email address,
unless ``XAPI_IDENTIFY_BY`` is ``email``.

Each statement's id is fixed when it is queued, so sending it again (after a timeout, say)
never records it twice. Nothing here does I/O.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..content.model import Catalogue
from . import events

VERSION = "1.0.3"
ADL = "http://adlnet.gov/expapi"
VERBS = {
    "experienced": f"{ADL}/verbs/experienced",
    "completed": f"{ADL}/verbs/completed",
    "attempted": f"{ADL}/verbs/attempted",
    "passed": f"{ADL}/verbs/passed",
    "failed": f"{ADL}/verbs/failed",
}
ACTIVITY_TYPES = {
    "course": f"{ADL}/activities/course",
    "unit": f"{ADL}/activities/module",
    "lesson": f"{ADL}/activities/lesson",
    "quiz": f"{ADL}/activities/assessment",
}
IDENTIFY_BY = ("account", "email")


@dataclass(frozen=True, slots=True)
class Settings:
    base: str
    """The platform's stable address, without a trailing slash."""
    identify_by: str = "account"
    language: str = "en"


@dataclass(frozen=True, slots=True)
class Learner:
    id: int
    email: str
    name: str


def activity_id(settings: Settings, kind: str, *ids: str) -> str:
    base = f"{settings.base}/xapi/activities"
    if kind == "course":
        return f"{base}/course"
    if kind == "unit":
        return f"{base}/units/{ids[0]}"
    if kind == "lesson":
        return f"{base}/units/{ids[0]}/lessons/{ids[1]}"
    if kind == "quiz":
        return f"{base}/quizzes/{ids[0]}"
    raise ValueError(kind)


def actor(settings: Settings, learner: Learner) -> dict[str, Any]:
    if settings.identify_by == "email":
        return {"objectType": "Agent", "name": learner.name, "mbox": f"mailto:{learner.email}"}
    return {"objectType": "Agent", "account": {"homePage": settings.base, "name": str(learner.id)}}


def _activity(settings: Settings, kind: str, name: str, *ids: str) -> dict[str, Any]:
    return {
        "objectType": "Activity",
        "id": activity_id(settings, kind, *ids),
        "definition": {"name": {settings.language: name}, "type": ACTIVITY_TYPES[kind]},
    }


def _timestamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _duration(seconds: float) -> str:
    """ISO 8601 duration, as xAPI wants it (``PT1H2M3.5S``)."""
    seconds = max(0.0, round(seconds, 2))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = "PT"
    if hours:
        text += f"{int(hours)}H"
    if minutes:
        text += f"{int(minutes)}M"
    return text + f"{secs:g}S"


def statement(settings: Settings, catalogue: Catalogue, learner: Learner, event: events.Event) -> dict[str, Any]:
    """The statement for one event (its ``id`` is left to the caller, who fixes it once)."""
    course = _activity(settings, "course", catalogue.guide.title)
    parents: list[dict[str, Any]] = []
    result: dict[str, Any] | None = None
    extensions: dict[str, Any] = {}
    match event:
        case events.LessonOpened() | events.LessonRead():
            unit = catalogue.unit(event.unit_id)
            lesson = unit.lesson(event.lesson_id)
            verb = "experienced" if isinstance(event, events.LessonOpened) else "completed"
            obj = _activity(settings, "lesson", lesson.title, unit.id, lesson.id)
            parents = [_activity(settings, "unit", unit.title, unit.id)]
            extensions[f"{settings.base}/xapi/extensions/content-version"] = lesson.version
            if verb == "completed":
                result = {"completion": True}
        case events.AttemptStarted() | events.AttemptSubmitted():
            quiz = catalogue.quiz(event.quiz_id)
            unit = catalogue.unit(event.unit_id)
            obj = _activity(settings, "quiz", quiz.title, quiz.id)
            parents = [_activity(settings, "unit", unit.title, unit.id)]
            extensions[f"{settings.base}/xapi/extensions/attempt"] = event.attempt_no
            extensions[f"{settings.base}/xapi/extensions/content-version"] = quiz.version
            verb = "attempted"
            if isinstance(event, events.AttemptSubmitted):
                verb = "passed" if event.passed else "failed"
                result = {
                    "score": {
                        "scaled": round(event.score, 4),
                        "raw": round(event.score * 100, 2),
                        "min": 0,
                        "max": 100,
                    },
                    "success": event.passed,
                    "completion": True,
                    "duration": _duration((event.at - event.started_at).total_seconds()),
                }
        case events.UnitCompleted():
            unit = catalogue.unit(event.unit_id)
            verb, obj, result = "completed", _activity(settings, "unit", unit.title, unit.id), {"completion": True}
        case events.CourseCompleted():
            verb, obj, result = "completed", course, {"completion": True}
    context: dict[str, Any] = {"platform": catalogue.guide.title, "language": settings.language}
    activities: dict[str, Any] = {}
    if parents:
        activities["parent"] = parents
    if obj is not course:
        activities["grouping"] = [course]
    if activities:
        context["contextActivities"] = activities
    if extensions:
        context["extensions"] = extensions
    body: dict[str, Any] = {
        "actor": actor(settings, learner),
        "verb": {"id": VERBS[verb], "display": {"en-US": verb}},
        "object": obj,
        "context": context,
        "timestamp": _timestamp(event.at),
    }
    if result is not None:
        body["result"] = result
    return body


def statement_id(settings: Settings, dedupe_key: str | None) -> str:
    """A new statement id; for an event that happens once per learner (a lesson read, a unit
    complete), the same id every time on this platform, so the record store keeps one."""
    if dedupe_key:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{settings.base}/xapi/statements/{dedupe_key}"))
    return str(uuid.uuid4())
