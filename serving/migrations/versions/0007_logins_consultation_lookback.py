"""user logins, 会商, 回头看, return-visit resolution, per-leaf auto-dispatch, attachment metadata

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa
import serving.db


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('principals') as batch:
        batch.add_column(sa.Column('password_hash', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('failed_logins', sa.Integer(), nullable=False, server_default='0'))
        batch.add_column(sa.Column('locked_until', serving.db.AwareDateTime(timezone=True), nullable=True))
    op.create_table('login_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('principal_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', serving.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', serving.db.AwareDateTime(timezone=True), nullable=False),
    sa.Column('revoked', sa.Boolean(), nullable=False, server_default=sa.false()),
    sa.ForeignKeyConstraint(['principal_id'], ['principals.id'],
                            name=op.f('fk_login_sessions_principal_id_principals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_sessions')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_login_sessions_token_hash'))
    )
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('auto_dispatched', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('consultation_pending', sa.Boolean(), nullable=False,
                                   server_default=sa.false()))
        batch.add_column(sa.Column('resolved', sa.Boolean(), nullable=True))
        batch.add_column(sa.Column('lookback_at', serving.db.AwareDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('lookback_result', sa.String(length=8), nullable=True))
        batch.add_column(sa.Column('attachments', sa.JSON(), nullable=False, server_default='[]'))
    op.create_table('auto_dispatch_rules',
    sa.Column('leaf', sa.String(length=8), nullable=False),
    sa.Column('min_probability', sa.Float(), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', serving.db.AwareDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('leaf', name=op.f('pk_auto_dispatch_rules'))
    )


def downgrade() -> None:
    op.drop_table('auto_dispatch_rules')
    with op.batch_alter_table('tickets') as batch:
        for column in ('attachments', 'lookback_result', 'lookback_at', 'resolved', 'consultation_pending', 'auto_dispatched'):
            batch.drop_column(column)
    op.drop_table('login_sessions')
    with op.batch_alter_table('principals') as batch:
        for column in ('locked_until', 'failed_logins', 'password_hash'):
            batch.drop_column(column)
