"""Report index: quiz results per unit read from the unit summary's index alone

Revision ID: d5e9b3f7a2c0
Revises: c4d8a2e6f1b9
Create Date: 2026-12-10 09:10:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "d5e9b3f7a2c0"
down_revision = "c4d8a2e6f1b9"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("learner_unit", schema=None) as batch_op:
        batch_op.create_index(
            "ix_learner_unit_quiz", ["unit_id", "attempts", "passed", "best", "user_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("learner_unit", schema=None) as batch_op:
        batch_op.drop_index("ix_learner_unit_quiz")
