"""What the admin views share: who is acting, 404 for objects out of reach, streamed CSV."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from typing import TypeVar

from flask import Response, abort, stream_with_context
from flask_login import current_user

from ...csvio import csv_batches, csv_lines
from ...permissions import Actor, NotFound
from ..auth import client_ip

T = TypeVar("T")
PER_PAGE = 50


def actor() -> Actor:
    """The signed-in person as an :class:`~training.permissions.Actor` for reads and writes."""
    return Actor.of(current_user, client_ip())


@contextmanager
def found() -> Iterator[None]:
    """Turn NotFound (nonexistent, or someone else's) into the same 404."""
    try:
        yield
    except NotFound:
        abort(404)


def or_404(load: Callable[[], T]) -> T:
    with found():
        return load()


def csv_response(
    name: str,
    header: Sequence[str],
    rows: Iterable[Sequence[object]] = (),
    *,
    batches: Iterable[Sequence[Sequence[object]]] | None = None,
) -> Response:
    """A CSV download, streamed row by row (memory stays flat), with a file name made here,
    never taken from the request; ``batches`` instead of ``rows`` when the cells are CSV cells
    already (:func:`training.csvio.csv_batches`)."""
    lines = csv_batches(header, batches) if batches is not None else csv_lines(header, rows)
    response = Response(stream_with_context(lines), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-{date.today().isoformat()}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response
