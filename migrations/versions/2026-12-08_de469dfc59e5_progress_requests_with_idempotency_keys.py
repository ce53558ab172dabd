"""Mark-as-read requests with idempotency keys: a resent request from an offline device counts once

Revision ID: de469dfc59e5
Revises: c05d4e6f7182
Create Date: 2026-12-06 17:38:02.978353

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'de469dfc59e5'
down_revision = 'c05d4e6f7182'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('progress_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('unit_id', sa.String(length=64), nullable=False),
    sa.Column('lesson_id', sa.String(length=64), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_progress_request_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_progress_request')),
    sa.UniqueConstraint('user_id', 'idempotency_key', name=op.f('uq_progress_request_user_id_idempotency_key'))
    )


def downgrade():
    op.drop_table('progress_request')
