"""the text embedding computed at intake, kept with the suggestion for the emerging-topics detector

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('suggestions') as batch:
        batch.add_column(sa.Column('vector', sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('suggestions') as batch:
        batch.drop_column('vector')
