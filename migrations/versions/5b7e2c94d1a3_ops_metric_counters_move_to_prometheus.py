"""ops: the metric counters move to prometheus_client; drop their table

Revision ID: 5b7e2c94d1a3
Revises: 17a30e63af04
Create Date: 2026-12-02 17:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b7e2c94d1a3'
down_revision = '17a30e63af04'
branch_labels = None
depends_on = None


def upgrade():
    # The counts it held (token refreshes, placement opens, installs) are now per-process prometheus_client
    # counters; Prometheus keeps their history, so nothing in the table needs to be carried over.
    op.drop_table('metric_counter')


def downgrade():
    # The table as 91ddad40e658 created it; the counts start again from zero.
    op.create_table('metric_counter',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_metric_counter'))
    )
