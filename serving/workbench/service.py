"""Queries behind the pages: earlier tickets of a draft's caller or address, how a leaf would be dispatched now,
the agents' corrections of the suggestions, and the supervisor's lists."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from catalog import Catalogue, Node
from catalog.deadlines import due_at
from catalog.rules import DispatchMode, TimeLimitKind
from serving.catalogue.service import rule_name
from serving.supervision.service import REPEAT_WINDOW, WATCHED
from serving.supervision.service import pool as supervision_pool
from serving.suggestions.models import Suggestion
from serving.tickets.models import Ticket
from serving.tickets.states import Status

UNSATISFIED = "不满意"
URGENT_NOW = "立即办"
OPEN = (Status.REGISTERED.value, *WATCHED)     # not yet replied to
EARLIER_LIMIT = 10


# --- repeats of a draft ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Earlier:
    by_caller: list[Ticket]
    by_address: list[Ticket]


def earlier_tickets(session: Session, *, phone_hash: str | None, address: str, now: datetime,
                    limit: int = EARLIER_LIMIT) -> Earlier:
    """Tickets of the last 90 days from the same caller phone, and at the same address; most recent first."""
    def recent(condition) -> list[Ticket]:
        query = select(Ticket).where(condition, Ticket.created_at >= now - REPEAT_WINDOW, Ticket.created_at <= now,
                                     Ticket.status != Status.MERGED.value)
        return list(session.scalars(query.order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)))

    address = address.strip()
    return Earlier(by_caller=recent(Ticket.caller_phone_hash == phone_hash) if phone_hash else [],
                   by_address=recent(Ticket.address == address) if address else [])


# --- dispatch preview -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Preview:
    leaf: Node
    due: datetime
    lead: str | None
    co: list[str]
    missing_place: str | None


def leaf_of(catalogue: Catalogue, code: str) -> Node:
    """The leaf with this code; KeyError (unknown code) or ValueError (a node with sub-items), with what to do."""
    node = catalogue.get(code)
    if not node.is_leaf:
        raise ValueError(f"{code} ({node.name}) is a {node.level_name} with sub-items; choose one of its leaves")
    return node


def preview(catalogue: Catalogue, *, code: str, district: str | None, street: str | None, now: datetime) -> Preview:
    """How the leaf would be dispatched now by its rule, as serving.tickets.flows.dispatch resolves it (the dispatch
    itself decides; this is what the agent sees before registering)."""
    leaf = leaf_of(catalogue, code)
    rule = leaf.dispatch
    lead = rule.responsible.unit_at(district, street)
    if rule.mode is DispatchMode.STEPWISE and not (lead or "").startswith("district:"):
        lead = f"district:{district}" if district else None
    missing = None
    if lead is None:
        missing = "district" if rule.mode is DispatchMode.STEPWISE else rule.responsible.target
    co = [u for u in (r.unit_at(district, street) for r in rule.co_handlers) if u and u != lead]
    return Preview(leaf, due_at(now, rule.time_limit), lead, list(dict.fromkeys(co)), missing)


def is_on_the_spot(leaf: Node) -> bool:
    return leaf.dispatch.time_limit.kind is TimeLimitKind.ON_THE_SPOT


def lead_rule_name(catalogue: Catalogue, leaf: Node) -> str:
    return rule_name(catalogue, leaf.dispatch.responsible)


# --- corrections ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Correction:
    ticket_id: int
    number: str
    decided_at: datetime | None
    decided_by: str | None
    suggested: str
    probability: float
    chosen: str
    chosen_rank: int | None


@dataclass(frozen=True)
class Corrections:
    decided: int
    items: list[Correction]   # most recent first

    def by_leaf(self) -> list[tuple[str, int]]:
        return Counter(c.chosen for c in self.items).most_common()

    def pairs(self) -> list[tuple[tuple[str, str], int]]:
        return Counter((c.suggested, c.chosen) for c in self.items).most_common()


def corrections(session: Session) -> Corrections:
    """Decided suggestions whose chosen leaf is not the top suggested one (the material for retraining)."""
    decided = select(Suggestion, Ticket.number).join(Ticket, Ticket.id == Suggestion.ticket_id).where(
        Suggestion.status == "ok", Suggestion.chosen_leaf.is_not(None))
    rows = session.execute(decided.order_by(Suggestion.decided_at.desc(), Suggestion.id.desc())).all()
    items = [Correction(s.ticket_id, number, s.decided_at, s.decided_by, s.candidates[0]["leaf"],
                        s.candidates[0]["probability"], s.chosen_leaf, s.chosen_rank)
             for s, number in rows if s.candidates and s.candidates[0]["leaf"] != s.chosen_leaf]
    return Corrections(decided=len(rows), items=items)


# --- the supervisor's lists -----------------------------------------------------------------------
@dataclass(frozen=True)
class Board:
    urgent: list[Ticket]
    overdue: list[Ticket]
    pool: list[Ticket]
    repeats: list[Ticket]
    unsatisfied: list[Ticket]
    pending: list[Ticket]


def board(session: Session, *, now: datetime, repeat_at: int, limit: int = 100) -> Board:
    """What a supervisor watches, each list capped at `limit`; `repeat_at`: the complaint number (3: the third
    about the same problem) from which a repeat is listed."""
    def tickets(*conditions, order=Ticket.id.desc()) -> list[Ticket]:
        return list(session.scalars(select(Ticket).where(*conditions).order_by(order).limit(limit)))

    handling = Ticket.status.in_(WATCHED)
    return Board(
        urgent=tickets(Ticket.urgency == URGENT_NOW, Ticket.status.in_(OPEN), order=Ticket.created_at.desc()),
        overdue=tickets(handling, Ticket.due_at < now, order=Ticket.due_at),
        pool=supervision_pool(session)[:limit],
        repeats=tickets(Ticket.repeat_count >= repeat_at - 1, Ticket.created_at >= now - REPEAT_WINDOW,
                        Ticket.status != Status.MERGED.value),
        unsatisfied=tickets(or_(Ticket.satisfaction == UNSATISFIED, handling & (Ticket.reopen_count > 0))),
        pending=tickets(handling, or_(Ticket.return_pending, Ticket.extension_pending_days > 0,
                                      Ticket.consultation_pending), order=Ticket.updated_at))
