"""Report summaries: each learner's course status, filled from the learner x unit summary

Revision ID: c4d8a2e6f1b9
Revises: d5a1c7e3f902
Create Date: 2026-12-10 09:00:00

"""

from alembic import op
import sqlalchemy as sa
from flask import current_app


# revision identifiers, used by Alembic.
revision = "c4d8a2e6f1b9"
down_revision = "d5a1c7e3f902"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "learner_summary",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("units_complete", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("complete_units", sa.Text(), nullable=False),
        sa.Column("started_units", sa.Text(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("activity", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user.id"], name=op.f("fk_learner_summary_user_id_user"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_learner_summary")),
    )
    with op.batch_alter_table("learner_summary", schema=None) as batch_op:
        batch_op.create_index("ix_learner_summary_status", ["status", "user_id"], unique=False)

    # Fill it from learner_unit with the course the app serves (the same function as
    # `training report rebuild`).
    from training.services.summaries import rebuild_learners_on

    rebuild_learners_on(op.get_bind(), current_app.extensions["training.course"])


def downgrade():
    with op.batch_alter_table("learner_summary", schema=None) as batch_op:
        batch_op.drop_index("ix_learner_summary_status")

    op.drop_table("learner_summary")
