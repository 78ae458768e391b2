"""Writing outbox events: in the caller's transaction, so an event exists exactly when its change does."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from serving.outbox.models import OutboxEvent


def emit(session: Session, *, kind: str, ticket_id: int | None, payload: dict, now: datetime) -> OutboxEvent:
    event = OutboxEvent(kind=kind, ticket_id=ticket_id, payload=payload, created_at=now)
    session.add(event)
    return event


def pending(session: Session, *, limit: int = 100) -> list[OutboxEvent]:
    return list(session.scalars(select(OutboxEvent).where(OutboxEvent.delivered_at.is_(None))
                                .order_by(OutboxEvent.id).limit(limit)))
