"""Places for PDFs being typeset: builds in flight limited across all app servers

Revision ID: c7d2f5e8a3b1
Revises: b1e4c2a9d7f0
Create Date: 2026-12-06 17:31:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c7d2f5e8a3b1'
down_revision = 'b1e4c2a9d7f0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('guide_build',
    sa.Column('scope', sa.String(length=80), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'slot', name=op.f('pk_guide_build'))
    )
    with op.batch_alter_table('guide_build', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guide_build_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_guide_build_token'), ['token'], unique=False)


def downgrade():
    with op.batch_alter_table('guide_build', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guide_build_token'))
        batch_op.drop_index(batch_op.f('ix_guide_build_expires_at'))

    op.drop_table('guide_build')
