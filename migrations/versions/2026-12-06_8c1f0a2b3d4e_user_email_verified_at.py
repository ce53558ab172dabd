"""Each account records when its email address was confirmed

Accounts that existed before count as confirmed from their creation: an administrator made
them or their owner registered when no confirmation was asked for.

Revision ID: 8c1f0a2b3d4e
Revises: e5a1c9d3b7f2
Create Date: 2026-12-06 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8c1f0a2b3d4e'
down_revision = 'e5a1c9d3b7f2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_verified_at', sa.DateTime(timezone=True), nullable=True))
    op.execute('UPDATE "user" SET email_verified_at = created_at WHERE email_verified_at IS NULL')


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('email_verified_at')
