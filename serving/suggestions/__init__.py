"""Suggestions: what the model proposed for a ticket, stored beside what the agent decided."""
