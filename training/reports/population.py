"""The aggregate reports (overview, by unit, by organisation, by country) from the learners in
scope and their ``learner_summary`` rows, counted by the database: a :class:`Tally` reads
learners per organisation, country, language, status and recent activity, learners per set
of units complete and started, and the completion moments, three grouped queries whatever the
number of learners (memory stays flat). A report page, and the print view with all of them,
therefore reads each learner's summary three times and no record table."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from ..content.model import Catalogue
from ..extensions import db
from ..models import LearnerUnit, Role, User, utcnow
from ..progress import Status, percent_of
from .facts import COMPLETE, learners_select
from .scope import NO_FILTERS, Filters, Scope, _apply, prepare_session

ACTIVE_DAYS = 30


# --- overview -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Overview:
    registered: int
    active: int
    """with any activity in the last :data:`ACTIVE_DAYS` days"""
    started: int
    completed: int
    median_days: float | None
    """from registration to course completion, over those who completed"""

    @property
    def completion_rate(self) -> int:
        return percent_of(self.completed / self.registered) if self.registered else 0


@dataclass(frozen=True, slots=True)
class MonthRow:
    month: date
    """The first day of the month."""
    completions: int
    cumulative: int

    @property
    def label(self) -> str:
        return self.month.strftime("%b %Y")


@dataclass(frozen=True, slots=True)
class OverviewReport:
    overview: Overview
    timeline: tuple[MonthRow, ...]


def overview(
    catalogue: Catalogue, scope: Scope, filters: Filters = NO_FILTERS, now: datetime | None = None
) -> OverviewReport:
    """Registered, active in the last 30 days, started, completed, median days to complete,
    and completions per month."""
    return tally(catalogue, scope, filters, now).overview()


def _timeline(months: dict[date, int]) -> tuple[MonthRow, ...]:
    """Every month from the first completion to the last, empty months included."""
    if not months:
        return ()
    rows, total = [], 0
    month, last = min(months), max(months)
    while month <= last:
        total += months.get(month, 0)
        rows.append(MonthRow(month, months.get(month, 0), total))
        month = (month + timedelta(days=32)).replace(day=1)
    return tuple(rows)


# --- by unit --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UnitRow:
    unit_id: str
    order: int
    title: str
    learners: int
    started: int
    completed: int
    quiz_takers: int
    quiz_passed: int
    average_best: float | None
    """0..1: the mean over quiz takers of their best score"""
    has_quiz: bool

    @property
    def completion_rate(self) -> int:
        return percent_of(self.completed / self.learners) if self.learners else 0

    @property
    def pass_rate(self) -> int | None:
        return percent_of(self.quiz_passed / self.quiz_takers) if self.quiz_takers else None

    @property
    def average_best_percent(self) -> int | None:
        return None if self.average_best is None else percent_of(self.average_best)


@dataclass(frozen=True, slots=True)
class QuizStats:
    takers: int
    passed: int
    average_best: float | None


def quiz_stats(catalogue: Catalogue, scope: Scope, filters: Filters = NO_FILTERS) -> dict[str, QuizStats]:
    """Per quiz: learners who submitted it at least once, who passed it at least once, and
    the mean of their best scores. One query; two small ones for every learner at once."""
    prepare_session()
    lu = LearnerUnit
    quiz_of = {unit.id: unit.quiz_id for unit in catalogue.units if unit.quiz_id}
    if not quiz_of:
        return {}
    taken = (lu.unit_id.in_(list(quiz_of)), lu.attempts > 0)
    if scope.trainer_id is None and not filters.active:
        # Every learner: the unit summary's quiz index alone, less the rows of the few staff
        # accounts, instead of looking up the account of each of hundreds of thousands of rows.
        sums = (lu.unit_id, sa.func.count(), sa.func.sum(lu.passed), sa.func.sum(lu.best), sa.func.count(lu.best))
        everyone = sa.select(*sums).where(*taken).group_by(lu.unit_id)
        staff = everyone.where(lu.user_id.in_(sa.select(User.id).where(User.role != Role.LEARNER)))
        counted: dict[str, list[float]] = {
            unit_id: [float(v or 0) for v in rest] for unit_id, *rest in db.session.execute(everyone)
        }
        for unit_id, *rest in db.session.execute(staff):
            counted[unit_id] = [a - float(b or 0) for a, b in zip(counted[unit_id], rest, strict=True)]
        return {
            quiz_of[unit_id]: QuizStats(int(n), int(passed), best / scored if scored else None)
            for unit_id, (n, passed, best, scored) in counted.items()
            if n
        }
    # Joined to the learners rather than filtered by an IN list of them, so the unit summary's
    # quiz index is read for the units and each row's learner looked up by key.
    query = (
        sa.select(lu.unit_id, sa.func.count(), sa.func.sum(lu.passed), sa.func.avg(lu.best))
        .join(User, User.id == lu.user_id)
        .where(*taken, User.role == Role.LEARNER)
        .group_by(lu.unit_id)
    )
    query = _apply(query, scope, filters)
    return {
        quiz_of[unit_id]: QuizStats(int(n), int(passed or 0), None if avg is None else float(avg))
        for unit_id, n, passed, avg in db.session.execute(query)
    }


def unit_rows(catalogue: Catalogue, scope: Scope, filters: Filters = NO_FILTERS) -> list[UnitRow]:
    """Per unit: learners who started and completed it, and its quiz's takers, pass rate
    (passed at least once, out of those who took it) and average best score."""
    return tally(catalogue, scope, filters).units(quiz_stats(catalogue, scope, filters))


# --- by organisation, by country ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SegmentRow:
    """Learners sharing an organisation or a country."""

    key: str
    registered: int
    started: int
    completed: int

    @property
    def completion_rate(self) -> int:
        return percent_of(self.completed / self.registered) if self.registered else 0


def segment_rows(catalogue: Catalogue, scope: Scope, filters: Filters, by: str) -> list[SegmentRow]:
    """Counts per organisation (``by="organisation"``), country (``by="country"``) or chosen
    interface language (``by="language"``), the largest first."""
    return tally(catalogue, scope, filters).segments(by)


# --- everything at once, for the print view --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Summary:
    report: OverviewReport
    units: list[UnitRow]
    organisations: list[SegmentRow]
    countries: list[SegmentRow]


def summary(catalogue: Catalogue, scope: Scope, filters: Filters = NO_FILTERS, now: datetime | None = None) -> Summary:
    """The overview, unit, organisation and country reports from one pass over the learners."""
    counted = tally(catalogue, scope, filters, now)
    return Summary(
        counted.overview(),
        counted.units(quiz_stats(catalogue, scope, filters)),
        counted.segments("organisation"),
        counted.segments("country"),
    )


# --- the counting -----------------------------------------------------------------------------


class Tally:
    """Counts of learners for every aggregate report at once, read by :func:`tally`."""

    def __init__(self, catalogue: Catalogue, now: datetime | None = None) -> None:
        self.catalogue = catalogue
        self.since = (now or utcnow()) - timedelta(days=ACTIVE_DAYS)
        self.registered = self.active = self.started = 0
        self.durations: list[float] = []
        self.months: dict[date, int] = {}
        self.unit_flags: Counter[tuple[str, str]] = Counter()
        """(units complete, units started) -> learners: few distinct values, expanded per unit"""
        self.by: dict[str, dict[str, list[int]]] = {"organisation": {}, "country": {}, "language": {}}

    def add_learners(
        self, organisation: str, country: str, language: str, status: Status, active: bool, learners: int
    ) -> None:
        """``learners`` learners sharing these."""
        self.registered += learners
        self.active += learners * active
        self.started += learners * (status != Status.NOT_STARTED)
        for by, key in (("organisation", organisation), ("country", country), ("language", language)):
            counts = self.by[by].setdefault(key, [0, 0, 0])
            counts[0] += learners
            counts[1] += learners * (status != Status.NOT_STARTED)
            counts[2] += learners * (status == Status.COMPLETE)

    def add_completion(self, registered_at: datetime, completed_at: datetime) -> None:
        """A learner who completed the course."""
        self.durations.append(max(0.0, (completed_at - registered_at).total_seconds() / 86400))
        month = completed_at.date().replace(day=1)
        self.months[month] = self.months.get(month, 0) + 1

    def overview(self) -> OverviewReport:
        median = round(statistics.median(self.durations), 1) if self.durations else None
        completed = sum(self.months.values())
        return OverviewReport(
            Overview(self.registered, self.active, self.started, completed, median), _timeline(self.months)
        )

    def units(self, quizzes: dict[str, QuizStats]) -> list[UnitRow]:
        started, completed = [0] * len(self.catalogue.units), [0] * len(self.catalogue.units)
        for (complete_units, started_units), learners in self.unit_flags.items():
            for index in range(len(started)):
                completed[index] += learners * (complete_units[index : index + 1] == COMPLETE)
                started[index] += learners * (started_units[index : index + 1] == COMPLETE)
        rows = []
        for index, unit in enumerate(self.catalogue.units):
            stats = quizzes.get(unit.quiz_id or "", QuizStats(0, 0, None))
            rows.append(
                UnitRow(
                    unit.id,
                    unit.order,
                    unit.title,
                    self.registered,
                    started[index],
                    completed[index],
                    stats.takers,
                    stats.passed,
                    stats.average_best,
                    unit.quiz_id is not None,
                )
            )
        return rows

    def segments(self, by: str) -> list[SegmentRow]:
        segments = [SegmentRow(key, *counts) for key, counts in self.by[by].items()]
        return sorted(segments, key=lambda s: (-s.registered, s.key))


def tally(catalogue: Catalogue, scope: Scope, filters: Filters = NO_FILTERS, now: datetime | None = None) -> Tally:
    """Every count the aggregate reports show, in three grouped queries over the learners in
    scope and their summaries."""
    prepare_session()
    counted = Tally(catalogue, now)
    learners = learners_select(catalogue, scope, filters)
    active = sa.case((learners.last_activity >= counted.since, 1), else_=0)
    segments = (User.organisation, User.country, User.language, learners.status, active)
    for organisation, country, language, status, is_active, n in db.session.execute(
        learners.query.add_columns(*segments, sa.func.count()).group_by(*segments)
    ):
        counted.add_learners(organisation or "", country or "", language or "", Status(status), bool(is_active), n)
    flags = (learners.complete_units, learners.started_units)
    for complete, started, n in db.session.execute(
        learners.query.add_columns(*flags, sa.func.count()).group_by(*flags)
    ):
        counted.unit_flags[complete, started] += n
    completions = learners.query.add_columns(User.created_at, learners.completed_at).where(
        learners.status == Status.COMPLETE.value, learners.completed_at.is_not(None)
    )
    for registered_at, completed_at in db.session.execute(completions.execution_options(yield_per=5000)):
        counted.add_completion(registered_at, completed_at)
    return counted
