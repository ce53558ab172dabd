"""Typeset PDFs kept in the database, shared by every app server

Revision ID: b1e4c2a9d7f0
Revises: 4b7e2a9c1d35
Create Date: 2026-12-06 17:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b1e4c2a9d7f0'
down_revision = '4b7e2a9c1d35'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('guide_pdf',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('content_version', sa.String(length=40), nullable=False),
    sa.Column('language', sa.String(length=12), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_guide_pdf'))
    )
    with op.batch_alter_table('guide_pdf', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guide_pdf_used_at'), ['used_at'], unique=False)


def downgrade():
    with op.batch_alter_table('guide_pdf', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guide_pdf_used_at'))

    op.drop_table('guide_pdf')
