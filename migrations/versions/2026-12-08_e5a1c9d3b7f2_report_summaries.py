"""Report summaries: learner x unit records and question answer tallies, filled from the records

Revision ID: e5a1c9d3b7f2
Revises: a3c9e7f1d254
Create Date: 2026-12-08 10:00:00

"""
from alembic import op
import sqlalchemy as sa
from flask import current_app



# revision identifiers, used by Alembic.
revision = 'e5a1c9d3b7f2'
down_revision = 'a3c9e7f1d254'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('learner_unit',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.String(length=64), nullable=False),
    sa.Column('opened', sa.Integer(), nullable=False),
    sa.Column('read', sa.Integer(), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('passed', sa.Integer(), nullable=False),
    sa.Column('open', sa.Integer(), nullable=False),
    sa.Column('best', sa.Double(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('marked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('activity', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_learner_unit_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'unit_id', name=op.f('pk_learner_unit'))
    )
    op.create_table('question_tally',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quiz_id', sa.String(length=64), nullable=False),
    sa.Column('question_id', sa.String(length=64), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('responses', sa.Integer(), nullable=False),
    sa.Column('correct', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_tally'))
    )
    with op.batch_alter_table('question_tally', schema=None) as batch_op:
        batch_op.create_index('ix_question_tally_question', ['quiz_id', 'question_id'], unique=False)

    # Fill them from the records already there, with the course the app serves (the same
    # function as `training report rebuild`).
    from training.services.summaries import rebuild_on

    rebuild_on(op.get_bind(), current_app.extensions["training.course"])


def downgrade():
    with op.batch_alter_table('question_tally', schema=None) as batch_op:
        batch_op.drop_index('ix_question_tally_question')

    op.drop_table('question_tally')
    op.drop_table('learner_unit')
