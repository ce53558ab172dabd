"""LTI 1.3: registered platforms and deployments, single-use logins, linked accounts, courses, links, line items, the tool key

Revision ID: 9bf1313a76d1
Revises: f187605f08fb
Create Date: 2026-12-06 17:52:29.614519

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9bf1313a76d1'
down_revision = 'f187605f08fb'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('lti_platform',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('issuer', sa.String(length=255), nullable=False),
    sa.Column('client_id', sa.String(length=255), nullable=False),
    sa.Column('auth_login_url', sa.String(length=500), nullable=False),
    sa.Column('auth_token_url', sa.String(length=500), nullable=False),
    sa.Column('key_set_url', sa.String(length=500), nullable=False),
    sa.Column('token_audience', sa.String(length=500), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('key_set', sa.JSON(), nullable=False),
    sa.Column('key_set_fetched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_platform')),
    sa.UniqueConstraint('issuer', 'client_id', name=op.f('uq_lti_platform_issuer_client_id'))
    )
    op.create_table('lti_registration_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('platform_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_lti_registration_link_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platform.id'], name=op.f('fk_lti_registration_link_platform_id_lti_platform'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_registration_link')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_lti_registration_link_token_hash'))
    )
    op.create_table('lti_tool_key',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kid', sa.String(length=64), nullable=False),
    sa.Column('private_pem', sa.Text(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_tool_key')),
    sa.UniqueConstraint('kid', name=op.f('uq_lti_tool_key_kid'))
    )
    op.create_table('lti_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('sub', sa.String(length=255), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platform.id'], name=op.f('fk_lti_account_platform_id_lti_platform'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_lti_account_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_account')),
    sa.UniqueConstraint('platform_id', 'sub', name=op.f('uq_lti_account_platform_id_sub'))
    )
    with op.batch_alter_table('lti_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_account_user_id'), ['user_id'], unique=False)

    op.create_table('lti_context',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('context_id', sa.String(length=255), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('memberships_url', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['group.id'], name=op.f('fk_lti_context_group_id_group'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platform.id'], name=op.f('fk_lti_context_platform_id_lti_platform'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_context')),
    sa.UniqueConstraint('platform_id', 'context_id', name=op.f('uq_lti_context_platform_id_context_id'))
    )
    op.create_table('lti_deployment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('deployment_id', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platform.id'], name=op.f('fk_lti_deployment_platform_id_lti_platform'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_deployment')),
    sa.UniqueConstraint('platform_id', 'deployment_id', name=op.f('uq_lti_deployment_platform_id_deployment_id'))
    )
    op.create_table('lti_login',
    sa.Column('state', sa.String(length=64), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platform.id'], name=op.f('fk_lti_login_platform_id_lti_platform'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('state', name=op.f('pk_lti_login'))
    )
    with op.batch_alter_table('lti_login', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_login_expires_at'), ['expires_at'], unique=False)

    op.create_table('lti_resource_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform_id', sa.Integer(), nullable=False),
    sa.Column('context_id', sa.Integer(), nullable=True),
    sa.Column('resource_link_id', sa.String(length=255), nullable=False),
    sa.Column('deployment_id', sa.String(length=255), nullable=False),
    sa.Column('unit_id', sa.String(length=64), nullable=False),
    sa.Column('lineitems_url', sa.String(length=500), nullable=False),
    sa.Column('lineitem_url', sa.String(length=500), nullable=False),
    sa.Column('scopes', sa.String(length=1000), nullable=False),
    sa.ForeignKeyConstraint(['context_id'], ['lti_context.id'], name=op.f('fk_lti_resource_link_context_id_lti_context'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['platform_id'], ['lti_platform.id'], name=op.f('fk_lti_resource_link_platform_id_lti_platform'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_resource_link')),
    sa.UniqueConstraint('platform_id', 'resource_link_id', name=op.f('uq_lti_resource_link_platform_id_resource_link_id'))
    )
    with op.batch_alter_table('lti_resource_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lti_resource_link_context_id'), ['context_id'], unique=False)

    op.create_table('lti_line_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('resource_id', sa.String(length=64), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['lti_resource_link.id'], name=op.f('fk_lti_line_item_link_id_lti_resource_link'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lti_line_item')),
    sa.UniqueConstraint('link_id', 'resource_id', name=op.f('uq_lti_line_item_link_id_resource_id'))
    )


def downgrade():
    op.drop_table('lti_registration_link')
    op.drop_table('lti_line_item')
    with op.batch_alter_table('lti_resource_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_resource_link_context_id'))

    op.drop_table('lti_resource_link')
    with op.batch_alter_table('lti_login', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_login_expires_at'))

    op.drop_table('lti_login')
    op.drop_table('lti_deployment')
    op.drop_table('lti_context')
    with op.batch_alter_table('lti_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lti_account_user_id'))

    op.drop_table('lti_account')
    op.drop_table('lti_tool_key')
    op.drop_table('lti_platform')
