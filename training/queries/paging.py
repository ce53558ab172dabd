"""Pages of a list and text search: one page-count rule and one LIKE-escaping rule for every
list the platform shows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql import ColumnElement, Select

from ..extensions import db

T = TypeVar("T")
LIKE_ESCAPE = "\\"


def page_count(total: int, per_page: int) -> int:
    """How many pages ``total`` items fill; an empty list still has one (empty) page."""
    return max(1, -(-total // per_page))


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a longer list: its items, how many there are in all, which page this is."""

    items: Sequence[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return page_count(self.total, self.per_page)


def clamp_page(page: int, total: int, per_page: int) -> int:
    """A requested page number brought within 1..last page."""
    return max(1, min(page, page_count(total, per_page)))


def paginate(query: Select, page: int, per_page: int, *, rows: bool = False) -> Page[Any]:
    """Count ``query``'s rows, clamp the page number, and fetch that page (ORM objects, or
    whole rows as tuples with ``rows=True``). The query must carry its own ``order_by``."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery())) or 0
    page = clamp_page(page, total, per_page)
    window = query.offset((page - 1) * per_page).limit(per_page)
    items: list[Any] = [tuple(r) for r in db.session.execute(window)] if rows else list(db.session.scalars(window))
    return Page(items, total, page, per_page)


def contains_pattern(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with ``%``, ``_`` and the escape character
    taken literally (use with ``escape=LIKE_ESCAPE``). Casefolded, for lower-cased columns."""
    escaped = (
        text.casefold()
        .replace(LIKE_ESCAPE, LIKE_ESCAPE * 2)
        .replace("%", LIKE_ESCAPE + "%")
        .replace("_", LIKE_ESCAPE + "_")
    )
    return f"%{escaped}%"


def text_search(text: str, *columns: ColumnElement[str] | InstrumentedAttribute[str]) -> ColumnElement[bool]:
    """Any of ``columns`` contains ``text`` (without regard to case)."""
    pattern = contains_pattern(text.strip())
    return sa.or_(*(sa.func.lower(column).like(pattern, escape=LIKE_ESCAPE) for column in columns))
