"""checkin figures rollup: check-ins that went out per 15-minute bucket, and the replied

checkin_figures holds, per 15-minute UTC bucket (and writer shard), the check-ins whose first
transition into a "went out" status falls in it, and how many of them have a reply; it is
backfilled here from checkin_transitions and replies. ix_replies_created_class and
ix_followups_due_state_done let the dashboard's per-day reply and follow-up counts read a range
of an index; the partial ix_checkins_settled_rep_calls and ix_checkin_transitions_done let its
rep-call figures read the calls done or missed in the period, and each one's done time, from
indexes alone. ix_followups_state_done_at_id serves the board's "done lately" column and the
partial ix_customers_opted_out the opt-outs page's count.

Revision ID: 0015
Revises: 0019
Create Date: 2026-11-29 00:45:00

"""

from collections import defaultdict
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0019"
branch_labels = None
depends_on = None

WENT_OUT = ("sent", "delivered", "undelivered", "answered")
BUCKET = timedelta(minutes=15)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SETTLED_REP_CALLS_SQL = "channel = 'rep_call' AND status IN ('done', 'missed')"
TO_DONE_SQL = "to_status = 'done'"
OPTED_OUT_SQL = "is_opted_out = true"


def _utc(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _backfill():
    conn = op.get_bind()
    went = ", ".join(f"'{s}'" for s in WENT_OUT)
    rows = conn.exec_driver_sql(
        "SELECT f.at, EXISTS (SELECT 1 FROM replies r WHERE r.checkin_id = f.checkin_id)"
        " FROM (SELECT checkin_id, min(created_at) AS at FROM checkin_transitions"
        f" WHERE to_status IN ({went}) GROUP BY checkin_id) f"
    )
    counts = defaultdict(lambda: [0, 0])
    for at, replied in rows:
        at = _utc(at)
        row = counts[at - (at - EPOCH) % BUCKET]
        row[0] += 1
        row[1] += 1 if replied else 0
    table = sa.table(
        "checkin_figures",
        sa.column("bucket_start", sa.DateTime(timezone=True)),
        sa.column("shard", sa.Integer),
        sa.column("went_out", sa.Integer),
        sa.column("replied", sa.Integer),
    )
    naive = conn.dialect.name == "sqlite"
    values = [
        {
            "bucket_start": bucket.replace(tzinfo=None) if naive else bucket,
            "shard": 0,
            "went_out": went_out,
            "replied": replied,
        }
        for bucket, (went_out, replied) in sorted(counts.items())
    ]
    if values:
        op.bulk_insert(table, values)


def upgrade():
    op.create_table(
        "checkin_figures",
        sa.Column("bucket_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shard", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("went_out", sa.Integer(), nullable=False),
        sa.Column("replied", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bucket_start", "shard", name=op.f("pk_checkin_figures")),
    )
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.create_index(
            "ix_replies_created_class", ["created_at", "triage_class"], unique=False
        )
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.create_index(
            "ix_followups_due_state_done", ["due_at", "state", "done_at"], unique=False
        )
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.create_index(
            "ix_checkins_settled_rep_calls",
            ["due_at", "rep_id", "status", "deadline_at", "id"],
            unique=False,
            postgresql_where=sa.text(SETTLED_REP_CALLS_SQL),
            sqlite_where=sa.text(SETTLED_REP_CALLS_SQL),
        )
    with op.batch_alter_table("checkin_transitions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_checkin_transitions_done",
            ["checkin_id", "created_at"],
            unique=False,
            postgresql_where=sa.text(TO_DONE_SQL),
            sqlite_where=sa.text(TO_DONE_SQL),
        )
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.create_index(
            "ix_followups_state_done_at_id", ["state", "done_at", "id"], unique=False
        )
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.create_index(
            "ix_customers_opted_out",
            ["id"],
            unique=False,
            postgresql_where=sa.text(OPTED_OUT_SQL),
            sqlite_where=sa.text(OPTED_OUT_SQL),
        )
    _backfill()


def downgrade():
    with op.batch_alter_table("customers", schema=None) as batch_op:
        batch_op.drop_index("ix_customers_opted_out")
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.drop_index("ix_followups_state_done_at_id")
    with op.batch_alter_table("checkin_transitions", schema=None) as batch_op:
        batch_op.drop_index("ix_checkin_transitions_done")
    with op.batch_alter_table("checkins", schema=None) as batch_op:
        batch_op.drop_index("ix_checkins_settled_rep_calls")
    with op.batch_alter_table("followups", schema=None) as batch_op:
        batch_op.drop_index("ix_followups_due_state_done")
    with op.batch_alter_table("replies", schema=None) as batch_op:
        batch_op.drop_index("ix_replies_created_class")
    op.drop_table("checkin_figures")
