"""follow-up board and rep list keyset: indexes matching their order

The follow-up board (/admin/followups) pages each column by (due_at, id), or (done_at, id) for
the done column, within a state and optionally one owner: (state, due_at, id) replaces
(state, due_at), (owner_id, state, due_at, id) replaces (owner_id, state) (both prefixes of the
new ones), and (owner_id, state, done_at, id) serves an owner's done column. The rep's list
(/rep) reads the rep calls still to make by (rep_id, due_at, id) from the partial
ix_checkins_pending_rep_calls, not the rep's every pending check-in.

Revision ID: 0021_pages
Revises: 0020
Create Date: 2026-11-29 04:00:00

"""

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = "0021_pages"
down_revision = "0020"
branch_labels = None
depends_on = None

PENDING_REP_CALLS_SQL = "channel = 'rep_call' AND status IN ('scheduled', 'queued')"


def upgrade():
    op.create_index("ix_followups_state_due_at_id", "followups", ["state", "due_at", "id"])
    op.drop_index("ix_followups_state_due_at", table_name="followups")
    op.create_index(
        "ix_followups_owner_state_due_at_id", "followups", ["owner_id", "state", "due_at", "id"]
    )
    op.drop_index("ix_followups_owner_state", table_name="followups")
    op.create_index(
        "ix_followups_owner_state_done_at_id", "followups", ["owner_id", "state", "done_at", "id"]
    )
    op.create_index(
        "ix_checkins_pending_rep_calls",
        "checkins",
        ["rep_id", "due_at", "id"],
        postgresql_where=sa.text(PENDING_REP_CALLS_SQL),
        sqlite_where=sa.text(PENDING_REP_CALLS_SQL),
    )


def downgrade():
    op.drop_index("ix_checkins_pending_rep_calls", table_name="checkins")
    op.drop_index("ix_followups_owner_state_done_at_id", table_name="followups")
    op.create_index("ix_followups_owner_state", "followups", ["owner_id", "state"])
    op.drop_index("ix_followups_owner_state_due_at_id", table_name="followups")
    op.create_index("ix_followups_state_due_at", "followups", ["state", "due_at"])
    op.drop_index("ix_followups_state_due_at_id", table_name="followups")
