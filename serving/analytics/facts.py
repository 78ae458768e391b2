"""The indicator facts: every thing a cohort counts, derived once from the tickets, their lead assignments, audit
log and suggestions, with the time that places it in a period. Kept exact in the transaction that changes a ticket
(the session hooks below re-derive that ticket's facts before it commits), so that any period's indicators are one
indexed range read instead of a walk over the audit log (eval/bench_indicators.py)."""
from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from itertools import chain

from sqlalchemy import (Float, Insert, and_, bindparam, case, cast, delete, event, false, func, insert, inspect,
                        literal, null, or_, select, text, true, union_all)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.functions import FunctionElement
from tqdm import tqdm

from serving.analytics.models import FactsState, IndicatorFact
from serving.autodispatch.service import AUTO_ACTOR
from serving.suggestions.models import Suggestion
from serving.tickets.models import Assignment, AuditEntry, Ticket, split_parent
from serving.tickets.states import Action, Status

log = logging.getLogger(__name__)

FACTS_VERSION = "1"        # bump when a derivation below changes: `jiesu db upgrade` then rebuilds the table
STATE_ID = 1
CHUNK = 500                # tickets re-derived per statement (bound parameters stay well under SQLite's limit)
TOUCHED = "jiesu.analytics.touched_tickets"
CLOSED = (Status.CLOSED.value, Status.ARCHIVED.value)
SATISFIED = ("满意", "基本满意")
UNSATISFIED = "不满意"
COLUMNS = ("cohort", "ticket_id", "counted_id", "at", "next_at", "is_primary", "unit", "district", "street", "leaf",
           "channel", "satisfaction", "delay_s", "m1", "m2", "m3")


class FactsOutOfDate(RuntimeError):
    """The facts table was built by another definition than the code's (or never): `jiesu db upgrade` rebuilds it."""


class seconds_between(FunctionElement):
    """Seconds from the second timestamp to the first, in each database's own date arithmetic."""
    type = Float()
    inherit_cache = True


@compiles(seconds_between)
def _seconds_elsewhere(element, compiler, **kw):
    raise NotImplementedError(f"the indicators know SQLite and PostgreSQL date arithmetic, not {compiler.dialect.name}")


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"ROUND((julianday({later}) - julianday({earlier})) * 86400.0)"


@compiles(seconds_between, "postgresql")
def _seconds_postgresql(element, compiler, **kw):
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"


def _bit(condition: ColumnElement) -> ColumnElement:
    return case((condition, 1), else_=0)


def _cuts(ticket) -> list[ColumnElement]:
    return [ticket.district.label("district"), ticket.street.label("street"), ticket.leaf.label("leaf"),
            ticket.channel.label("channel")]


IDS = bindparam("ids", expanding=True)   # the tickets a refresh re-derives, bound when it runs
FACTS = IndicatorFact.__table__          # Core statements: with parameters, ORM ones would turn into bulk inserts


def _only(query: Select, column: ColumnElement, some: bool) -> Select:
    """The query for the tickets bound to IDS (`some`), or for every ticket."""
    return query.where(column.in_(IDS)) if some else query


def _created(some: bool) -> Select:
    """Tickets by creation time, merged duplicates excluded, and a split call counted by its items (each child
    carries its own leaf and units) rather than once more as the parent. Measures: closed, a repeat."""
    query = select(Ticket.id.label("ticket_id"), Ticket.id.label("counted_id"), Ticket.created_at.label("at"),
                   *_cuts(Ticket), _bit(Ticket.status.in_(CLOSED)).label("m1"),
                   _bit(Ticket.repeat_of.is_not(None)).label("m2"))
    return _only(query.where(Ticket.merged_into.is_(None), ~split_parent()), Ticket.id, some)


def _assigned(some: bool) -> Select:
    """Lead assignments by assignment time, with the seconds until they were signed (None: not signed)."""
    query = (select(Assignment.ticket_id.label("ticket_id"), Assignment.id.label("counted_id"),
                    Assignment.assigned_at.label("at"), Assignment.unit.label("unit"), *_cuts(Ticket),
                    seconds_between(Assignment.signed_at, Assignment.assigned_at).label("delay_s"))
             .join(Ticket, Ticket.id == Assignment.ticket_id).where(Assignment.role == "lead"))
    return _only(query, Assignment.ticket_id, some)


def _visited(some: bool) -> Select:
    """Return visits by visit time, with the time of the ticket's next visit (a period counts a ticket by its last
    visit in it, by time and then by record). Satisfaction and 是否解决 are what the visit recorded, else (history
    imported without them) what the ticket says; a visit that records neither counts as solved unless 不满意."""
    visit, later = aliased(AuditEntry, name="visit"), aliased(AuditEntry, name="later")
    next_at = (select(func.min(later.at)).where(
        later.ticket_id == visit.ticket_id, later.action == Action.VISIT.value,
        or_(later.at > visit.at, and_(later.at == visit.at, later.id > visit.id))).scalar_subquery())
    satisfaction = func.coalesce(visit.details["satisfaction"].as_string(), Ticket.satisfaction)
    resolved = func.coalesce(visit.details["resolved"].as_boolean(), Ticket.resolved)
    solved = or_(resolved.is_(True), and_(resolved.is_(None), satisfaction != UNSATISFIED))
    query = (select(visit.ticket_id.label("ticket_id"), visit.id.label("counted_id"), visit.at.label("at"),
                    next_at.label("next_at"), *_cuts(Ticket), satisfaction.label("satisfaction"),
                    _bit(satisfaction.in_(SATISFIED)).label("m1"), _bit(solved).label("m2"))
             .join(Ticket, Ticket.id == visit.ticket_id).where(visit.action == Action.VISIT.value))
    return _only(query, visit.ticket_id, some)


def _replied(some: bool) -> Select:
    """Tickets with a due time by their latest reply. Measure: replied by the due time."""
    query = select(Ticket.id.label("ticket_id"), Ticket.id.label("counted_id"), Ticket.replied_at.label("at"),
                   *_cuts(Ticket), _bit(Ticket.replied_at <= Ticket.due_at).label("m1"))
    return _only(query.where(Ticket.replied_at.is_not(None), Ticket.due_at.is_not(None)), Ticket.id, some)


def _entries(*actions: Action) -> Select:
    """The ids of the ticket's audit entries with these actions (index-only on (ticket_id, action, at))."""
    entry = aliased(AuditEntry, name="entry")
    return select(entry.id).where(entry.ticket_id == Ticket.id, entry.action.in_([a.value for a in actions]))


def _dispatched(some: bool) -> Select:
    """Tickets by their first dispatch. Measures: a return approved since, only ever handed over once (no return,
    no reassignment after 会商), dispatched automatically."""
    first = (select(AuditEntry.ticket_id, func.min(AuditEntry.at).label("first_at"))
             .where(AuditEntry.action == Action.DISPATCH.value).group_by(AuditEntry.ticket_id))
    first = _only(first, AuditEntry.ticket_id, some).subquery("first_dispatch")
    handed = _entries(Action.DISPATCH, Action.APPROVE_RETURN, Action.RESOLVE_CONSULTATION)
    return (select(first.c.ticket_id.label("ticket_id"), first.c.ticket_id.label("counted_id"),
                   first.c.first_at.label("at"), *_cuts(Ticket),
                   _bit(_entries(Action.APPROVE_RETURN).exists()).label("m1"),
                   _bit(handed.with_only_columns(func.count()).scalar_subquery() == 1).label("m2"),
                   _bit(Ticket.auto_dispatched.is_(True)).label("m3"))
            .join(Ticket, Ticket.id == first.c.ticket_id))


def _decided(some: bool) -> Select:
    """Suggestions with candidates that a person decided on, by decision time (automatic dispatches excluded).
    Measure: the top suggestion was taken."""
    query = (select(Suggestion.ticket_id.label("ticket_id"), Suggestion.id.label("counted_id"),
                    Suggestion.decided_at.label("at"), *_cuts(Ticket), _bit(Suggestion.accepted.is_(True)).label("m1"))
             .join(Ticket, Ticket.id == Suggestion.ticket_id)
             .where(Suggestion.decided_at.is_not(None), Suggestion.status == "ok",
                    Suggestion.decided_by.is_not(None), Suggestion.decided_by != AUTO_ACTOR))
    return _only(query, Suggestion.ticket_id, some)


@dataclass(frozen=True)
class Derivation:
    rows: Callable[[bool], Select]
    own_unit: bool = False      # the rows carry their unit; else one more row per unit that led the ticket


DERIVATIONS: dict[str, Derivation] = {
    "created": Derivation(_created), "assigned": Derivation(_assigned, own_unit=True),
    "visited": Derivation(_visited), "replied": Derivation(_replied), "dispatched": Derivation(_dispatched),
    "decided": Derivation(_decided)}


def _fact_rows(cohort: str, rows: Select, *, primary: bool, unit: ColumnElement | None = None):
    """The derivation's rows in the table's column order (absent columns a NULL of the column's type, so that
    PostgreSQL can unite them; absent measures 0), and the subquery they are read from."""
    source = rows.subquery("derived")
    given = {c.name for c in source.c}
    defaults = {"cohort": literal(cohort), "is_primary": true() if primary else false(),
                "m1": literal(0), "m2": literal(0), "m3": literal(0)}
    columns = [unit if name == "unit" and unit is not None else source.c[name] if name in given
               else defaults.get(name, cast(null(), FACTS.c[name].type)) for name in COLUMNS]
    return select(*columns).select_from(source), source


def _selects(cohort: str, some: bool) -> list[Select]:
    """The rows of a cohort's facts, for the tickets bound to IDS or for all."""
    derivation = DERIVATIONS[cohort]
    rows, _ = _fact_rows(cohort, derivation.rows(some), primary=True)
    return [rows] + ([] if derivation.own_unit else [_unit_rows(cohort, derivation, some)])


@cache
def _insert_some() -> Insert:
    """One statement writing every cohort's facts of the tickets bound to IDS; built once, so that a commit's
    refresh binds its ids and runs one statement inside SQLite's write lock (built on every commit they cost
    25 ms; a statement per cohort, 5 ms)."""
    return insert(FACTS).from_select(COLUMNS, union_all(*(q for c in DERIVATIONS for q in _selects(c, True))))


def _unit_rows(cohort: str, derivation: Derivation, some: bool) -> Select:
    """One more row per counted thing and distinct unit that led its ticket (a unit that led twice counts once)."""
    leads = select(Assignment.ticket_id, Assignment.unit).where(Assignment.role == "lead").distinct()
    leads = _only(leads, Assignment.ticket_id, some).subquery("leads")
    rows, source = _fact_rows(cohort, derivation.rows(some), primary=False, unit=leads.c.unit)
    return rows.join(leads, leads.c.ticket_id == source.c.ticket_id)


_LOCK = select(Ticket.id).where(Ticket.id.in_(IDS)).order_by(Ticket.id).with_for_update(key_share=True)
_FORGET = delete(FACTS).where(FACTS.c.ticket_id.in_(IDS))


def refresh(session: Session, ticket_ids: Iterable[int | None]) -> None:
    """Re-derive the facts of these tickets in the session's transaction. The tickets
    are locked first (PostgreSQL FOR NO KEY UPDATE, which rows referring to the ticket do not block; SQLite has one
    writer): two transactions re-deriving the same ticket would each delete only the rows committed before they
    started, and both insert theirs."""
    ids = sorted({i for i in ticket_ids if i is not None})
    for offset in range(0, len(ids), CHUNK):
        bound = {"ids": ids[offset:offset + CHUNK]}
        session.execute(_LOCK, bound)
        session.execute(_FORGET, bound)
        session.execute(_insert_some(), bound)


def rebuild(session: Session) -> int:
    """Derive the whole table again and record the definition it was built with; the number of rows."""
    session.execute(delete(IndicatorFact))
    for cohort in tqdm(DERIVATIONS, desc="indicator facts", unit="cohort"):
        for rows in _selects(cohort, False):
            session.execute(insert(FACTS).from_select(COLUMNS, rows))
    state = session.get(FactsState, STATE_ID) or FactsState(id=STATE_ID)
    state.version, state.built_at = FACTS_VERSION, datetime.now().astimezone()
    session.add(state)
    return session.scalar(select(func.count()).select_from(IndicatorFact))


def without_jit(session: Session) -> None:
    """PostgreSQL would JIT-compile a long period's GROUP BY or a rebuild (their estimated cost passes
    jit_above_cost) for longer than they run (eval/bench_indicators.py). Off for this transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


def built_version(connection: Connection | Session) -> str | None:
    return connection.execute(select(FactsState.version).where(FactsState.id == STATE_ID)).scalar_one_or_none()


def check_current(session: Session) -> None:
    """Raise FactsOutOfDate unless the table was built by this code's definition."""
    version = built_version(session)
    if version != FACTS_VERSION:
        raise FactsOutOfDate(f"the indicator facts were built by definition {version or 'none'}, this code reads "
                             f"definition {FACTS_VERSION}; run `jiesu db upgrade` to rebuild them")


def ensure_current(engine: Engine, *, force: bool = False) -> int | None:
    """Rebuild the table when its definition is not the code's, or when forced (after migrations); the rows
    written, else None."""
    with Session(engine) as session:
        if built_version(session) == FACTS_VERSION and not force:
            return None
        without_jit(session)
        log.info("rebuilding the indicator facts (definition %s)", FACTS_VERSION)
        written = rebuild(session)
        session.commit()
        return written


# --- keeping the facts exact: every flush notes the tickets it touched; the commit re-derives them first --------
TICKET_KEYS = {Ticket: ("id", "parent_id"), Assignment: ("ticket_id",), AuditEntry: ("ticket_id",),
               Suggestion: ("ticket_id",)}


def _tickets_of(instance) -> set[int | None]:
    """The tickets whose facts depend on this row, before and after the flush: its own ticket, and for a split item
    also the call it was split from (a split call is counted by its items, not as well as itself), so an item moved
    to another call refreshes both calls."""
    state = inspect(instance)
    tickets: set[int | None] = set()
    for key in TICKET_KEYS.get(type(instance), ()):
        history = state.attrs[key].history
        tickets.update(history.deleted or ())
        tickets.add(getattr(instance, key))
    return tickets


@event.listens_for(Session, "after_flush")
def _note_touched(session: Session, _context) -> None:
    touched = session.info.setdefault(TOUCHED, set())
    for instance in chain(session.new, session.dirty, session.deleted):
        touched.update(_tickets_of(instance))


@event.listens_for(Session, "before_commit")
def _refresh_touched(session: Session) -> None:
    session.flush()
    touched = session.info.pop(TOUCHED, None)
    if touched:
        refresh(session, touched)


@event.listens_for(Session, "after_transaction_end")
def _forget_touched(session: Session, transaction) -> None:
    if transaction.parent is None:       # the outermost transaction ended: committed (already refreshed) or undone
        session.info.pop(TOUCHED, None)


# --- reading: which facts a period counts, and what each measure is --------------------------------------------
MEASURES: dict[str, tuple[str, ...]] = {
    "created": ("closed", "repeats"), "visited": ("satisfied", "solved"), "replied": ("on_time",),
    "dispatched": ("returned", "first_time_right", "auto"), "decided": ("accepted",)}


def measures(cohort: str, response_hours: int) -> dict[str, ColumnElement]:
    """Each measure of the cohort as a 0/1 column of the facts; a lead assignment is signed in time when signed
    within `response_hours` of the assignment."""
    if cohort == "assigned":
        return {"signed_in_time": _bit(IndicatorFact.delay_s <= response_hours * 3600)}
    columns = (IndicatorFact.m1, IndicatorFact.m2, IndicatorFact.m3)
    return dict(zip(MEASURES[cohort], columns))


def in_period(cohort: str, start: datetime, end: datetime) -> list[ColumnElement]:
    """The conditions for the cohort's facts that [start, end) counts; a ticket visited more than once in it
    counts by its last visit there."""
    conditions = [IndicatorFact.cohort == cohort, IndicatorFact.at >= start, IndicatorFact.at < end]
    if cohort == "visited":
        conditions.append(or_(IndicatorFact.next_at.is_(None), IndicatorFact.next_at >= end))
    return conditions
