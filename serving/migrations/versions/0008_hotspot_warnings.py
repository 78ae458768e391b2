"""hot-spot warnings

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa
import serving.db


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hotspot_warnings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=8), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('district', sa.String(length=8), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('expected', sa.Float(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('last_year', sa.Integer(), nullable=True),
    sa.Column('units', sa.JSON(), nullable=False),
    sa.Column('created_at', serving.db.AwareDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotspot_warnings')),
    sa.UniqueConstraint('level', 'code', 'district', 'day', name=op.f('uq_hotspot_warnings_level'))
    )
    op.create_index(op.f('ix_hotspot_warnings_day'), 'hotspot_warnings', ['day'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_hotspot_warnings_day'), table_name='hotspot_warnings')
    op.drop_table('hotspot_warnings')
