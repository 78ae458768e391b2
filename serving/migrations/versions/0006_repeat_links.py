"""tickets link to the earlier ticket they repeat

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('repeat_of', sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f('fk_tickets_repeat_of_tickets'), 'tickets', ['repeat_of'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.drop_constraint(batch.f('fk_tickets_repeat_of_tickets'), type_='foreignkey')
        batch.drop_column('repeat_of')
