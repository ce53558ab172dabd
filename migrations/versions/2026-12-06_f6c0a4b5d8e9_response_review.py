"""Each graded response keeps what its review shows: marks, feedback keys, misses, the key

Revision ID: f6c0a4b5d8e9
Revises: e5b9f3a4c7d8
Create Date: 2026-12-06 20:12:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f6c0a4b5d8e9'
down_revision = 'e5b9f3a4c7d8'
branch_labels = None
depends_on = None


def upgrade():
    # NULL for responses graded before: their page shows the stored answer and credit only.
    with op.batch_alter_table('question_response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('question_response', schema=None) as batch_op:
        batch_op.drop_column('review')
