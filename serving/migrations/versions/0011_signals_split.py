"""urgency, risk flags and the split proposal stored with each suggestion; child tickets link to their split parent

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('suggestions') as batch:
        batch.add_column(sa.Column('signals', sa.JSON(), server_default='{}', nullable=False))
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f('fk_tickets_parent_id_tickets'), 'tickets', ['parent_id'], ['id'])
        batch.create_index(batch.f('ix_tickets_parent_id'), ['parent_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.drop_index(batch.f('ix_tickets_parent_id'))
        batch.drop_constraint(batch.f('fk_tickets_parent_id_tickets'), type_='foreignkey')
        batch.drop_column('parent_id')
    with op.batch_alter_table('suggestions') as batch:
        batch.drop_column('signals')
