"""The trainer's guide as HTML: the article of the ``/guide`` page (Jinja templates in
``trainer_guide/templates``). Every trainer-only part sits inside ``.trainer-only``."""

from __future__ import annotations

from collections.abc import Sequence

from ..content.model import Catalogue, Unit
from .plan import Agenda, plan_workshop
from .render import render
from .terms import glossary, references
from .views import Anchors, describe_step, fragment, unit_view
from .workshop import default_options


def build_guide(
    catalogue: Catalogue,
    units: Sequence[Unit] | None = None,
    plan: Agenda | None = None,
    *,
    stylesheet_href: str | None = None,
) -> str:
    """The guide's ``<article>`` for the chosen units (all by default) and a workshop plan
    (by default the course's workshop defaults, with as many days as the units need)."""
    chosen = tuple(units) if units is not None else catalogue.units
    agenda = plan if plan is not None else plan_workshop(chosen, default_options(catalogue))
    anchors = Anchors(chosen)
    return render(
        "_guide.html",
        catalogue=catalogue,
        guide=catalogue.guide,
        units=tuple(unit_view(catalogue, unit, agenda, anchors) for unit in chosen),
        agenda=agenda,
        whole_course=len(chosen) == len(catalogue.units),
        glossary=glossary(chosen),
        references=references(chosen),
        pages=tuple((p, front_page_html(p.html, p.id, anchors)) for p in catalogue.guide.pages),
        stylesheet_href=stylesheet_href,
        describe=describe_step,
        unit_of=catalogue.unit,
    )


def front_page_html(html: str, page_id: str, anchors: Anchors) -> str:
    """A guide page (how to use, preparation, ...): checklists get their box as the bullet."""
    return fragment(html, top=2, prefix=f"page-{page_id}-", anchors=anchors).replace("<li>☐", '<li class="tick-item">☐')
