"""Each quiz attempt keeps the quiz's reveal setting and its time limit as a deadline

Revision ID: e5b9f3a4c7d8
Revises: d4a8e1f2b6c3
Create Date: 2026-12-06 20:11:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5b9f3a4c7d8'
down_revision = 'd4a8e1f2b6c3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        # Attempts made so far keep the safe default: no key while attempts remain.
        batch_op.add_column(
            sa.Column('reveal', sa.String(length=24), server_default='after-last-attempt', nullable=False)
        )
        batch_op.add_column(sa.Column('deadline_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('quiz_attempt', schema=None) as batch_op:
        batch_op.drop_column('deadline_at')
        batch_op.drop_column('reveal')
