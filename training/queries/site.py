"""What the app servers of one site share: settings they must agree on, and the schema
revision the database is at (written by :mod:`training.services.site` and by migrations)."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import SiteSetting


def site_setting(name: str) -> str | None:
    return db.session.scalar(sa.select(SiteSetting.value).where(SiteSetting.name == name))


def schema_revisions() -> set[str]:
    """The Alembic revisions the database is at (empty before the first upgrade; raises when
    the database cannot be reached)."""
    tables = sa.inspect(db.session.connection()).get_table_names()
    if "alembic_version" not in tables:
        return set()
    return set(db.session.scalars(sa.text("SELECT version_num FROM alembic_version")))
