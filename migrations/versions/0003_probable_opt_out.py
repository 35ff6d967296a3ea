"""probable opt-out: automated sends paused per customer until a person decides

Customers get paused_at and paused_reason (and a partial index of the paused ones, for the
sweeper's claim); escalations get a resolution and a third reason,
probable_opt_out.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

OLD_REASONS = ("urgent", "needs_review")
NEW_REASONS = OLD_REASONS + ("probable_opt_out",)
RESOLUTIONS = ("opted_out", "resumed")


def _in(values):
    return ", ".join(f"'{v}'" for v in values)


def _reasons(reasons):
    with op.batch_alter_table("escalations", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_escalations_reason"), type_="check")
        batch_op.create_check_constraint(op.f("ck_escalations_reason"), f"reason IN ({_in(reasons)})")


def upgrade():
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paused_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('paused_reason', sa.String(length=200), nullable=True))
        batch_op.create_index(
            'ix_customers_paused',
            ['id'],
            unique=False,
            postgresql_where=sa.text('paused_at IS NOT NULL'),
            sqlite_where=sa.text('paused_at IS NOT NULL'),
        )

    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolution', sa.String(length=16), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_escalations_resolution"),
            f"resolution IS NULL OR resolution IN ({_in(RESOLUTIONS)})",
        )
    _reasons(NEW_REASONS)


def downgrade():
    op.execute("UPDATE escalations SET reason = 'needs_review' WHERE reason = 'probable_opt_out'")
    _reasons(OLD_REASONS)
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_escalations_resolution"), type_="check")
        batch_op.drop_column('resolution')

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index('ix_customers_paused')
        batch_op.drop_column('paused_reason')
        batch_op.drop_column('paused_at')
