"""portal.revoked_at: frame tokens and cached OAuth verdicts from before an uninstall stop counting

Revision ID: 3f6c2a9d8e41
Revises: 91ddad40e658
Create Date: 2026-12-01 21:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f6c2a9d8e41'
down_revision = '91ddad40e658'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('portal', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revoked_at', sa.DateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('portal', schema=None) as batch_op:
        batch_op.drop_column('revoked_at')
