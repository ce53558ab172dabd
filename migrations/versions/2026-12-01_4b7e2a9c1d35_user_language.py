"""Each account can keep the interface language its owner chose

Revision ID: 4b7e2a9c1d35
Revises: 673ae9470488
Create Date: 2026-12-01 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4b7e2a9c1d35'
down_revision = '673ae9470488'
branch_labels = None
depends_on = None


def upgrade():
    # NULL: no choice made, the browser's language applies.
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('language')
