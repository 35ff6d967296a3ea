"""unanswered alarms: page the person on call and the managers again, then say "unanswered"

company_settings.repage_rounds (default 2): after the managers, how many more rounds page the
person on call and the managers again; escalations.repaged counts those rounds and
escalations.unanswered_at marks an alarm nobody took after the last one; pages.repage_round
says which round a page belongs to (0: the chain itself).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 22:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('company_settings', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('repage_rounds', sa.Integer(), nullable=False, server_default='2')
        )
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('repaged', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('unanswered_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('repage_round', sa.Integer(), nullable=False, server_default='0')
        )


def downgrade():
    with op.batch_alter_table('pages', schema=None) as batch_op:
        batch_op.drop_column('repage_round')
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_column('unanswered_at')
        batch_op.drop_column('repaged')
    with op.batch_alter_table('company_settings', schema=None) as batch_op:
        batch_op.drop_column('repage_rounds')
