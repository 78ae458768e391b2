"""covering indexes on the audit log for the indicators over long periods: (ticket_id, action, at) answers "this
ticket's dispatches / returns" from the index alone, and (action, at, ticket_id) lists a period's visits or
dispatches with their tickets without reading the rows (eval/RESULTS.md, "Indicators")

Revision ID: 0012
Revises: 0011
"""
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_ticket_audit_action_at", table_name="ticket_audit")
    op.create_index("ix_ticket_audit_action_at_ticket", "ticket_audit", ["action", "at", "ticket_id"])
    op.create_index("ix_ticket_audit_ticket_action_at", "ticket_audit", ["ticket_id", "action", "at"])


def downgrade() -> None:
    op.drop_index("ix_ticket_audit_ticket_action_at", table_name="ticket_audit")
    op.drop_index("ix_ticket_audit_action_at_ticket", table_name="ticket_audit")
    op.create_index("ix_ticket_audit_action_at", "ticket_audit", ["action", "at"])
