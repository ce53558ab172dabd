"""What a trainer chooses: which units, and the workshop's days and hours."""

from __future__ import annotations

from collections.abc import Iterable

from ..content.model import Catalogue, Unit
from .plan import WorkshopOptions


class UnknownUnit(KeyError):
    """A unit id that is not in the course."""


def select_units(catalogue: Catalogue, unit_ids: Iterable[str] | None) -> tuple[Unit, ...]:
    """The chosen units in course order (all of them for ``None`` or nothing chosen)."""
    wanted = [u.strip() for u in (unit_ids or ()) if u.strip()]
    if not wanted:
        return catalogue.units
    known = {u.id for u in catalogue.units}
    unknown = [u for u in wanted if u not in known]
    if unknown:
        raise UnknownUnit(", ".join(unknown))
    return tuple(u for u in catalogue.units if u.id in set(wanted))


def default_options(catalogue: Catalogue, **changes: object) -> WorkshopOptions:
    """The course's workshop defaults from ``trainer_guide/guide.yaml``, with changes."""
    return WorkshopOptions.from_defaults(catalogue.guide.workshop, **changes)
