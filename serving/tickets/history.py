"""Load generated (or imported) history rows into the service as tickets with assignments and an audit trail."""
from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import Catalogue
from serving.tickets.models import Assignment, AuditEntry, Ticket
from serving.tickets.states import Role, Status

STATUS_OF = {"已办结": Status.CLOSED, "办理中": Status.SIGNED, "待回访": Status.REPLIED, "待签收": Status.DISPATCHED,
             "待派单": Status.REGISTERED}
STEPS = [  # (timestamp field, action, actor role, status after)
    ("accepted_at", "register", Role.AGENT, Status.REGISTERED), ("dispatched_at", "dispatch", Role.AGENT,
                                                                 Status.DISPATCHED),
    ("signed_at", "sign", Role.UNIT, Status.SIGNED), ("replied_at", "reply", Role.UNIT, Status.REPLIED),
    ("visited_at", "visit", Role.AGENT, Status.VISITED), ("closed_at", "close", Role.AGENT, Status.CLOSED),
]


def _at(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _ticket(row: dict, catalogue: Catalogue) -> Ticket:
    status = STATUS_OF[row["status"]]
    answered = row["dispatch_mode"] == "即办"
    ticket = Ticket(
        number=row["ticket_id"], idempotency_key=f"history:{row['ticket_id']}",
        request_hash=hashlib.sha256(row["text"].encode("utf-8")).hexdigest(), channel=row["style"],
        caller_id=row["caller_id"], caller_phone_hash=row["caller_phone_hash"],
        caller_phone_masked=row["caller_phone_masked"], title=row["title"], text=row["text"],
        address=row["address"], district=row["district"], street=row["street"], status=status.value,
        catalogue_version=catalogue.version, leaf=row["leaf"], dispatch_mode=row["dispatch_mode"],
        urgency=row["urgency"], time_limit=row["time_limit"], due_at=_at(row["due_at"]),
        extended_days=row["extended_days"], reply_text=row["reply_text"], satisfaction=row["final_satisfaction"],
        reopen_count=int(row["rehandled"]), created_at=_at(row["received_at"]),
        updated_at=_at(row["closed_at"] or row["replied_at"] or row["signed_at"] or row["received_at"]),
        dispatched_at=_at(row["dispatched_at"]), signed_at=_at(row["signed_at"]), replied_at=_at(row["replied_at"]),
        closed_at=_at(row["closed_at"]),
        supervised_at=_at(row["due_at"]) if row["overdue"] and status in (Status.DISPATCHED, Status.SIGNED) else None)
    if not answered and row["dispatched_at"]:
        if row["returned"]:
            ticket.assignments.append(Assignment(unit=row["first_unit"], role="lead", active=False,
                                                 assigned_at=_at(row["dispatched_at"])))
        ticket.assignments.append(Assignment(unit=row["lead_unit"], role="lead", assigned_at=_at(row["dispatched_at"]),
                                             signed_at=_at(row["signed_at"]), replied_at=_at(row["replied_at"]),
                                             reply_text=row["reply_text"]))
        ticket.assignments.extend(Assignment(unit=u, role="co", assigned_at=_at(row["dispatched_at"]))
                                  for u in row["co_units"])
    before = None
    for field, action, role, after in STEPS:
        moment = _at(row[field])
        if moment is None:
            continue
        if answered and action in ("dispatch", "sign"):
            continue
        actor = row["lead_unit"] if role is Role.UNIT else "history-agent"
        ticket.audit.append(AuditEntry(at=moment, actor=actor, role=role.value, action=action, from_status=before,
                                       to_status=after.value, reason="历史工单导入", details={}))
        before = after.value
    return ticket


def load_history(session: Session, *, rows: list[dict], catalogue: Catalogue) -> int:
    """Insert the rows not loaded before (keyed by their ticket number); return how many were added."""
    known = set(session.scalars(select(Ticket.number).where(Ticket.idempotency_key.like("history:%"))))
    added = 0
    for row in rows:
        if row["ticket_id"] in known or row["leaf"] not in catalogue:
            continue
        session.add(_ticket(row, catalogue))
        added += 1
    session.commit()
    return added
