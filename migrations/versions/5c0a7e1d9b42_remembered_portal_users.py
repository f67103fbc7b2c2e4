"""remembered portal users (b24_known_user): who a user is per (member_id, user_id), without REDIS_URL

Revision ID: 5c0a7e1d9b42
Revises: 5b7e2c94d1a3
Create Date: 2026-12-02 17:25:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5c0a7e1d9b42'
down_revision = '5b7e2c94d1a3'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('b24_known_user',
    sa.Column('member_id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('member_id', 'user_id', name=op.f('pk_b24_known_user'))
    )
    with op.batch_alter_table('b24_known_user', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_b24_known_user_seen_at'), ['seen_at'], unique=False)


def downgrade():
    with op.batch_alter_table('b24_known_user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_b24_known_user_seen_at'))

    op.drop_table('b24_known_user')
