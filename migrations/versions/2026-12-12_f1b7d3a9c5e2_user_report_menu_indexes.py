"""Report indexes: the learners' organisations and countries for the filter menus

Revision ID: f1b7d3a9c5e2
Revises: e3a9c6b2d4f1
Create Date: 2026-12-12 03:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "f1b7d3a9c5e2"
down_revision = "e3a9c6b2d4f1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        for name, column in (("ix_user_learner_organisation", "organisation"), ("ix_user_learner_country", "country")):
            batch_op.create_index(
                name,
                [column],
                unique=False,
                sqlite_where=sa.text("role = 'learner'"),
                postgresql_where=sa.text("role = 'learner'"),
            )


def downgrade():
    with op.batch_alter_table("user", schema=None) as batch_op:
        batch_op.drop_index("ix_user_learner_country")
        batch_op.drop_index("ix_user_learner_organisation")
