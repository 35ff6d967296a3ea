"""business hours per weekday: company_settings.business_week replaces one range for all days

{"mon": ["08:00", "18:00"], …, "sat": ["09:00", "13:00"]}, a closed day left out. The stored
single range (business_start to business_end) is copied to each of the stored business days
(Monday to Friday unless set), so nothing changes until someone edits the week; then
business_start, business_end and business_days go. A downgrade keeps the earliest opening, the
latest closing and the open days.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28 23:00:00

"""
import json

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAYS = "mon,tue,wed,thu,fri"


def _hhmm(value, fallback):
    value = (value or "").strip()
    if len(value) == 4 and value[1] == ":":
        value = "0" + value
    ok = len(value) == 5 and value[2] == ":" and value[:2].isdigit() and value[3:].isdigit()
    return value if ok and value[:2] < "24" and value[3:] < "60" else fallback


def week_from(start, end, days):
    """The old single range on each of the old days (Monday to Friday when none is usable)."""
    start, end = _hhmm(start, "09:00"), _hhmm(end, "17:00")
    if end <= start:
        start, end = "09:00", "17:00"
    keys = [d for d in DAY_KEYS if d in {k.strip().lower() for k in (days or "").split(",")}]
    return {key: [start, end] for key in keys or WEEKDAYS.split(",")}


def upgrade():
    with op.batch_alter_table('company_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('business_week', sa.JSON(), nullable=True))
    bind = op.get_bind()
    rows = bind.execute(
        sa.text("SELECT id, business_start, business_end, business_days FROM company_settings")
    ).all()
    for row in rows:
        week = week_from(row.business_start, row.business_end, row.business_days)
        bind.execute(
            sa.text("UPDATE company_settings SET business_week = :week WHERE id = :id").bindparams(
                sa.bindparam("week", type_=sa.JSON())
            ),
            {"week": week, "id": row.id},
        )
    with op.batch_alter_table('company_settings', schema=None) as batch_op:
        batch_op.alter_column('business_week', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column('business_start')
        batch_op.drop_column('business_end')
        batch_op.drop_column('business_days')


def downgrade():
    with op.batch_alter_table('company_settings', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('business_start', sa.String(length=5), nullable=False, server_default='09:00')
        )
        batch_op.add_column(
            sa.Column('business_end', sa.String(length=5), nullable=False, server_default='17:00')
        )
        batch_op.add_column(
            sa.Column(
                'business_days', sa.String(length=40), nullable=False, server_default=WEEKDAYS
            )
        )
    bind = op.get_bind()
    for row in bind.execute(sa.text("SELECT id, business_week FROM company_settings")).all():
        week = row.business_week
        week = json.loads(week) if isinstance(week, str) else (week or {})
        ranges = [week[k] for k in DAY_KEYS if week.get(k)]
        if not ranges:
            continue
        bind.execute(
            sa.text(
                "UPDATE company_settings SET business_start = :start, business_end = :end, "
                "business_days = :days WHERE id = :id"
            ),
            {
                "start": min(r[0] for r in ranges),
                "end": max(r[1] for r in ranges),
                "days": ",".join(k for k in DAY_KEYS if week.get(k)),
                "id": row.id,
            },
        )
    with op.batch_alter_table('company_settings', schema=None) as batch_op:
        batch_op.drop_column('business_week')
