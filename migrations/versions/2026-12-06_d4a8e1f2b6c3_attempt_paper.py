"""Each quiz attempt keeps its paper: a secret for opaque form values, and its draw of questions

Revision ID: d4a8e1f2b6c3
Revises: de469dfc59e5
Create Date: 2026-12-06 20:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4a8e1f2b6c3'
down_revision = 'de469dfc59e5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('secret', sa.String(length=64), server_default='', nullable=False))
        # NULL: the attempt has every question of the quiz (all attempts made so far).
        batch_op.add_column(sa.Column('questions', sa.JSON(), nullable=True))
    # Attempts still open get a secret of their own, so their forms turn opaque too.
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("UPDATE quiz_attempt SET secret = md5(random()::text || id::text) WHERE state = 'in_progress'")
    else:
        op.execute("UPDATE quiz_attempt SET secret = lower(hex(randomblob(16))) WHERE state = 'in_progress'")


def downgrade():
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.drop_column('questions')
        batch_op.drop_column('secret')
