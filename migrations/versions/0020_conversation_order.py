"""conversations keyset: each customer's latest message time, indexed

customers.last_message_at is the created_at of the customer's newest message (NULL without
one), kept by outreach.customers.activity in the transaction that stores a message or moves
messages in a merge; backfilled here. The conversations list reads customers with messages by
(last_message_at, id) from the partial ix_customers_last_message_at_id and those without by
(updated_at, id) from the partial ix_customers_quiet_updated_at_id, newest first.

Revision ID: 0020
Revises: 0015
Create Date: 2026-11-29 02:15:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0015"
branch_labels = None
depends_on = None

HAS_MESSAGE_SQL = "last_message_at IS NOT NULL"
NO_MESSAGE_SQL = "last_message_at IS NULL"


def upgrade():
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("last_message_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE customers SET last_message_at = "
        "(SELECT max(m.created_at) FROM messages m WHERE m.customer_id = customers.id)"
    )
    op.create_index(
        "ix_customers_last_message_at_id",
        "customers",
        ["last_message_at", "id"],
        postgresql_where=sa.text(HAS_MESSAGE_SQL),
        sqlite_where=sa.text(HAS_MESSAGE_SQL),
    )
    op.create_index(
        "ix_customers_quiet_updated_at_id",
        "customers",
        ["updated_at", "id"],
        postgresql_where=sa.text(NO_MESSAGE_SQL),
        sqlite_where=sa.text(NO_MESSAGE_SQL),
    )


def downgrade():
    op.drop_index("ix_customers_quiet_updated_at_id", table_name="customers")
    op.drop_index("ix_customers_last_message_at_id", table_name="customers")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("last_message_at")
