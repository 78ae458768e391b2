"""Database work of the indicators: one GROUP BY per cohort (what is counted in the period), conditional counts,
and rows assembled from the counts as the definitions say."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Float, and_, case, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.functions import FunctionElement

from catalog import Catalogue
from serving.analytics.definitions import (CHANNEL_NAMES, DEFAULT_RESPONSE_HOURS, INDICATORS, POPULATION, Cut,
                                           Indicator)
from serving.suggestions.models import Suggestion
from serving.tickets.models import Assignment, AuditEntry, Ticket
from serving.tickets.states import Action, Status

CITY = "city"                       # the code of the whole-city row
CLOSED = (Status.CLOSED.value, Status.ARCHIVED.value)
SATISFIED = ("满意", "基本满意")
UNSATISFIED = "不满意"
AUTO_DISPATCH = "auto-dispatch"     # Suggestion.decided_by of an automatic dispatch
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
    """What one family of indicators counts in a period: a query over tickets with one row per counted thing
    (`counted`: its id), named conditions to count, and the unit column when the counted things carry their own
    unit (lead assignments)."""
    query: Select
    counted: ColumnElement
    measures: dict[str, ColumnElement]
    unit: ColumnElement | None = None


def _between(column, start: datetime, end: datetime) -> ColumnElement:
    return and_(column >= start, column < end)


def _created(start: datetime, end: datetime, _hours: int) -> Cohort:
    """Tickets created in the period, merged duplicates excluded."""
    query = select().select_from(Ticket).where(_between(Ticket.created_at, start, end), Ticket.merged_into.is_(None))
    return Cohort(query, Ticket.id, {"closed": Ticket.status.in_(CLOSED), "repeats": Ticket.repeat_of.is_not(None)})


def _assigned(start: datetime, end: datetime, hours: int) -> Cohort:
    """Lead assignments made in the period; signed in time when signed within `hours` of the assignment."""
    query = (select().select_from(Assignment).join(Ticket, Ticket.id == Assignment.ticket_id)
             .where(Assignment.role == "lead", _between(Assignment.assigned_at, start, end)))
    in_time = and_(Assignment.signed_at.is_not(None),
                   seconds_between(Assignment.signed_at, Assignment.assigned_at) <= hours * 3600)
    return Cohort(query, Assignment.id, {"signed_in_time": in_time}, unit=Assignment.unit)


def _visited(start: datetime, end: datetime, _hours: int) -> Cohort:
    """Tickets return-visited in the period, each judged by its last visit in the period."""
    last = (select(AuditEntry.ticket_id, func.max(AuditEntry.id).label("visit_id"))
            .where(AuditEntry.action == Action.VISIT.value, _between(AuditEntry.at, start, end))
            .group_by(AuditEntry.ticket_id).subquery("last_visit"))
    visit = aliased(AuditEntry, name="visit")
    query = (select().select_from(Ticket).join(last, last.c.ticket_id == Ticket.id)
             .join(visit, visit.id == last.c.visit_id))
    satisfaction = func.coalesce(visit.details["satisfaction"].as_string(), Ticket.satisfaction)
    resolved = func.coalesce(visit.details["resolved"].as_boolean(), Ticket.resolved)
    solved = or_(resolved.is_(True), and_(resolved.is_(None), satisfaction != UNSATISFIED))
    return Cohort(query, Ticket.id, {"satisfied": satisfaction.in_(SATISFIED), "solved": solved})


def _replied(start: datetime, end: datetime, _hours: int) -> Cohort:
    """Tickets whose latest reply falls in the period and that have a due time."""
    query = select().select_from(Ticket).where(_between(Ticket.replied_at, start, end), Ticket.due_at.is_not(None))
    return Cohort(query, Ticket.id, {"on_time": Ticket.replied_at <= Ticket.due_at})


def _dispatched(start: datetime, end: datetime, _hours: int) -> Cohort:
    """Tickets first dispatched in the period, with what happened to them since (returns, reassignments)."""
    action = AuditEntry.action
    in_period = select(AuditEntry.ticket_id).where(action == Action.DISPATCH.value,
                                                   _between(AuditEntry.at, start, end))
    first_at = func.min(case((action == Action.DISPATCH.value, AuditEntry.at)))
    # grouped per ticket with no filter on the action, so that only the ticket_id index fits: SQLite, without
    # statistics, would otherwise walk an (action, at) index through every earlier dispatch of the city
    history = (select(AuditEntry.ticket_id,
                      func.sum(case((action == Action.DISPATCH.value, 1), else_=0)).label("dispatches"),
                      func.sum(case((action == Action.APPROVE_RETURN.value, 1), else_=0)).label("returns"),
                      func.sum(case((action == Action.RESOLVE_CONSULTATION.value, 1), else_=0)).label("consultations"))
               .where(AuditEntry.ticket_id.in_(in_period))
               .group_by(AuditEntry.ticket_id).having(first_at >= start).subquery("dispatch_history"))
    query = select().select_from(Ticket).join(history, history.c.ticket_id == Ticket.id)
    right_first_time = and_(history.c.dispatches == 1, history.c.returns == 0, history.c.consultations == 0)
    return Cohort(query, Ticket.id, {"returned": history.c.returns > 0, "first_time_right": right_first_time,
                                     "auto": Ticket.auto_dispatched.is_(True)})


def _decided(start: datetime, end: datetime, _hours: int) -> Cohort:
    """Suggestions with candidates that a person decided on in the period (automatic dispatches excluded)."""
    query = (select().select_from(Suggestion).join(Ticket, Ticket.id == Suggestion.ticket_id)
             .where(_between(Suggestion.decided_at, start, end), Suggestion.status == "ok",
                    Suggestion.decided_by.is_not(None), Suggestion.decided_by != AUTO_DISPATCH))
    return Cohort(query, Suggestion.id, {"accepted": Suggestion.accepted.is_(True)})


COHORTS = {"created": _created, "assigned": _assigned, "visited": _visited, "replied": _replied,
           "dispatched": _dispatched, "decided": _decided}
TICKET_KEYS = {Cut.DISTRICT: Ticket.district, Cut.STREET: Ticket.street, Cut.LEAF: Ticket.leaf,
               Cut.CHANNEL: Ticket.channel, Cut.CATEGORY: func.substr(Ticket.leaf, 1, 2),
               Cut.SUBCATEGORY: func.substr(Ticket.leaf, 1, 4)}


def _code(cohort: Cohort, by: Cut) -> tuple[Select, ColumnElement | None]:
    """The cohort's query and the cut's code column (None for the whole city); by unit, a ticket is joined to each
    unit that was its lead, unless the counted things carry their own unit."""
    if by is Cut.NONE:
        return cohort.query, None
    if by is not Cut.UNIT:
        return cohort.query, TICKET_KEYS[by]
    if cohort.unit is not None:
        return cohort.query, cohort.unit
    leads = aliased(Assignment, name="lead")
    return cohort.query.join(leads, and_(leads.ticket_id == Ticket.id, leads.role == "lead")), leads.unit


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
    counts = {name: tally(session, cohort=COHORTS[name](start, end, response_hours), by=by)
              for name in _cohorts_for([i.key for i in chosen])}
    wanted = list(codes) if codes is not None else _codes(catalogue, by, counts)
    return [IndicatorRow(code, _name(catalogue, by, code),
                         {i.key: _figure(i, counts, code, _population(catalogue, by, code)) for i in chosen})
            for code in wanted]


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


def _name(catalogue: Catalogue, by: Cut, code: str | None) -> str:
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
