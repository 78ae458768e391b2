"""Database work on tickets: create with idempotency, look up with visibility, apply audited transitions."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from serving.auth.models import Principal
from serving.outbox.service import emit
from serving.tickets.models import Assignment, AuditEntry, Ticket
from serving.tickets.states import Action, Role, Status, transition

EVENTS = {Action.DISPATCH: "ticket.dispatched", Action.CLOSE: "ticket.closed", Action.ANSWER: "ticket.closed",
          Action.REOPEN: "ticket.reopened", Action.APPROVE_RETURN: "ticket.returned",
          Action.FORWARD: "ticket.dispatched", Action.REQUEST_CONSULTATION: "ticket.consultation",
          Action.RESOLVE_CONSULTATION: "ticket.dispatched", Action.SPLIT: "ticket.split"}
DONE = (Status.CLOSED, Status.ARCHIVED, Status.MERGED)   # a child in one of these no longer keeps its parent open
SPLIT_ACTOR = Principal(name="jiesu-split", role="system", unit=None, key_hash="-", active=True)


class NotFound(LookupError):
    """No such ticket, or one the caller may not see (answered the same way, so existence does not leak)."""


def find_by_idempotency_key(session: Session, *, key: str) -> Ticket | None:
    return session.scalar(select(Ticket).where(Ticket.idempotency_key == key))


def add_ticket(session: Session, *, ticket: Ticket, principal: Principal, now: datetime, reason: str = "",
               details: dict | None = None) -> Ticket:
    session.add(ticket)
    session.flush()
    ticket.number = f"{now:%Y%m%d}{ticket.id:06d}"
    record(session, ticket=ticket, principal=principal, action="register", before=None, now=now, reason=reason,
           details=details)
    return ticket


def visible(ticket: Ticket, principal: Principal) -> bool:
    """A unit handler sees only tickets its unit has (or had) an assignment on."""
    return principal.role != Role.UNIT or any(a.unit == principal.unit for a in ticket.assignments)


def get_ticket(session: Session, *, ticket_id: int, principal: Principal, for_update: bool = False) -> Ticket:
    query = select(Ticket).where(Ticket.id == ticket_id)
    if for_update:
        query = query.with_for_update()
    ticket = session.scalar(query)
    if ticket is None or not visible(ticket, principal):
        raise NotFound(f"no ticket {ticket_id} that you may see")
    return ticket


def list_tickets(session: Session, *, principal: Principal, status: str | None, unit: str | None, page: int,
                 page_size: int) -> tuple[list[Ticket], int]:
    query = select(Ticket)
    if principal.role == Role.UNIT:
        unit = principal.unit
    if unit:
        query = query.where(Ticket.id.in_(select(Assignment.ticket_id).where(Assignment.unit == unit)))
    if status:
        query = query.where(Ticket.status == status)
    total = session.scalar(select(func.count()).select_from(query.subquery()))
    rows = session.scalars(query.order_by(Ticket.id.desc()).offset((page - 1) * page_size).limit(page_size))
    return list(rows), total


def record(session: Session, *, ticket: Ticket, principal: Principal, action: str, before: str | None, now: datetime,
           reason: str = "", details: dict | None = None) -> None:
    session.add(AuditEntry(ticket=ticket, at=now, actor=principal.name, role=principal.role, action=action,
                           from_status=before, to_status=ticket.status, reason=reason, details=details or {}))


def apply(session: Session, *, ticket: Ticket, action: Action, principal: Principal, now: datetime,
          reason: str = "", details: dict | None = None) -> Ticket:
    """Move the ticket through the transition table (or refuse), audit it, and emit its event."""
    step = transition(Status(ticket.status), action, Role(principal.role))
    ticket.status = step.after.value
    ticket.updated_at = now
    record(session, ticket=ticket, principal=principal, action=action.value, before=step.before.value, now=now,
           reason=reason, details=details)
    if action in EVENTS:
        emit(session, kind=EVENTS[action], ticket_id=ticket.id, now=now,
             payload={"number": ticket.number, "status": ticket.status, "leaf": ticket.leaf,
                      "units": [a.unit for a in ticket.active_assignments()]})
    if ticket.parent_id is not None and (step.before in DONE) != (step.after in DONE):
        _follow_children(session, session.get(Ticket, ticket.parent_id), now)
    return ticket


def children(session: Session, *, parent_id: int) -> list[Ticket]:
    return list(session.scalars(select(Ticket).where(Ticket.parent_id == parent_id).order_by(Ticket.id)))


def _follow_children(session: Session, parent: Ticket, now: datetime) -> None:
    """A split ticket closes when its last child closes, and waits again (已拆分) when a child is reopened."""
    kids = children(session, parent_id=parent.id)
    done = all(Status(k.status) in DONE for k in kids)
    numbers = {"children": [k.number for k in kids]}
    if done and parent.status == Status.SPLIT.value:
        parent.closed_at = now
        apply(session, ticket=parent, action=Action.CLOSE, principal=SPLIT_ACTOR, now=now,
              reason="拆分出的工单已全部办结", details=numbers)
    elif not done and parent.status == Status.CLOSED.value:
        parent.closed_at = None
        apply(session, ticket=parent, action=Action.REOPEN_SPLIT, principal=SPLIT_ACTOR, now=now,
              reason="拆分出的工单重新办理，待全部办结后办结", details=numbers)
