"""Storing suggestions and decisions."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from serving.suggestions.models import Suggestion


def for_ticket(session: Session, *, ticket_id: int) -> Suggestion | None:
    return session.scalar(select(Suggestion).where(Suggestion.ticket_id == ticket_id))


def for_tickets(session: Session, *, ticket_ids: list[int]) -> dict[int, Suggestion]:
    """Suggestions of many tickets in one query, by ticket id."""
    if not ticket_ids:
        return {}
    rows = session.scalars(select(Suggestion).where(Suggestion.ticket_id.in_(ticket_ids)))
    return {row.ticket_id: row for row in rows}


def record_decision(session: Session, *, ticket_id: int, leaf: str, lead: str, actor: str, now: datetime) -> None:
    """Write the agent's choice beside the suggestion (the first decision; re-dispatches keep the first)."""
    suggestion = for_ticket(session, ticket_id=ticket_id)
    if suggestion is None or suggestion.decided_at is not None:
        return
    ranks = [c["leaf"] for c in suggestion.candidates]
    suggestion.chosen_leaf, suggestion.chosen_lead = leaf, lead
    suggestion.chosen_rank = ranks.index(leaf) + 1 if leaf in ranks else None
    suggestion.accepted = bool(ranks) and ranks[0] == leaf
    suggestion.decided_by, suggestion.decided_at = actor, now
