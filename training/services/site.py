"""Settings every app server of the site must agree on (read with :mod:`training.queries.site`)."""

from __future__ import annotations

import sqlalchemy as sa

from ..database import insert, transactional
from ..extensions import db
from ..models import SiteSetting, utcnow


@transactional
def claim_site_setting(name: str, value: str) -> str:
    """Record ``value`` unless a value is there already; either way, the value that stands.
    Two servers starting at once cannot both win: the primary key decides."""
    db.session.execute(insert(SiteSetting).values(name=name, value=value, updated_at=utcnow()).on_conflict_do_nothing())
    return db.session.scalar(sa.select(SiteSetting.value).where(SiteSetting.name == name)) or value


@transactional
def replace_site_setting(name: str, value: str) -> None:
    db.session.execute(
        insert(SiteSetting)
        .values(name=name, value=value, updated_at=utcnow())
        .on_conflict_do_update(index_elements=["name"], set_={"value": value, "updated_at": utcnow()})
    )
