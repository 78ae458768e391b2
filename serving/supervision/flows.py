"""The supervision sweep: idempotent, all state in the database, so a restart loses and repeats nothing."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from serving.auth.models import Principal
from serving.outbox.service import emit
from catalog import City
from serving.supervision import service
from serving.supervision.levels import Level, WarningPolicy, warning_level
from serving.supervision.lookback import LookbackPolicy, sample
from serving.supervision.repeats import Complaints, find_repeat
from serving.tickets.service import record

REPEAT_THRESHOLD = 3   # the third complaint about the same problem goes to special supervision
SYSTEM = Principal(name="supervision", role="system", unit=None, key_hash="-", active=True)


@dataclass
class SweepResult:
    reminded: list[str] = field(default_factory=list)
    supervised: list[str] = field(default_factory=list)
    repeats: list[str] = field(default_factory=list)
    lookback: list[str] = field(default_factory=list)


def _flag(session: Session, ticket, now: datetime, kind: str, payload: dict, action: str, reason: str) -> None:
    """Announce a supervision step through the outbox and write it to the ticket's audit log."""
    emit(session, kind=kind, ticket_id=ticket.id, payload=payload, now=now)
    record(session, ticket=ticket, principal=SYSTEM, action=action, before=ticket.status, now=now, reason=reason)


def _link_repeat(session: Session, ticket, complaints: Complaints, now: datetime, payload: dict) -> bool:
    """Link the ticket to the earlier one it repeats (once); True when that makes it a special-supervision case."""
    found = find_repeat(session, ticket=ticket, complaints=complaints)
    if found is None:
        return False
    earlier, link = found
    ticket.repeat_of, ticket.repeat_count = earlier.id, earlier.repeat_count + 1
    reasons = "、".join(link.reasons) or "同一事项"
    if ticket.repeat_count + 1 < REPEAT_THRESHOLD:
        record(session, ticket=ticket, principal=SYSTEM, action="link_repeat", before=ticket.status, now=now,
               reason=f"与工单{earlier.number}为同一问题（{reasons}）")
        return False
    _flag(session, ticket, now, "ticket.repeat", {**payload, "earlier": ticket.repeat_count, "repeat_of": earlier.number},
          "flag_repeat", f"同一问题第{ticket.repeat_count + 1}次诉求（{reasons}），纳入专项督办")
    return True


def sweep(session: Session, *, now: datetime, city: City, policy: WarningPolicy = WarningPolicy(),
          lookback: LookbackPolicy = LookbackPolicy()) -> SweepResult:
    """Remind yellow tickets once, move red ones into the 督办池 once, link repeats and flag the third, sample
    closed tickets for 回头看; commit once."""
    result, complaints = SweepResult(), Complaints(city)
    for ticket in service.watched_tickets(session, now=now):
        level = warning_level(now, ticket.dispatched_at, ticket.due_at, policy)
        payload = {"number": ticket.number, "due_at": ticket.due_at.isoformat(),
                   "units": [a.unit for a in ticket.active_assignments()]}
        if level is Level.YELLOW and ticket.reminded_at is None:
            ticket.reminded_at = now
            _flag(session, ticket, now, "ticket.reminder", payload, "remind", "临近办理时限，自动催办")
            result.reminded.append(ticket.number)
        if level is Level.RED and ticket.supervised_at is None:
            ticket.supervised_at = now
            _flag(session, ticket, now, "ticket.overdue", payload, "supervise", "超过办理时限，纳入督办池")
            result.supervised.append(ticket.number)
        if ticket.repeat_of is None and _link_repeat(session, ticket, complaints, now, payload):
            result.repeats.append(ticket.number)
    result.lookback = sample(session, now=now, policy=lookback, principal=SYSTEM)
    session.commit()
    return result
