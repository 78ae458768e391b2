"""Tickets: intake, dispatch and the handling workflow, as one explicit state machine with an audit log."""
