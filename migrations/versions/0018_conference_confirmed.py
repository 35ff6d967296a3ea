"""three-way calls: a conference is `confirmed` once the rep pressed 1

Revision ID: 0018
Revises: 0012
Create Date: 2026-11-29 01:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0012'
branch_labels = None
depends_on = None

BEFORE = "status IN ('calling_rep', 'joining', 'ended', 'not_answered', 'failed')"
AFTER = "status IN ('calling_rep', 'confirmed', 'joining', 'ended', 'not_answered', 'failed')"


def upgrade():
    with op.batch_alter_table('conferences', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_conferences_status'), type_='check')
        batch_op.create_check_constraint('status', AFTER)


def downgrade():
    op.execute(
        "UPDATE conferences SET status = 'joining' WHERE status = 'confirmed'"
    )
    with op.batch_alter_table('conferences', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_conferences_status'), type_='check')
        batch_op.create_check_constraint('status', BEFORE)
