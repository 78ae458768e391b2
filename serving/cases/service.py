"""Database work of the case index: closed tickets as cases."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from model.retrieval.cases import Case
from serving.tickets.models import Ticket
from serving.tickets.states import Status

CLOSED = (Status.CLOSED.value, Status.ARCHIVED.value)
CHUNK = 500


def case_id(ticket: Ticket) -> str:
    return _case_key(ticket.id, ticket.number)


def _case_key(ticket_id: int, number: str | None) -> str:
    return number or f"id:{ticket_id}"


def as_case(ticket: Ticket) -> Case:
    lead = ticket.lead()
    return Case(id=case_id(ticket), text=ticket.text, title=ticket.title, leaf=ticket.leaf,
                lead_unit=lead.unit if lead else None,
                co_units=tuple(a.unit for a in ticket.active_assignments() if a.role == "co"),
                district=ticket.district, street=ticket.street, reply=ticket.reply_text,
                satisfaction=ticket.satisfaction, closed_at=ticket.closed_at.isoformat() if ticket.closed_at else None)


def _closed():
    return (Ticket.status.in_(CLOSED), Ticket.leaf.is_not(None), Ticket.closed_at.is_not(None))


def closed_tickets(session: Session) -> list[Ticket]:
    """Every closed or archived ticket with a leaf, oldest closure first."""
    query = select(Ticket).options(selectinload(Ticket.assignments)).where(*_closed())
    return list(session.scalars(query.order_by(Ticket.closed_at, Ticket.id)))


def closed_tickets_missing(session: Session, *, known: set[str]) -> list[Ticket]:
    """Closed tickets whose case id is not in `known`, whenever they closed (imports may backdate closure)."""
    keys = session.execute(select(Ticket.id, Ticket.number).where(*_closed()).order_by(Ticket.closed_at, Ticket.id))
    ids = [i for i, number in keys if _case_key(i, number) not in known]
    out: list[Ticket] = []
    for start in range(0, len(ids), CHUNK):
        query = select(Ticket).options(selectinload(Ticket.assignments)).where(Ticket.id.in_(ids[start:start + CHUNK]))
        out += session.scalars(query.order_by(Ticket.closed_at, Ticket.id))
    return out
