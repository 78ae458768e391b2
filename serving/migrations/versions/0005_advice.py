"""dispatch advice stored with each suggestion: place, units, similar cases

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('suggestions') as batch:
        batch.add_column(sa.Column('advice', sa.JSON(), server_default='{}', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('suggestions') as batch:
        batch.drop_column('advice')
