"""revocable sessions: users.session_version; the sign-in lock's columns are dropped

Sign-in throttling moved to Redis (outreach/auth/throttle.py): nothing locks an account any
more, so users.failed_logins and users.locked_until go. A downgrade brings them back empty.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('session_version', sa.Integer(), nullable=False, server_default='0')
        )
        batch_op.drop_column('failed_logins')
        batch_op.drop_column('locked_until')


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locked_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0')
        )
        batch_op.drop_column('session_version')
