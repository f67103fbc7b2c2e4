"""portal.app_info_at: when the portal's own app.info last answered, so a known user's open asks only the OAuth server

Revision ID: e4a1c7b9d2f3
Revises: 5c0a7e1d9b42
Create Date: 2026-12-04 03:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4a1c7b9d2f3'
down_revision = '5c0a7e1d9b42'
branch_labels = None
depends_on = None


def upgrade():
    # Nullable, no default: every portal's app.info is asked at its next open, as before this column.
    with op.batch_alter_table('portal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('app_info_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('portal', schema=None) as batch_op:
        batch_op.drop_column('app_info_at')
