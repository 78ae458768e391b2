"""Urgency, risk flags and multi-issue detection: what must not wait, and what must be split."""
