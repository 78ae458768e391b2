"""Database work of the indicators: one GROUP BY per cohort (what is counted in the period), conditional counts,
and rows assembled from the counts as the definitions say."""
from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Float, and_, case, func, or_, select, text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.functions import FunctionElement

from catalog import Catalogue
from serving.autodispatch.service import AUTO_ACTOR
from serving.analytics.definitions import (CHANNEL_NAMES, DEFAULT_RESPONSE_HOURS, INDICATORS, POPULATION, Cut,
                                           Indicator)
from serving.suggestions.models import Suggestion
from serving.tickets.models import Assignment, AuditEntry, Ticket, split_parent
from serving.tickets.states import Action, Status

CITY = "city"                       # the code of the whole-city row
CLOSED = (Status.CLOSED.value, Status.ARCHIVED.value)
SATISFIED = ("满意", "基本满意")
UNSATISFIED = "不满意"
UNKNOWN_NAMES = {Cut.DISTRICT: "未填写区县", Cut.STREET: "未填写街道", Cut.CATEGORY: "未分类", Cut.SUBCATEGORY: "未分类",
                 Cut.LEAF: "未分类", Cut.CHANNEL: "未填写渠道"}


@dataclass(frozen=True)
class Figure:
    """One indicator's value with the counts it is computed from (value None when the denominator is 0)."""
    value: float | int | None
    numerator: int | None
    denominator: int | None


@dataclass(frozen=True)
class IndicatorRow:
    code: str | None
    name: str
    figures: dict[str, Figure]     # by indicator key


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


@dataclass(frozen=True)
class Cohort:
    """What one family of indicators counts in a period: a query with one row per counted thing (`counted`: its
    id), the id of its ticket, named conditions to count, the unit column when the counted things carry their own
    unit (lead assignments), and whether the query is over the tickets table itself."""
    query: Select
    counted: ColumnElement
    ticket_id: ColumnElement
    measures: dict[str, ColumnElement]
    unit: ColumnElement | None = None
    over_tickets: bool = False

    def of_ticket(self, column_of: Callable[[type[Ticket]], ColumnElement]) -> ColumnElement:
        """A column of the counted thing's ticket: read directly when the query is over tickets, else looked up."""
        return column_of(Ticket) if self.over_tickets else _of_ticket(self.ticket_id, column_of)


def _of_ticket(ticket_id: ColumnElement, column_of: Callable[[type[Ticket]], ColumnElement]) -> ColumnElement:
    """A column of the ticket with this id, as a correlated subquery: both databases answer it with one primary-key
    lookup per row, where a join let PostgreSQL's planner scan every ticket for a month's few thousand."""
    ticket = aliased(Ticket, name="of_ticket")
    return select(column_of(ticket)).where(ticket.id == ticket_id).scalar_subquery()


def _entries(ticket_id: ColumnElement, *actions: Action, before: datetime | None = None) -> Select:
    """The ids of one ticket's audit entries with these actions (and before a time): both databases answer it
    from the (ticket_id, action, at) index alone, without reading the entries."""
    entry = aliased(AuditEntry, name="entry")
    query = select(entry.id).select_from(entry).where(entry.ticket_id == ticket_id,
                                                      entry.action.in_([a.value for a in actions]))
    return query.where(entry.at < before) if before is not None else query


def _count_entries(ticket_id: ColumnElement, *actions: Action) -> ColumnElement:
    return _entries(ticket_id, *actions).with_only_columns(func.count()).scalar_subquery()


def _between(column, start: datetime, end: datetime) -> ColumnElement:
    return and_(column >= start, column < end)


def _created(start: datetime, end: datetime, _hours: int) -> Cohort:
    """Tickets created in the period, merged duplicates excluded, and a split call counted by its items (each child
    carries its own leaf and units) rather than once more as the parent."""
    query = select().select_from(Ticket).where(_between(Ticket.created_at, start, end), Ticket.merged_into.is_(None),
                                               ~split_parent())
    return Cohort(query, Ticket.id, Ticket.id, {"closed": Ticket.status.in_(CLOSED),
                                                "repeats": Ticket.repeat_of.is_not(None)}, over_tickets=True)


def _assigned(start: datetime, end: datetime, hours: int) -> Cohort:
    """Lead assignments made in the period; signed in time when signed within `hours` of the assignment."""
    query = select().select_from(Assignment).where(Assignment.role == "lead",
                                                   _between(Assignment.assigned_at, start, end))
    in_time = and_(Assignment.signed_at.is_not(None),
                   seconds_between(Assignment.signed_at, Assignment.assigned_at) <= hours * 3600)
    return Cohort(query, Assignment.id, Assignment.ticket_id, {"signed_in_time": in_time}, unit=Assignment.unit)


@dataclass(frozen=True)
class LastVisits:
    """The last return visit in a period of each ticket visited in it, and the satisfaction it stands for."""
    query: Select
    ticket_id: ColumnElement
    visit: type[AuditEntry]
    satisfaction: ColumnElement


def _last_visits(start: datetime, end: datetime) -> LastVisits:
    """Each ticket's last visit in the period, joined to its ticket; its satisfaction is what that visit recorded,
    else (history imported without it) what the ticket says."""
    last = (select(AuditEntry.ticket_id, func.max(AuditEntry.id).label("visit_id"))
            .where(AuditEntry.action == Action.VISIT.value, _between(AuditEntry.at, start, end))
            .group_by(AuditEntry.ticket_id).subquery("last_visit"))
    visit = aliased(AuditEntry, name="visit")
    query = (select().select_from(last).join(visit, visit.id == last.c.visit_id)
             .join(Ticket, Ticket.id == last.c.ticket_id))
    satisfaction = func.coalesce(visit.details["satisfaction"].as_string(), Ticket.satisfaction)
    return LastVisits(query, last.c.ticket_id, visit, satisfaction)


def _visited(start: datetime, end: datetime, _hours: int) -> Cohort:
    """Tickets return-visited in the period, each judged by its last visit in the period."""
    visits = _last_visits(start, end)
    resolved = func.coalesce(visits.visit.details["resolved"].as_boolean(), Ticket.resolved)
    solved = or_(resolved.is_(True), and_(resolved.is_(None), visits.satisfaction != UNSATISFIED))
    return Cohort(visits.query, Ticket.id, Ticket.id, {"satisfied": visits.satisfaction.in_(SATISFIED),
                                                       "solved": solved}, over_tickets=True)


def _replied(start: datetime, end: datetime, _hours: int) -> Cohort:
    """Tickets whose latest reply falls in the period and that have a due time."""
    query = select().select_from(Ticket).where(_between(Ticket.replied_at, start, end), Ticket.due_at.is_not(None))
    return Cohort(query, Ticket.id, Ticket.id, {"on_time": Ticket.replied_at <= Ticket.due_at}, over_tickets=True)


def _dispatched(start: datetime, end: datetime, _hours: int) -> Cohort:
    """Tickets first dispatched in the period (a dispatch in it, none before it), with what happened to them since
    (returns, reassignments)."""
    dispatched = (select(AuditEntry.ticket_id).where(AuditEntry.action == Action.DISPATCH.value,
                                                     _between(AuditEntry.at, start, end))
                  .distinct().subquery("dispatched"))
    query = (select().select_from(dispatched).join(Ticket, Ticket.id == dispatched.c.ticket_id)
             .where(~_entries(Ticket.id, Action.DISPATCH, before=start).exists()))
    returned = _entries(Ticket.id, Action.APPROVE_RETURN).exists()
    handed = _count_entries(Ticket.id, Action.DISPATCH, Action.APPROVE_RETURN, Action.RESOLVE_CONSULTATION)
    return Cohort(query, Ticket.id, Ticket.id, {"returned": returned, "first_time_right": handed == 1,
                                                "auto": Ticket.auto_dispatched.is_(True)}, over_tickets=True)


def _decided(start: datetime, end: datetime, _hours: int) -> Cohort:
    """Suggestions with candidates that a person decided on in the period (automatic dispatches excluded)."""
    query = select().select_from(Suggestion).where(
        _between(Suggestion.decided_at, start, end), Suggestion.status == "ok", Suggestion.decided_by.is_not(None),
        Suggestion.decided_by != AUTO_ACTOR)
    return Cohort(query, Suggestion.id, Suggestion.ticket_id, {"accepted": Suggestion.accepted.is_(True)})


COHORTS = {"created": _created, "assigned": _assigned, "visited": _visited, "replied": _replied,
           "dispatched": _dispatched, "decided": _decided}
TICKET_KEYS: dict[Cut, Callable[[type[Ticket]], ColumnElement]] = {
    Cut.DISTRICT: lambda t: t.district, Cut.STREET: lambda t: t.street, Cut.LEAF: lambda t: t.leaf,
    Cut.CHANNEL: lambda t: t.channel, Cut.CATEGORY: lambda t: func.substr(t.leaf, 1, 2),
    Cut.SUBCATEGORY: lambda t: func.substr(t.leaf, 1, 4)}


def _code(cohort: Cohort, by: Cut) -> tuple[Select, ColumnElement | None]:
    """The cohort's query and the cut's code column (None for the whole city); by unit, a ticket is joined to each
    unit that was its lead, unless the counted things carry their own unit."""
    if by is Cut.NONE:
        return cohort.query, None
    if by is not Cut.UNIT:
        return cohort.query, cohort.of_ticket(TICKET_KEYS[by])
    if cohort.unit is not None:
        return cohort.query, cohort.unit
    leads = aliased(Assignment, name="lead")
    return cohort.query.join(leads, and_(leads.ticket_id == cohort.ticket_id, leads.role == "lead")), leads.unit


def _materialised(cohort: Cohort, by: Cut):
    """The cohort's rows — counted id, code, a 0/1 column per measure — once per counted thing and code, as a
    MATERIALIZED CTE: the period's rows are found first, and the grouping cannot make the planner walk a whole
    table by an index on the cut's column (SQLite walked every assignment by unit to save a sort)."""
    query, code = _code(cohort, by)
    columns = [cohort.counted.label("counted")] + ([code.label("code")] if code is not None else [])
    columns += [case((condition, 1), else_=0).label(name) for name, condition in cohort.measures.items()]
    query = query.add_columns(*columns)
    if by is Cut.UNIT and cohort.unit is None:
        query = query.distinct()     # a unit that led the same ticket twice counts it once
    return query.cte("cohort").prefix_with("MATERIALIZED")


def tally(session: Session, *, cohort: Cohort, by: Cut) -> dict[str | None, dict[str, int]]:
    """Counts per cut code: 'total' and each measure."""
    rows = _materialised(cohort, by)
    query = select(func.count().label("total"), *(func.sum(rows.c[name]).label(name) for name in cohort.measures))
    query = query.select_from(rows)
    if by is not Cut.NONE:
        query = query.add_columns(rows.c.code).group_by(rows.c.code)
    counts: dict[str | None, dict[str, int]] = {}
    for row in session.execute(query).mappings():
        code = row["code"] if by is not Cut.NONE else CITY
        counts[code] = {name: int(row[name] or 0) for name in ("total", *cohort.measures)}   # SUM of no rows: NULL
    return counts


def _cohorts_for(keys: Collection[str]) -> set[str]:
    """The cohorts that the indicators with these keys are computed from."""
    wanted = [i for i in INDICATORS if i.key in keys]
    return {count.split(".")[0] for i in wanted for count in i.counts if count and count != POPULATION}


def indicators(session: Session, *, catalogue: Catalogue, start: datetime, end: datetime, by: Cut,
               response_hours: int = DEFAULT_RESPONSE_HOURS, keys: Collection[str] | None = None,
               codes: Collection[str] | None = None) -> list[IndicatorRow]:
    """Every indicator (or those in `keys`) over [start, end) per code of the cut; `codes` keeps only those rows,
    with zeros for a code that has no data."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("the period needs aware datetimes (Asia/Shanghai), not naive ones")
    if end <= start:
        raise ValueError(f"the period ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    chosen = [i for i in INDICATORS if keys is None or i.key in keys]
    _without_jit(session)
    counts = {name: tally(session, cohort=COHORTS[name](start, end, response_hours), by=by)
              for name in _cohorts_for([i.key for i in chosen])}
    wanted = list(codes) if codes is not None else _codes(catalogue, by, counts)
    return [IndicatorRow(code, code_name(catalogue, by, code),
                         {i.key: _figure(i, counts, code, _population(catalogue, by, code)) for i in chosen})
            for code in wanted]


def _without_jit(session: Session) -> None:
    """PostgreSQL would JIT-compile these queries (their estimated cost passes jit_above_cost) for longer than they
    run: about a third of a month's report at 100,000 tickets (eval/bench_indicators.py). Off for this transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL jit = off"))


def _count(counts: dict, name: str, code: str | None) -> int:
    cohort, measure = name.split(".")
    return counts[cohort].get(code, {}).get(measure, 0)


def _figure(indicator: Indicator, counts: dict, code: str | None, population: int | None) -> Figure:
    """The indicator's figure for one code, as its definition says: numerator / denominator × scale."""
    numerator_name, denominator_name = indicator.counts
    numerator = _count(counts, numerator_name, code)
    if denominator_name is None:
        return Figure(numerator, numerator, None)
    denominator = population if denominator_name == POPULATION else _count(counts, denominator_name, code)
    value = numerator / denominator * indicator.scale if denominator else None
    return Figure(value, numerator, denominator)


def _codes(catalogue: Catalogue, by: Cut, counts: dict) -> list[str | None]:
    """The rows of a cut: every district or street of the city, else the codes with data; unknown (None) last."""
    if by is Cut.NONE:
        return [CITY]
    seen = {code for per_code in counts.values() for code in per_code}
    if by is Cut.DISTRICT:
        seen |= {d.code for d in catalogue.city.districts}
    elif by is Cut.STREET:
        seen |= {s.code for s in catalogue.city.streets()}
    return sorted(seen - {None}) + ([None] if None in seen else [])


def _population(catalogue: Catalogue, by: Cut, code: str | None) -> int | None:
    """Residents of the city or of a district of the catalogue's city; None for every other cut."""
    if by is Cut.NONE:
        return catalogue.city.population
    if by is Cut.DISTRICT:
        return next((d.population for d in catalogue.city.districts if d.code == code), None)
    return None


def code_name(catalogue: Catalogue, by: Cut, code: str | None) -> str:
    """The Chinese name of a code of the cut."""
    if by is Cut.NONE:
        return catalogue.city.name
    if code is None:
        return UNKNOWN_NAMES.get(by, "未知")
    if by is Cut.CHANNEL:
        return CHANNEL_NAMES.get(code, code)
    lookup = {Cut.DISTRICT: lambda: catalogue.district(code).name, Cut.STREET: lambda: catalogue.street(code).name,
              Cut.UNIT: lambda: catalogue.unit(code).name}.get(by, lambda: catalogue.get(code).name)
    try:
        return lookup()
    except KeyError:      # a code the active catalogue no longer has (older tickets): shown, and said so
        return f"{code}（不在当前清单中）"


# --- what the reports show beside the indicators ---------------------------------------------------
def created_times(session: Session, *, start: datetime, end: datetime) -> list[datetime]:
    """When each ticket that 诉求量 counts over [start, end) was created (a report's volume trend buckets them)."""
    return list(session.scalars(_created(start, end, DEFAULT_RESPONSE_HOURS).query.add_columns(Ticket.created_at)))


def satisfaction_counts(session: Session, *, start: datetime, end: datetime) -> dict[str | None, int]:
    """The tickets 满意率 counts over [start, end) per satisfaction of their last visit (None: none recorded)."""
    _without_jit(session)
    visits = _last_visits(start, end)
    rows = visits.query.add_columns(visits.satisfaction.label("satisfaction")).subquery("visited")
    query = select(rows.c.satisfaction, func.count()).group_by(rows.c.satisfaction)
    return {satisfaction: int(count) for satisfaction, count in session.execute(query)}


@dataclass(frozen=True)
class Late:
    """A ticket past its due time: replied late, or not replied yet."""
    number: str | None
    leaf: str | None
    district: str | None
    unit: str | None          # its latest lead unit (None: never dispatched)
    due_at: datetime
    replied_at: datetime | None
    status: str

    def hours_over(self, now: datetime) -> float:
        return ((self.replied_at or now) - self.due_at).total_seconds() / 3600


def overdue(session: Session, *, start: datetime, end: datetime, now: datetime) -> list[Late]:
    """Tickets due in [start, end) and before `now` that were replied after their due time or are not replied yet
    (merged duplicates excluded), longest overdue first."""
    lead = aliased(Assignment, name="lead")
    unit = (select(lead.unit).where(lead.ticket_id == Ticket.id, lead.role == "lead")
            .order_by(lead.id.desc()).limit(1).scalar_subquery())
    query = select(Ticket.number, Ticket.leaf, Ticket.district, unit, Ticket.due_at, Ticket.replied_at,
                   Ticket.status).where(_between(Ticket.due_at, start, min(end, now)), Ticket.merged_into.is_(None),
                                        or_(Ticket.replied_at.is_(None), Ticket.replied_at > Ticket.due_at))
    late = [Late(*row) for row in session.execute(query)]
    return sorted(late, key=lambda t: t.hours_over(now), reverse=True)
