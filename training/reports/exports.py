"""Each report as CSV: stable column names and one record per row, the same rows the page shows
(numbers as numbers; the CSV writer in :mod:`training.csvio` does the rest)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .population import MonthRow, Overview, SegmentRow, UnitRow
from .questions import QuestionRow

OVERVIEW_COLUMNS = (
    "registered",
    "active in last 30 days",
    "started",
    "completed",
    "completion rate percent",
    "median days to complete",
)
TIMELINE_COLUMNS = ("month", "completions", "cumulative completions")
UNIT_COLUMNS = (
    "unit",
    "unit id",
    "learners",
    "started",
    "completed",
    "completion rate percent",
    "quiz takers",
    "quiz passed",
    "quiz pass rate percent",
    "average best score percent",
)
SEGMENT_COLUMNS = ("registered", "started", "completed", "completion rate percent")
QUESTION_COLUMNS = (
    "unit",
    "quiz id",
    "question number",
    "question id",
    "question",
    "responses",
    "correct",
    "percent correct",
    "most chosen wrong answer",
    "times chosen",
)


def overview_record(o: Overview) -> tuple[object, ...]:
    return (o.registered, o.active, o.started, o.completed, o.completion_rate, o.median_days)


def timeline_record(m: MonthRow) -> tuple[object, ...]:
    return (m.month.strftime("%Y-%m"), m.completions, m.cumulative)


def unit_record(u: UnitRow) -> tuple[object, ...]:
    return (
        u.title,
        u.unit_id,
        u.learners,
        u.started,
        u.completed,
        u.completion_rate,
        u.quiz_takers,
        u.quiz_passed,
        u.pass_rate,
        u.average_best_percent,
    )


def segment_record(s: SegmentRow, label: str) -> tuple[object, ...]:
    return (label, s.registered, s.started, s.completed, s.completion_rate)


def question_record(q: QuestionRow) -> tuple[object, ...]:
    return (
        q.unit_order,
        q.quiz_id,
        q.number,
        q.question_id,
        q.prompt,
        q.responses,
        q.correct,
        q.percent_correct,
        q.top_wrong,
        q.top_wrong_count or None,
    )


@dataclass(frozen=True, slots=True)
class ReportInfo:
    name: str
    title: str
    columns: Sequence[str]
    personal: bool = False
    """Rows name people: downloading needs a recent password (docs/security.md SES-5)."""


def _registry() -> dict[str, ReportInfo]:
    from .learners import COMPLETION_COLUMNS

    infos = (
        ReportInfo("overview", "Overview", OVERVIEW_COLUMNS),
        ReportInfo("timeline", "Completions over time", TIMELINE_COLUMNS),
        ReportInfo("units", "By unit", UNIT_COLUMNS),
        ReportInfo("completion", "By learner", COMPLETION_COLUMNS, personal=True),
        ReportInfo("organisations", "By organisation", ("organisation", *SEGMENT_COLUMNS)),
        ReportInfo("countries", "By country", ("country", "country code", *SEGMENT_COLUMNS)),
        ReportInfo("languages", "By language", ("language", "language code", *SEGMENT_COLUMNS)),
        ReportInfo("questions", "Quiz questions", QUESTION_COLUMNS),
    )
    return {info.name: info for info in infos}


REPORTS: dict[str, ReportInfo] = _registry()
