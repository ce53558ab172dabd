"""Request counts for rate limits, shared by every worker

Revision ID: c05d4e6f7182
Revises: bf4c3d5e6071
Create Date: 2026-12-06 09:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c05d4e6f7182'
down_revision = 'bf4c3d5e6071'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rate_limit',
        sa.Column('key', sa.String(length=300), nullable=False),
        sa.Column('window_started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('hits', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_rate_limit')),
    )


def downgrade():
    op.drop_table('rate_limit')
