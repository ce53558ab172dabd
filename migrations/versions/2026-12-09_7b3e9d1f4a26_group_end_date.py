"""Groups: an end date (learners who have not finished are reminded before it)

Revision ID: 7b3e9d1f4a26
Revises: 7b3e5f9a1c20
Create Date: 2026-12-09 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7b3e9d1f4a26'
down_revision = '7b3e5f9a1c20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('group', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ends_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('group', schema=None) as batch_op:
        batch_op.drop_column('ends_on')
