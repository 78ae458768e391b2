"""Database work of the indicators: one GROUP BY per cohort over its facts in the period (serving/analytics/facts.py:
what is counted, and when), conditional counts, and rows assembled from the counts as the definitions say."""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import ColumnElement

from catalog import Catalogue
from serving.analytics import facts
from serving.analytics.definitions import (CHANNEL_NAMES, DEFAULT_RESPONSE_HOURS, INDICATORS, POPULATION, Cut,
                                           Indicator)
from serving.analytics.models import IndicatorFact
from serving.tickets.models import Assignment, Ticket

CITY = "city"                       # the code of the whole-city row
UNKNOWN_NAMES = {Cut.DISTRICT: "未填写区县", Cut.STREET: "未填写街道", Cut.CATEGORY: "未分类", Cut.SUBCATEGORY: "未分类",
                 Cut.LEAF: "未分类", Cut.CHANNEL: "未填写渠道"}
CODES: dict[Cut, ColumnElement] = {
    Cut.DISTRICT: IndicatorFact.district, Cut.STREET: IndicatorFact.street, Cut.UNIT: IndicatorFact.unit,
    Cut.LEAF: IndicatorFact.leaf, Cut.CHANNEL: IndicatorFact.channel,
    Cut.CATEGORY: func.substr(IndicatorFact.leaf, 1, 2), Cut.SUBCATEGORY: func.substr(IndicatorFact.leaf, 1, 4)}


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


def _counted(by: Cut) -> ColumnElement:
    """Which facts a cut counts: by unit, each unit a counted thing had (its own, or each unit that led its
    ticket); by anything else, each counted thing once."""
    return IndicatorFact.unit.is_not(None) if by is Cut.UNIT else IndicatorFact.is_primary.is_(True)


def tally(session: Session, *, cohort: str, start: datetime, end: datetime, by: Cut,
          response_hours: int = DEFAULT_RESPONSE_HOURS) -> dict[str | None, dict[str, int]]:
    """Counts per cut code of the cohort's facts in [start, end): 'total' and each measure."""
    measures = facts.measures(cohort, response_hours)
    query = (select(func.count().label("total"), *(func.sum(m).label(name) for name, m in measures.items()))
             .where(*facts.in_period(cohort, start, end), _counted(by)))
    if by is not Cut.NONE:
        query = query.add_columns(CODES[by].label("code")).group_by(CODES[by])
    counts: dict[str | None, dict[str, int]] = {}
    for row in session.execute(query).mappings():
        code = row["code"] if by is not Cut.NONE else CITY
        counts[code] = {name: int(row[name] or 0) for name in ("total", *measures)}   # SUM of no rows: NULL
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
    facts.check_current(session)
    facts.without_jit(session)
    counts = {name: tally(session, cohort=name, start=start, end=end, by=by, response_hours=response_hours)
              for name in _cohorts_for([i.key for i in chosen])}
    wanted = list(codes) if codes is not None else _codes(catalogue, by, counts)
    return [IndicatorRow(code, code_name(catalogue, by, code),
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
    facts.check_current(session)
    return list(session.scalars(select(IndicatorFact.at).where(*facts.in_period("created", start, end),
                                                               IndicatorFact.is_primary.is_(True))))


def satisfaction_counts(session: Session, *, start: datetime, end: datetime) -> dict[str | None, int]:
    """The tickets 满意率 counts over [start, end) per satisfaction of their last visit (None: none recorded)."""
    facts.check_current(session)
    query = (select(IndicatorFact.satisfaction, func.count())
             .where(*facts.in_period("visited", start, end), IndicatorFact.is_primary.is_(True))
             .group_by(IndicatorFact.satisfaction))
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
    due = and_(Ticket.due_at >= start, Ticket.due_at < min(end, now))
    query = select(Ticket.number, Ticket.leaf, Ticket.district, unit, Ticket.due_at, Ticket.replied_at,
                   Ticket.status).where(due, Ticket.merged_into.is_(None),
                                        or_(Ticket.replied_at.is_(None), Ticket.replied_at > Ticket.due_at))
    late = [Late(*row) for row in session.execute(query)]
    return sorted(late, key=lambda t: t.hours_over(now), reverse=True)
