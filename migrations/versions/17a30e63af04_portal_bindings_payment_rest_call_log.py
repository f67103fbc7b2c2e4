"""portal bindings, payment and REST standing; REST call log

Revision ID: 17a30e63af04
Revises: a39185d2b306
Create Date: 2026-12-01 21:09:23.823162

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '17a30e63af04'
down_revision = 'a39185d2b306'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('rest_call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('portal_id', sa.Integer(), nullable=True),
    sa.Column('member_id', sa.String(length=64), nullable=True),
    sa.Column('method', sa.String(length=128), nullable=False),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('error_code', sa.String(length=64), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['portal_id'], ['portal.id'], name=op.f('fk_rest_call_portal_id_portal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rest_call'))
    )
    with op.batch_alter_table('rest_call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rest_call_at'), ['at'], unique=False)
        batch_op.create_index('ix_rest_call_portal_at', ['portal_id', 'at'], unique=False)

    with op.batch_alter_table('portal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('placements_bound', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('placements_refused', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('payment_expired', sa.String(length=1), nullable=True))
        batch_op.add_column(sa.Column('payment_days', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('unpaid_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('overloaded_at', sa.DateTime(), nullable=True))



def downgrade():
    with op.batch_alter_table('portal', schema=None) as batch_op:
        batch_op.drop_column('overloaded_at')
        batch_op.drop_column('unpaid_at')
        batch_op.drop_column('payment_days')
        batch_op.drop_column('payment_expired')
        batch_op.drop_column('placements_refused')
        batch_op.drop_column('placements_bound')

    with op.batch_alter_table('rest_call', schema=None) as batch_op:
        batch_op.drop_index('ix_rest_call_portal_at')
        batch_op.drop_index(batch_op.f('ix_rest_call_at'))

    op.drop_table('rest_call')
