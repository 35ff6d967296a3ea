"""follow-up notes: a follow-up's history of notes and changes (reassigned, re-dated,
re-prioritised), each with its author and time

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28 23:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('followup_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('followup_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('note', 'reassigned', 'redated', 'reprioritised')", name=op.f('ck_followup_notes_kind')),
    sa.ForeignKeyConstraint(['followup_id'], ['followups.id'], name=op.f('fk_followup_notes_followup_id_followups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_followup_notes_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followup_notes'))
    )
    with op.batch_alter_table('followup_notes', schema=None) as batch_op:
        batch_op.create_index('ix_followup_notes_followup_created', ['followup_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('followup_notes', schema=None) as batch_op:
        batch_op.drop_index('ix_followup_notes_followup_created')
    op.drop_table('followup_notes')
