"""three-way calls: a conference per call, its legs on calls (conference_id, party)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-29 00:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('conferences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('friendly_name', sa.String(length=64), nullable=False),
    sa.Column('twilio_sid', sa.String(length=64), nullable=True),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('followup_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('guest_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.String(length=32), nullable=True),
    sa.Column('busy_key', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('calling_rep', 'joining', 'ended', 'not_answered', 'failed')", name=op.f('ck_conferences_status')),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_conferences_customer_id_customers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['followup_id'], ['followups.id'], name=op.f('fk_conferences_followup_id_followups'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_conferences_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['guest_id'], ['users.id'], name=op.f('fk_conferences_guest_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conferences')),
    sa.UniqueConstraint('friendly_name', name=op.f('uq_conferences_friendly_name')),
    sa.UniqueConstraint('twilio_sid', name=op.f('uq_conferences_twilio_sid')),
    sa.UniqueConstraint('busy_key', name=op.f('uq_conferences_busy_key'))
    )
    with op.batch_alter_table('conferences', schema=None) as batch_op:
        batch_op.create_index('ix_conferences_customer_created', ['customer_id', 'created_at'], unique=False)

    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('conference_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('party', sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f('ix_calls_conference_id'), ['conference_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_calls_conference_id_conferences'), 'conferences', ['conference_id'], ['id'], ondelete='CASCADE')
        batch_op.drop_constraint(op.f('ck_calls_purpose'), type_='check')
        batch_op.create_check_constraint('purpose', "purpose IN ('voice_checkin', 'click_to_call', 'conference')")
        batch_op.create_check_constraint('party', "party IN ('rep', 'customer', 'guest')")


def downgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_calls_party'), type_='check')
        batch_op.drop_constraint(op.f('ck_calls_purpose'), type_='check')
        batch_op.create_check_constraint('purpose', "purpose IN ('voice_checkin', 'click_to_call')")
        batch_op.drop_constraint(batch_op.f('fk_calls_conference_id_conferences'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_calls_conference_id'))
        batch_op.drop_column('party')
        batch_op.drop_column('conference_id')
    with op.batch_alter_table('conferences', schema=None) as batch_op:
        batch_op.drop_index('ix_conferences_customer_created')
    op.drop_table('conferences')
