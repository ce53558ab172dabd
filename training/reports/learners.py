"""The completion report: one row per learner (the page, ``completion.csv`` and
``training report completion``), streamed from the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql import Select

from ..content.model import Catalogue
from ..csvio import safe_text
from ..database import driver_batches
from ..extensions import db
from ..models import Group, GroupRole, Membership, User
from ..progress import Status, percent_of
from ..queries.groups import trainer_group_ids
from ..queries.paging import Page, clamp_page, text_search
from .facts import Learners, learners_select
from .scope import NO_FILTERS, Filters, Scope, prepare_session

GROUP_SEPARATOR = "; "


@dataclass(frozen=True, slots=True)
class LearnerRow:
    """One learner in the completion report (and completion.csv)."""

    user_id: int
    name: str
    email: str
    organisation: str
    country: str
    groups: str
    units_complete: int
    units_total: int
    status: Status
    percent: int
    completed_at: datetime | None
    last_activity: datetime | None
    registered_at: datetime
    active: bool
    language: str = ""
    """The interface language the learner chose, or "" (their browser's)."""


COMPLETION_COLUMNS = (
    "name",
    "email",
    "organisation",
    "country",
    "groups",
    "units complete",
    "course status",
    "course percent",
    "completed at",
    "last activity",
    "language",
)
"""``language`` comes last, so spreadsheets built on the earlier columns keep working."""


def completion_record(row: LearnerRow) -> tuple[object, ...]:
    """A learner as a completion.csv / JSON record, in :data:`COMPLETION_COLUMNS` order."""
    return (
        row.name,
        row.email,
        row.organisation,
        row.country,
        row.groups,
        row.units_complete,
        row.status.value,
        row.percent,
        row.completed_at,
        row.last_activity,
        row.language,
    )


SORTS = {
    "name": (sa.func.lower(User.name), User.id),
    "organisation": (sa.func.lower(User.organisation), sa.func.lower(User.name), User.id),
    "country": (User.country, sa.func.lower(User.name), User.id),
    "registered": (User.created_at.desc(), User.id),
}


def _groups_subquery(scope: Scope, user_ids: Sequence[int] | None = None) -> sa.Subquery:
    """Per learner (of ``user_ids``, or all), the names of their groups in alphabetical order,
    in one text value; for a trainer, only the groups they run (another trainer's group is
    never named)."""
    groups_in_scope = [Membership.role == GroupRole.LEARNER]
    if scope.trainer_id is not None:
        groups_in_scope.append(Membership.group_id.in_(trainer_group_ids(scope.trainer_id)))
    if user_ids is not None:
        groups_in_scope.append(Membership.user_id.in_(user_ids))
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import aggregate_order_by

        names = sa.func.string_agg(Group.name, aggregate_order_by(sa.literal(GROUP_SEPARATOR), Group.name))
        return (
            sa.select(Membership.user_id, names.label("names"))
            .join(Group, Group.id == Membership.group_id)
            .where(*groups_in_scope)
            .group_by(Membership.user_id)
            .subquery("learner_groups")
        )
    # SQLite before 3.44 has no ORDER BY inside aggregates; it concatenates in the order of an
    # ordered subquery.
    ordered = (
        sa.select(Membership.user_id, Group.name)
        .join(Group, Group.id == Membership.group_id)
        .where(*groups_in_scope)
        .order_by(Membership.user_id, Group.name)
        .subquery("ordered_groups")
    )
    return (
        sa.select(ordered.c.user_id, sa.func.group_concat(ordered.c.name, GROUP_SEPARATOR).label("names"))
        .group_by(ordered.c.user_id)
        .subquery("learner_groups")
    )


def _rows_query(learners: Learners, search: str, sort: str, status: Status | None) -> Select:
    """The learners with every column of a row but their groups' names."""
    query = learners.query.add_columns(
        User.id,
        User.name,
        User.email,
        User.organisation,
        User.country,
        learners.status,
        learners.completed_at,
        learners.last_activity,
        User.created_at,
        User.active,
        User.language,
        learners.units_complete,
        learners.done,
    )
    query = _search(query, search)
    if status is not None:
        query = query.where(learners.status == status.value)
    return query.order_by(*SORTS.get(sort, SORTS["name"]))


def _row(learners: Learners, values: Sequence, groups: str | None) -> LearnerRow:
    (
        uid,
        name,
        email,
        organisation,
        country,
        status_value,
        completed_at,
        last_activity,
        created_at,
        active,
        language,
        units_complete,
        done,
    ) = values[:13]
    total_items = learners.shape.total_items
    return LearnerRow(
        uid,
        name,
        email,
        organisation,
        country,
        groups or "",
        int(units_complete),
        len(learners.shape.units),
        Status(status_value),
        _percent(int(done), total_items),
        completed_at,
        last_activity,
        created_at,
        bool(active),
        language or "",
    )


def learner_rows(
    catalogue: Catalogue,
    scope: Scope,
    filters: Filters = NO_FILTERS,
    *,
    search: str = "",
    sort: str = "name",
    status: Status | None = None,
) -> Iterator[LearnerRow]:
    """Every learner with their course status, streamed from the database a few thousand rows
    at a time: a CSV of 100,000 learners never sits in memory at once."""
    prepare_session()
    learners = learners_select(catalogue, scope, filters)
    groups = _groups_subquery(scope)
    query = _rows_query(learners, search, sort, status)
    query = query.outerjoin(groups, groups.c.user_id == User.id).add_columns(groups.c.names)
    # On the connection (Core rows, without the ORM's result layer): about a fifth less CPU
    # per learner, which is what a 100,000-row export is made of.
    for values in db.session.connection().execute(query.execution_options(yield_per=2000)):
        yield _row(learners, values, values[-1])


def _iso_text(column: sa.ColumnElement) -> sa.ColumnElement:
    """A moment as :func:`training.csvio.iso_datetime` writes it (``2026-03-01T09:30:00Z``,
    UTC, to the second), made by the database. SQLite keeps UTC moments as text
    (``2026-03-01 09:30:00.000000``): the date and the time are cut out of it."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    return sa.func.substr(column, 1, 10).concat("T").concat(sa.func.substr(column, 12, 8)).concat("Z")


def _group_ids(scope: Scope) -> sa.Subquery:
    """Per learner, the ids of their groups (for a trainer, only the groups they run) in one
    text value, in no particular order: aggregated once and joined, which costs the database
    less than naming and ordering every learner's groups (docs/performance.md);
    :func:`_group_names` names and orders them."""
    in_scope = [Membership.role == GroupRole.LEARNER]
    if scope.trainer_id is not None:
        in_scope.append(Membership.group_id.in_(trainer_group_ids(scope.trainer_id)))
    ids = sa.func.aggregate_strings(sa.cast(Membership.group_id, sa.String), ",")
    return (
        sa.select(Membership.user_id, ids.label("ids"))
        .where(*in_scope)
        .group_by(Membership.user_id)
        .subquery("learner_group_ids")
    )


def _percent(done: int, total_items: int) -> int:
    return percent_of(done / total_items) if total_items else 0


def completion_batches(
    catalogue: Catalogue,
    scope: Scope,
    filters: Filters = NO_FILTERS,
    *,
    search: str = "",
    sort: str = "name",
    status: Status | None = None,
    batch_rows: int = 5000,
) -> Iterator[list[tuple[str, ...]]]:
    """``completion.csv``'s records (:func:`completion_record` of :func:`learner_rows`, as
    CSV cells, every one of them text), a few thousand at a time from one streamed query read
    on the driver's cursor: the database writes the moments and gives each learner's group
    ids; Python guards the names and emails and looks every other cell up in a table filled
    once per distinct value (100,000 learners: about 0.45 s of CPU on SQLite, against 2.1 s
    row by row; docs/performance.md)."""
    prepare_session()
    learners = learners_select(catalogue, scope, filters)
    groups = _group_ids(scope)
    query = learners.query.outerjoin(groups, groups.c.user_id == User.id)
    query = query.add_columns(
        User.name,
        User.email,
        User.organisation,
        User.country,
        groups.c.ids,
        learners.units_complete,
        learners.status,
        learners.done,
        _iso_text(learners.completed_at),
        _iso_text(learners.last_activity),
        User.language,
    )
    query = _search(query, search)
    if status is not None:
        query = query.where(learners.status == status.value)
    query = query.order_by(*SORTS.get(sort, SORTS["name"]))
    total_items = learners.shape.total_items
    percents, numbers = _Cells(lambda done: str(_percent(done, total_items))), _Cells(str)
    organisations, countries, languages = _Cells(_guarded), _Cells(_guarded), _Cells(_guarded)
    groups_of = _Cells(_group_names())
    safe = safe_text
    for rows in driver_batches(query, batch_rows):
        yield [
            (
                safe(name),
                safe(email),
                organisations[organisation],
                countries[country],
                groups_of[groups],
                numbers[units],
                state,
                percents[done],
                completed or "",
                activity or "",
                languages[language],
            )
            for name, email, organisation, country, groups, units, state, done, completed, activity, language in rows
        ]


REMEMBERED_TEXTS = 10_000
"""How many distinct values of a column :class:`_Cells` remembers: memory stays bounded
whatever the learners typed."""


class _Cells(dict[Any, str]):
    """A column's cells, each made by ``make`` once per distinct value: organisations,
    countries, languages, groups, counts and percents repeat, and a dictionary look-up costs
    less than guarding or formatting the value again (docs/performance.md)."""

    def __init__(self, make: Callable[[Any], str]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, value: Any) -> str:
        cell = self.make(value)
        if len(self) < REMEMBERED_TEXTS:
            self[value] = cell
        return cell


def _guarded(text: str | None) -> str:
    """A text cell as :func:`safe_text` makes it, "" for no value."""
    return safe_text(text) if text else ""


def _group_names() -> Callable[[str | None], str]:
    """A learner's group ids (as :func:`_group_ids` gives them) as their groups' names in
    alphabetical order, joined and guarded as :func:`_groups_subquery` and :func:`safe_text`
    make them. The alphabetical order is the database's (its collation), read once, after the
    export's query has begun: every group that query names is there."""
    groups: dict[int, tuple[int, str]] = {}

    def names(ids: str | None) -> str:
        if not ids:
            return ""
        if not groups:
            ordered = db.session.execute(sa.select(Group.id, Group.name).order_by(Group.name))
            groups.update({group_id: (rank, name) for rank, (group_id, name) in enumerate(ordered)})
        named = sorted(groups[int(i)] for i in ids.split(",") if int(i) in groups)
        return safe_text(GROUP_SEPARATOR.join(name for _, name in named))

    return names


def learner_page(
    catalogue: Catalogue,
    scope: Scope,
    filters: Filters = NO_FILTERS,
    *,
    search: str = "",
    sort: str = "name",
    status: Status | None = None,
    page: int = 1,
    per_page: int = 50,
) -> Page[LearnerRow]:
    """One page of :func:`learner_rows` and how many rows there are in all: a count, the page
    (the database keeps only the rows up to it while sorting, instead of numbering every row
    with a window count), and the groups of the page's learners."""
    prepare_session()
    learners = learners_select(catalogue, scope, filters)
    query = _rows_query(learners, search, sort, status)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0
    page = clamp_page(page, total, per_page) if total else max(1, page)
    found = list(db.session.execute(query.offset((page - 1) * per_page).limit(per_page))) if total else []
    names: dict[int, str] = {}
    if found:
        groups = _groups_subquery(scope, [values[0] for values in found])
        names = {uid: text for uid, text in db.session.execute(sa.select(groups.c.user_id, groups.c.names))}
    return Page([_row(learners, values, names.get(values[0])) for values in found], total, page, per_page)


def _search(query: Select, search: str) -> Select:
    return query.where(text_search(search, User.name, User.email)) if search.strip() else query
