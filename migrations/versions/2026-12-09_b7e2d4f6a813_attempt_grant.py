"""Extra quiz attempts granted to a learner, with the reason and who granted them

Revision ID: b7e2d4f6a813
Revises: f6c0a4b5d8e9
Create Date: 2026-12-09 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7e2d4f6a813'
down_revision = 'f6c0a4b5d8e9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'attempt_grant',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('quiz_id', sa.String(length=64), nullable=False),
        sa.Column('extra', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        sa.Column('granted_by_id', sa.Integer(), nullable=True),
        sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('extra BETWEEN 1 AND 10', name=op.f('ck_attempt_grant_extra')),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_attempt_grant_user_id_user'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['granted_by_id'], ['user.id'], name=op.f('fk_attempt_grant_granted_by_id_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_attempt_grant')),
    )
    op.create_index('ix_attempt_grant_user_quiz', 'attempt_grant', ['user_id', 'quiz_id'], unique=False)


def downgrade():
    op.drop_index('ix_attempt_grant_user_quiz', table_name='attempt_grant')
    op.drop_table('attempt_grant')
