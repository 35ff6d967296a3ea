"""event sources (inbound webhooks with a secret and a field mapping) and chat alerts (urgent
replies sent to a Slack-compatible webhook set in company settings)

Revision ID: 0011
Revises: 0009
Create Date: 2026-11-29 00:26:39.386741

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('event_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('secret_encrypted', sa.Text(), nullable=False),
    sa.Column('signature_header', sa.String(length=100), nullable=False),
    sa.Column('signature_encoding', sa.String(length=8), nullable=False),
    sa.Column('timestamp_header', sa.String(length=100), nullable=True),
    sa.Column('tolerance_seconds', sa.Integer(), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=False),
    sa.Column('is_active', sa.Boolean(), nullable=False),
    sa.Column('received_count', sa.Integer(), nullable=False),
    sa.Column('last_received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("signature_encoding IN ('hex', 'base64')", name=op.f('ck_event_sources_signature_encoding')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_sources')),
    sa.UniqueConstraint('slug', name=op.f('uq_event_sources_slug'))
    )
    op.create_table('chat_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('escalation_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_try_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("kind IN ('urgent', 'escalated', 'unanswered')", name=op.f('ck_chat_alerts_kind')),
    sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name=op.f('ck_chat_alerts_status')),
    sa.ForeignKeyConstraint(['escalation_id'], ['escalations.id'], name=op.f('fk_chat_alerts_escalation_id_escalations'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_chat_alerts'))
    )
    with op.batch_alter_table('chat_alerts', schema=None) as batch_op:
        batch_op.create_index('ix_chat_alerts_status_next_try', ['status', 'next_try_at'], unique=False)

    with op.batch_alter_table('company_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chat_webhook_url', sa.String(length=500), nullable=True))



def downgrade():
    with op.batch_alter_table('company_settings', schema=None) as batch_op:
        batch_op.drop_column('chat_webhook_url')

    with op.batch_alter_table('chat_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_chat_alerts_status_next_try')

    op.drop_table('chat_alerts')
    op.drop_table('event_sources')
