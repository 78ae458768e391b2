"""maintainers' review of corrections, and shadow predictions

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa
import serving.db


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('correction_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('suggestion_id', sa.Integer(), nullable=False),
    sa.Column('verdict', sa.String(length=16), nullable=False),
    sa.Column('leaf', sa.String(length=8), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reviewed_by', sa.String(length=64), nullable=False),
    sa.Column('reviewed_at', serving.db.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['suggestion_id'], ['suggestions.id'], name=op.f('fk_correction_reviews_suggestion_id_suggestions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_correction_reviews')),
    sa.UniqueConstraint('suggestion_id', name=op.f('uq_correction_reviews_suggestion_id'))
    )
    op.create_table('shadow_predictions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('model_version', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('candidates', sa.JSON(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.Column('latency_ms', sa.Float(), nullable=False),
    sa.Column('created_at', serving.db.AwareDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_shadow_predictions_ticket_id_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shadow_predictions')),
    sa.UniqueConstraint('ticket_id', 'model_version', name=op.f('uq_shadow_predictions_ticket_id'))
    )
    op.create_index(op.f('ix_shadow_predictions_ticket_id'), 'shadow_predictions', ['ticket_id'], unique=False)
    op.create_index(op.f('ix_shadow_predictions_model_version'), 'shadow_predictions', ['model_version'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_shadow_predictions_model_version'), table_name='shadow_predictions')
    op.drop_index(op.f('ix_shadow_predictions_ticket_id'), table_name='shadow_predictions')
    op.drop_table('shadow_predictions')
    op.drop_table('correction_reviews')
