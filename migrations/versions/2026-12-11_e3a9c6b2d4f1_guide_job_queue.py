"""Guide jobs: PDFs waiting for the guide worker, one per document across all app servers

Revision ID: e3a9c6b2d4f1
Revises: d5e9b3f7a2c0
Create Date: 2026-12-11 01:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e3a9c6b2d4f1'
down_revision = 'd5e9b3f7a2c0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('guide_job',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('language', sa.String(length=12), nullable=False),
    sa.Column('parts', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('requested_by', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_guide_job'))
    )
    with op.batch_alter_table('guide_job', schema=None) as batch_op:
        batch_op.create_index('ix_guide_job_status_created_at', ['status', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_guide_job_requested_by'), ['requested_by'], unique=False)


def downgrade():
    with op.batch_alter_table('guide_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guide_job_requested_by'))
        batch_op.drop_index('ix_guide_job_status_created_at')

    op.drop_table('guide_job')
