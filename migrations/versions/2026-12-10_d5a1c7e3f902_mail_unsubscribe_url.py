"""Mail outbox: the unsubscribe link of a reminder, sent as its List-Unsubscribe header

Revision ID: d5a1c7e3f902
Revises: 8c4f0e2a5b37
Create Date: 2026-12-10 00:10:00

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "d5a1c7e3f902"
down_revision = "8c4f0e2a5b37"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unsubscribe_url", sa.String(length=1000), nullable=True))


def downgrade():
    with op.batch_alter_table("mail_outbox", schema=None) as batch_op:
        batch_op.drop_column("unsubscribe_url")
