"""Storing suggestions and decisions."""
from __future__ import annotations

from datetime import datetime

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from serving.suggestions.models import Suggestion
from serving.tickets.models import Ticket

VECTOR_DTYPE = np.float16     # 768 bytes for a 384-dimensional vector; cosines stay within about 1e-3


def pack_vector(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype=np.float32).ravel().astype(VECTOR_DTYPE).tobytes()


def stored_vectors(session: Session, *, source: str, start: datetime, end: datetime) -> dict[int, np.ndarray]:
    """The embeddings that this suggester (`source`, its version) kept at intake for the tickets created in
    [start, end), by ticket id, as float32 rows; tickets without one (imported, or suggested by another model)
    are absent."""
    query = (select(Suggestion.ticket_id, Suggestion.vector).join(Ticket, Ticket.id == Suggestion.ticket_id)
             .where(Suggestion.source == source, Suggestion.vector.is_not(None), Ticket.created_at >= start,
                    Ticket.created_at < end))
    return {ticket_id: np.frombuffer(blob, dtype=VECTOR_DTYPE).astype(np.float32)
            for ticket_id, blob in session.execute(query)}


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
