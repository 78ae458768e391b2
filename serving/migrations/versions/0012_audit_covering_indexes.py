"""covering indexes for the indicators over long periods: on the audit log, (ticket_id, action, at) answers "this
ticket's dispatches / returns" from the index alone, and (action, at, ticket_id) lists a period's visits or
dispatches with their tickets without reading the rows; on assignments, (ticket_id, role, unit) gives a ticket's
lead units for the by-unit cut (eval/RESULTS.md, "Indicators")

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
    op.create_index("ix_assignments_ticket_role_unit", "assignments", ["ticket_id", "role", "unit"])


def downgrade() -> None:
    op.drop_index("ix_assignments_ticket_role_unit", table_name="assignments")
    op.drop_index("ix_ticket_audit_ticket_action_at", table_name="ticket_audit")
    op.drop_index("ix_ticket_audit_action_at_ticket", table_name="ticket_audit")
    op.create_index("ix_ticket_audit_action_at", "ticket_audit", ["action", "at"])
