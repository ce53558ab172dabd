"""The mail outbox: messages written with the action that causes them, sent and retried later

Revision ID: bf4c3d5e6071
Revises: ae3b2c4d5f60
Create Date: 2026-12-06 09:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bf4c3d5e6071'
down_revision = 'ae3b2c4d5f60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mail_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('to_address', sa.String(length=254), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('language', sa.String(length=16), nullable=False),
        sa.Column('subject', sa.String(length=300), nullable=False),
        sa.Column('text_body', sa.Text(), nullable=False),
        sa.Column('html_body', sa.Text(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_mail_outbox_user_id_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_outbox')),
    )
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_outbox_user_id'), ['user_id'], unique=False)
        # Only messages still to send: the sender's look-up stays small however long the history.
        batch_op.create_index(
            'ix_mail_outbox_due',
            ['next_attempt_at'],
            unique=False,
            sqlite_where=sa.text('sent_at IS NULL AND failed_at IS NULL'),
            postgresql_where=sa.text('sent_at IS NULL AND failed_at IS NULL'),
        )


def downgrade():
    with op.batch_alter_table('mail_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_outbox_due', sqlite_where=sa.text('sent_at IS NULL AND failed_at IS NULL'), postgresql_where=sa.text('sent_at IS NULL AND failed_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_mail_outbox_user_id'))
    op.drop_table('mail_outbox')
