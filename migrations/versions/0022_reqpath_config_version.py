"""config version: company_settings.config_version, for the per-process cached copies

A random number written again in the same transaction as every change of the company settings,
a policy, a triage phrase or a manager's example (outreach.company.cache); each process reads it
once per transaction and reloads its copies of those rows when it differs.

Revision ID: 0022_reqpath
Revises: 0021_pages
Create Date: 2026-11-29 04:00:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022_reqpath"
down_revision = "0021_pages"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("company_settings") as batch:
        batch.add_column(
            sa.Column("config_version", sa.BigInteger(), nullable=False, server_default="0")
        )
    op.execute(f"UPDATE company_settings SET config_version = {secrets.randbits(62)}")


def downgrade():
    with op.batch_alter_table("company_settings") as batch:
        batch.drop_column("config_version")
