"""Urgency, risk flags and multi-issue splits in the workflow: detected at intake and stored with the suggestion,
立即办 shortening the deadline and alerting supervisors, flagged tickets announced to their watchers."""
