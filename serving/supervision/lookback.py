"""回头看: closed tickets are re-checked to catch false closure and forced satisfaction.

The sweep samples tickets closed a few days ago — every one that was reopened before (satisfaction that came
only after a 重办 is the usual place forced satisfaction hides), plus a fixed share of the rest chosen by a hash of
the ticket number (deterministic, so a restarted sweep samples exactly the same tickets). A supervisor records
the finding; a failed 回头看 reopens the ticket for re-handling (重办)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from serving.outbox.service import emit
from serving.tickets.flows import Context, guard, reopen
from serving.tickets.models import Ticket
from serving.tickets.schemas import LookbackIn, ReasonIn
from serving.tickets.service import apply, record
from serving.tickets.states import Action, Status


@dataclass(frozen=True)
class LookbackPolicy:
    rate: float = 0.05                       # share of ordinary closed tickets sampled
    after: timedelta = timedelta(days=3)     # give the fix time to hold (or fail)
    within: timedelta = timedelta(days=10)   # closed at most this long ago


def chosen_by_hash(number: str, rate: float) -> bool:
    """A stable pseudo-random draw from the ticket number: the same answer on every sweep."""
    return int(hashlib.sha256(number.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < rate


def due_for_sampling(session: Session, *, now: datetime, policy: LookbackPolicy) -> list[Ticket]:
    query = select(Ticket).where(Ticket.status == Status.CLOSED.value, Ticket.lookback_at.is_(None),
                                 Ticket.closed_at <= now - policy.after, Ticket.closed_at > now - policy.within)
    return [t for t in session.scalars(query.order_by(Ticket.id))
            if t.reopen_count > 0 or chosen_by_hash(t.number or str(t.id), policy.rate)]


def sample(session: Session, *, now: datetime, policy: LookbackPolicy, principal) -> list[str]:
    """Mark the tickets due for 回头看 (once each), announce them and audit why each was chosen."""
    chosen = []
    for ticket in due_for_sampling(session, now=now, policy=policy):
        ticket.lookback_at = now
        why = f"曾重办{ticket.reopen_count}次，办结后回头看" if ticket.reopen_count else "随机抽取办结工单回头看"
        emit(session, kind="ticket.lookback", ticket_id=ticket.id, now=now,
             payload={"number": ticket.number, "closed_at": ticket.closed_at.isoformat()})
        record(session, ticket=ticket, principal=principal, action="sample_lookback", before=ticket.status, now=now,
               reason=why)
        chosen.append(ticket.number)
    return chosen


def pending(session: Session) -> list[Ticket]:
    """Sampled tickets still waiting for their 回头看 finding, oldest first."""
    return list(session.scalars(select(Ticket).where(Ticket.lookback_at.is_not(None),
                                                     Ticket.lookback_result.is_(None)).order_by(Ticket.lookback_at)))


def review(ctx: Context, ticket: Ticket, data: LookbackIn) -> Ticket:
    """Record the finding (a supervisor may also look back at a ticket the sweep did not sample)."""
    guard(ctx, ticket, Action.LOOKBACK)
    ticket.lookback_at = ticket.lookback_at or ctx.now
    ticket.lookback_result = "passed" if data.passed else "failed"
    apply(ctx.session, ticket=ticket, action=Action.LOOKBACK, principal=ctx.principal, now=ctx.now,
          reason=data.note, details={"passed": data.passed})
    if data.passed:
        return ticket
    return reopen(ctx, ticket, ReasonIn(reason=f"回头看未通过：{data.note}"))
