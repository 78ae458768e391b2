"""Database work of supervision: open tickets to watch, earlier tickets that may be about the same problem."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from serving.tickets.models import Ticket
from serving.tickets.states import Status

WATCHED = (Status.DISPATCHED.value, Status.SIGNED.value)
REPEAT_WINDOW = timedelta(days=90)
CANDIDATE_LIMIT = 500


def watched_tickets(session: Session, *, now: datetime) -> list[Ticket]:
    """Tickets being handled whose due time is set (the only ones a light applies to)."""
    return list(session.scalars(select(Ticket).where(Ticket.status.in_(WATCHED), Ticket.due_at.is_not(None))
                                .order_by(Ticket.id)))


def repeat_candidates(session: Session, *, ticket: Ticket, window: timedelta = REPEAT_WINDOW,
                      limit: int = CANDIDATE_LIMIT) -> list[Ticket]:
    """Earlier tickets on the same leaf within the window from the same caller, street or (street unknown)
    district: the ones the repeat detector compares; most recent first."""
    if ticket.leaf is None:
        return []
    near = [Ticket.caller_phone_hash == ticket.caller_phone_hash] if ticket.caller_phone_hash else []
    if ticket.street:
        near.append(Ticket.street == ticket.street)
    elif ticket.district:
        near.append(Ticket.district == ticket.district)
    if not near:
        near.append(Ticket.street.is_(None))      # nothing known: compare with other placeless tickets
    query = select(Ticket).where(
        Ticket.id != ticket.id, Ticket.leaf == ticket.leaf, Ticket.created_at <= ticket.created_at,
        Ticket.created_at >= ticket.created_at - window, or_(*near)).order_by(Ticket.created_at.desc()).limit(limit)
    return list(session.scalars(query))


def pool(session: Session) -> list[Ticket]:
    return list(session.scalars(select(Ticket).where(Ticket.supervised_at.is_not(None),
                                                     Ticket.status.in_(WATCHED)).order_by(Ticket.due_at)))
