"""Accounts invited by email remember when the latest invitation was sent

Revision ID: 9d2a1b3c4e5f
Revises: 8c1f0a2b3d4e
Create Date: 2026-12-06 09:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9d2a1b3c4e5f'
down_revision = '8c1f0a2b3d4e'
branch_labels = None
depends_on = None


def upgrade():
    # NULL: never invited, or the invitation was accepted.
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invited_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('invited_at')
