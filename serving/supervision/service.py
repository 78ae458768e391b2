"""Database work of supervision: open tickets to watch, earlier tickets about the same problem."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from serving.tickets.models import Ticket
from serving.tickets.states import Status

WATCHED = (Status.DISPATCHED.value, Status.SIGNED.value)
REPEAT_WINDOW = timedelta(days=90)


def watched_tickets(session: Session, *, now: datetime) -> list[Ticket]:
    """Tickets being handled whose due time is set (the only ones a light applies to)."""
    return list(session.scalars(select(Ticket).where(Ticket.status.in_(WATCHED), Ticket.due_at.is_not(None))
                                .order_by(Ticket.id)))


def earlier_same_problem(session: Session, *, ticket: Ticket) -> int:
    """Earlier tickets on the same leaf from the same caller or the same street, within the repeat window."""
    if ticket.leaf is None:
        return 0
    same_place = [Ticket.street == ticket.street] if ticket.street else []
    same_caller = [Ticket.caller_phone_hash == ticket.caller_phone_hash] if ticket.caller_phone_hash else []
    if not same_place and not same_caller:
        return 0
    query = select(func.count()).select_from(Ticket).where(
        Ticket.id != ticket.id, Ticket.leaf == ticket.leaf, Ticket.created_at <= ticket.created_at,
        Ticket.created_at >= ticket.created_at - REPEAT_WINDOW, or_(*same_place, *same_caller))
    return session.scalar(query)


def pool(session: Session) -> list[Ticket]:
    return list(session.scalars(select(Ticket).where(Ticket.supervised_at.is_not(None),
                                                     Ticket.status.in_(WATCHED)).order_by(Ticket.due_at)))
