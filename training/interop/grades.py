"""What an LMS gradebook gets for a learner (LTI Assignment and Grade Services), as plain
values: per link, the columns to fill and the score for each, from the learner's progress.

* A unit link (placed by Deep Linking, with its own column): that unit's best quiz score in
  percent (100 for a completed unit without a quiz), ``Completed`` once the unit is complete.
* A course link: when the LMS lets the tool manage columns, one per unit (the one that
  changed) and one for the course; otherwise the course alone, in the link's own column. The
  course score is the share of units complete, ``Completed`` when every unit is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..content.model import Catalogue
from ..progress import CourseProgress, Status
from . import lti


@dataclass(frozen=True, slots=True)
class GradeLink:
    """An LMS link whose gradebook a learner's results go to."""

    link_id: int
    unit_id: str
    """The unit the link opens; empty for the whole course."""
    lineitems_url: str
    lineitem_url: str
    can_create_items: bool
    sub: str
    """The learner's id on that platform."""


@dataclass(frozen=True, slots=True)
class ScoreTarget:
    link_id: int
    resource_id: str
    """A unit id, or ``course``."""
    label: str
    lineitem: str
    """The column's URL; empty when the tool finds or creates it by ``resource_id``."""
    score: dict[str, Any]


def score_targets(
    catalogue: Catalogue, progress: CourseProgress, unit_id: str, link: GradeLink, timestamp: str
) -> list[ScoreTarget]:
    """The scores to send to one link after a change to ``unit_id``."""
    unit = progress.unit(unit_id)
    best = unit.quiz.best_percent if unit.quiz is not None else None
    unit_given = best if best is not None else (100 if unit.status == Status.COMPLETE else None)
    unit_score = lti.score(link.sub, unit_given, unit.status == Status.COMPLETE, unit_given is not None, timestamp)
    share = 100 * progress.units_complete / len(progress.units) if progress.units else 0
    course_score = lti.score(link.sub, share, progress.status == Status.COMPLETE, True, timestamp)
    unit_title, course_title = catalogue.unit(unit_id).title, catalogue.guide.title
    if link.unit_id:
        if link.unit_id != unit_id or not link.lineitem_url:
            return []
        return [ScoreTarget(link.link_id, unit_id, unit_title, link.lineitem_url, unit_score)]
    if link.can_create_items and link.lineitems_url:
        return [
            ScoreTarget(link.link_id, unit_id, unit_title, "", unit_score),
            ScoreTarget(link.link_id, "course", course_title, link.lineitem_url, course_score),
        ]
    if link.lineitem_url:
        return [ScoreTarget(link.link_id, "course", course_title, link.lineitem_url, course_score)]
    return []
