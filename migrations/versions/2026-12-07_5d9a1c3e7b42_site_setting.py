"""Site settings every app server must agree on: the secret key's fingerprint

Revision ID: 5d9a1c3e7b42
Revises: 9bf1313a76d1
Create Date: 2026-12-07 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d9a1c3e7b42'
down_revision = '9bf1313a76d1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('site_setting',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=255), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_site_setting'))
    )


def downgrade():
    op.drop_table('site_setting')
