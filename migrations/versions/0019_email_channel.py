"""email channel: e-mail attempts and inbound e-mails, the email channel on policies and
check-ins, a subject template, e-mail consent, replies by e-mail, the reassurance by e-mail

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-29 00:27:14.869558

"""
from alembic import op
import sqlalchemy as sa


OLD_CHANNELS = ("sms", "voice", "rep_call")
NEW_CHANNELS = (*OLD_CHANNELS, "email")
OLD_CONSENT = ("sms", "voice", "all")
NEW_CONSENT = ("sms", "voice", "email", "all")


def _in(values):
    return ", ".join(f"'{v}'" for v in values)


def _channels(table, values):
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f"ck_{table}_channel"), type_="check")
        batch_op.create_check_constraint(op.f(f"ck_{table}_channel"), f"channel IN ({_in(values)})")


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('checkin_id', sa.Integer(), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('from_address', sa.String(length=254), nullable=True),
    sa.Column('subject', sa.String(length=400), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=True),
    sa.Column('accepted_id', sa.String(length=255), nullable=True),
    sa.Column('in_reply_to', sa.String(length=255), nullable=True),
    sa.Column('in_reply_to_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('error_code', sa.Integer(), nullable=True),
    sa.Column('error_message', sa.Text(), nullable=True),
    sa.Column('attempt_started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('data_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("direction IN ('outbound', 'inbound')", name=op.f('ck_emails_direction')),
    sa.CheckConstraint("kind IN ('checkin', 'manual', 'acknowledgement', 'reassurance', 'reply')", name=op.f('ck_emails_kind')),
    sa.ForeignKeyConstraint(['checkin_id'], ['checkins.id'], name=op.f('fk_emails_checkin_id_checkins'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_emails_customer_id_customers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['in_reply_to_id'], ['emails.id'], name=op.f('fk_emails_in_reply_to_id_emails'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_emails_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_emails')),
    sa.UniqueConstraint('accepted_id', name=op.f('uq_emails_accepted_id')),
    sa.UniqueConstraint('message_id', name=op.f('uq_emails_message_id'))
    )
    with op.batch_alter_table('emails', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_emails_checkin_id'), ['checkin_id'], unique=False)
        batch_op.create_index('ix_emails_customer_created', ['customer_id', 'created_at'], unique=False)

    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject', sa.String(length=400), nullable=True))

    with op.batch_alter_table('company_settings', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('reassure_by_email', sa.Boolean(), nullable=False, server_default=sa.false())
        )

    with op.batch_alter_table('replies', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_id', sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_replies_email_id'), ['email_id'])
        batch_op.create_foreign_key(batch_op.f('fk_replies_email_id_emails'), 'emails', ['email_id'], ['id'], ondelete='SET NULL')

    _channels("policies", NEW_CHANNELS)
    _channels("checkins", NEW_CHANNELS)
    _channels("consents", NEW_CONSENT)


def downgrade():
    op.execute("DELETE FROM consents WHERE channel = 'email'")
    op.execute("DELETE FROM checkins WHERE channel = 'email'")
    op.execute("DELETE FROM policies WHERE channel = 'email'")
    _channels("consents", OLD_CONSENT)
    _channels("checkins", OLD_CHANNELS)
    _channels("policies", OLD_CHANNELS)
    with op.batch_alter_table('replies', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_replies_email_id_emails'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_replies_email_id'), type_='unique')
        batch_op.drop_column('email_id')

    with op.batch_alter_table('policies', schema=None) as batch_op:
        batch_op.drop_column('subject')

    with op.batch_alter_table('company_settings', schema=None) as batch_op:
        batch_op.drop_column('reassure_by_email')

    with op.batch_alter_table('emails', schema=None) as batch_op:
        batch_op.drop_index('ix_emails_customer_created')
        batch_op.drop_index(batch_op.f('ix_emails_checkin_id'))

    op.drop_table('emails')
