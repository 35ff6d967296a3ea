"""check-in list indexes: every list's sort (due_at, id) read from an index, no scan and sort

ix_checkins_status_due_at gains id (a status filter then reads its page in order, the cursor's
row comparison as its range); ix_checkins_due_at_id serves the unfiltered API list and the
date views; ix_checkins_unsettled_due_at_id (partial, scheduled/queued/sending) serves the admin
queue's "upcoming" view.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 23:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

UNSETTLED_SQL = "status IN ('scheduled', 'queued', 'sending')"


def upgrade():
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_index("ix_checkins_status_due_at")
        batch_op.create_index("ix_checkins_status_due_at", ["status", "due_at", "id"], unique=False)
        batch_op.create_index("ix_checkins_due_at_id", ["due_at", "id"], unique=False)
        batch_op.create_index(
            "ix_checkins_unsettled_due_at_id",
            ["due_at", "id"],
            unique=False,
            postgresql_where=sa.text(UNSETTLED_SQL),
            sqlite_where=sa.text(UNSETTLED_SQL),
        )


def downgrade():
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_index("ix_checkins_unsettled_due_at_id")
        batch_op.drop_index("ix_checkins_due_at_id")
        batch_op.drop_index("ix_checkins_status_due_at")
        batch_op.create_index("ix_checkins_status_due_at", ["status", "due_at"], unique=False)
