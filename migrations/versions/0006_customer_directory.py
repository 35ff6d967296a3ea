"""customer directory: merges of duplicate customers, and the indexes the directory reads by

customer_merges records each duplicate folded into a kept customer (who it was, who merged it,
how many rows moved), shown on the kept customer's timeline; customers get an index on
(name, id), the directory's order; calls get one on (customer_id, created_at), for the
directory's last contact and the timeline.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('customer_merges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('merged_customer_id', sa.Integer(), nullable=False),
    sa.Column('merged_external_id', sa.String(length=200), nullable=False),
    sa.Column('merged_name', sa.String(length=200), nullable=False),
    sa.Column('merged_phone', sa.String(length=20), nullable=False),
    sa.Column('merged_email', sa.String(length=254), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('moved', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_customer_merges_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_customer_merges_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_customer_merges'))
    )
    with op.batch_alter_table('customer_merges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_customer_merges_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_customer_merges_merged_external_id'), ['merged_external_id'], unique=False)

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.create_index('ix_customers_name_id', ['name', 'id'], unique=False)

    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.create_index('ix_calls_customer_created', ['customer_id', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('calls', schema=None) as batch_op:
        batch_op.drop_index('ix_calls_customer_created')

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index('ix_customers_name_id')

    with op.batch_alter_table('customer_merges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customer_merges_merged_external_id'))
        batch_op.drop_index(batch_op.f('ix_customer_merges_customer_id'))

    op.drop_table('customer_merges')
