"""indicator facts: each counted thing of each indicator cohort with the time that places it in a period, so that a
period's indicators are one indexed range read (filled by `jiesu db upgrade`, kept current on every commit)

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa

from serving.db import AwareDateTime


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'indicator_facts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cohort', sa.String(length=12), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('counted_id', sa.Integer(), nullable=False),
        sa.Column('at', AwareDateTime(timezone=True), nullable=False),
        sa.Column('next_at', AwareDateTime(timezone=True), nullable=True),
        sa.Column('is_primary', sa.Boolean(), nullable=False),
        sa.Column('unit', sa.String(length=32), nullable=True),
        sa.Column('district', sa.String(length=8), nullable=True),
        sa.Column('street', sa.String(length=8), nullable=True),
        sa.Column('leaf', sa.String(length=8), nullable=True),
        sa.Column('channel', sa.String(length=32), nullable=True),
        sa.Column('satisfaction', sa.String(length=8), nullable=True),
        sa.Column('delay_s', sa.Float(), nullable=True),
        sa.Column('m1', sa.SmallInteger(), nullable=False),
        sa.Column('m2', sa.SmallInteger(), nullable=False),
        sa.Column('m3', sa.SmallInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_facts')))
    op.create_index('ix_indicator_facts_period', 'indicator_facts',
                    ['cohort', 'at', 'is_primary', 'next_at', 'unit', 'district', 'street', 'leaf', 'channel', 'm1',
                     'm2', 'm3', 'delay_s'], unique=False)
    op.create_index(op.f('ix_indicator_facts_ticket_id'), 'indicator_facts', ['ticket_id'], unique=False)
    op.create_table(
        'indicator_facts_state',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.String(length=16), nullable=True),
        sa.Column('built_at', AwareDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_facts_state')))


def downgrade() -> None:
    op.drop_table('indicator_facts_state')
    op.drop_index(op.f('ix_indicator_facts_ticket_id'), table_name='indicator_facts')
    op.drop_index('ix_indicator_facts_period', table_name='indicator_facts')
    op.drop_table('indicator_facts')
