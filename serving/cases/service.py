"""Database work of the case index: closed tickets as cases."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from model.retrieval.cases import Case
from serving.tickets.models import Ticket
from serving.tickets.states import Status

CLOSED = (Status.CLOSED.value, Status.ARCHIVED.value)
OVERLAP = timedelta(days=1)   # re-read a day before the watermark; cases already indexed are skipped by id


def case_id(ticket: Ticket) -> str:
    return ticket.number or f"id:{ticket.id}"


def as_case(ticket: Ticket) -> Case:
    lead = ticket.lead()
    return Case(id=case_id(ticket), text=ticket.text, title=ticket.title, leaf=ticket.leaf,
                lead_unit=lead.unit if lead else None,
                co_units=tuple(a.unit for a in ticket.active_assignments() if a.role == "co"),
                district=ticket.district, street=ticket.street, reply=ticket.reply_text,
                satisfaction=ticket.satisfaction, closed_at=ticket.closed_at.isoformat() if ticket.closed_at else None)


def closed_tickets(session: Session, *, since: datetime | None = None) -> list[Ticket]:
    """Closed or archived tickets with a leaf, closed at or after `since - OVERLAP` (all when None), oldest first."""
    query = select(Ticket).options(selectinload(Ticket.assignments)).where(
        Ticket.status.in_(CLOSED), Ticket.leaf.is_not(None), Ticket.closed_at.is_not(None))
    if since is not None:
        query = query.where(Ticket.closed_at >= since - OVERLAP)
    return list(session.scalars(query.order_by(Ticket.closed_at, Ticket.id)))
