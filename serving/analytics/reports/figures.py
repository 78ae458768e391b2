"""What a report shows, gathered from the indicators (serving/analytics/service.py) over its period, the period
before it and, for a month, the same month a year earlier: plain data that the page and the workbook render."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from catalog import Catalogue
from catalog.deadlines import TZ, require_aware
from serving.analytics import flows, hotspots, service
from serving.analytics.definitions import BY_KEY, DEFAULT_RESPONSE_HOURS, Cut
from serving.analytics.reports.periods import Kind, ReportPeriod
from serving.analytics.service import Figure, IndicatorRow
from serving.tickets.states import STATUS_NAMES

HEADLINE = ("volume", "per_10k", "response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate",
            "closure_rate", "repeat_rate")
DISTRICT_KEYS = ("volume", "per_10k", "response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate")
UNIT_KEYS = ("volume", "response_rate", "resolution_rate", "satisfaction_rate", "on_time_rate")
LEAF_KEYS = ("volume", "repeat_rate")
TOP = 10
LEVELS = ("满意", "基本满意", "不满意")
NOT_RATED = "未评价"
UNCLASSIFIED = "未分类"


@dataclass(frozen=True)
class Row:
    """One code of a cut: its figures in the period and the period before, and its rank per indicator (among every
    code of the cut; None where it has no value)."""
    code: str | None
    name: str
    now: dict[str, Figure]
    before: dict[str, Figure]
    ranks: dict[str, int | None] = field(default_factory=dict)
    group: str = ""     # what it belongs to: a leaf's 大类

    def value(self, key: str):
        return self.now[key].value

    def count(self, key: str) -> int:
        """The indicator's numerator (the count behind a share)."""
        return self.now[key].numerator or 0


@dataclass(frozen=True)
class Trend:
    """Tickets per day of the period (per hour for a day), beside the period before."""
    labels: list[str]
    now: list[int]
    before: list[int]
    step: str           # 日 | 时


@dataclass(frozen=True)
class LateTicket:
    number: str
    leaf: str
    district: str
    unit: str
    due_at: datetime
    replied_at: datetime | None
    hours_over: float
    status: str


@dataclass(frozen=True)
class Hotspot:
    day: str
    name: str
    district: str
    count: int
    expected: float
    units: list[str]


@dataclass(frozen=True)
class Figures:
    city: str                     # the city's name
    period: ReportPeriod
    previous: ReportPeriod
    year_ago: ReportPeriod | None
    generated_at: datetime
    response_hours: int
    total: Row                    # the whole city
    total_year_ago: dict[str, Figure] | None
    trend: Trend
    channels: list[Row]
    categories: list[Row]         # the top 大类 by volume
    leaves: list[Row]             # the top leaves by volume
    repeats: list[Row]            # the leaves with the most repeat complaints
    districts: list[Row]
    units: list[Row]
    satisfaction: dict[str, int]  # visited tickets per satisfaction, 未评价 for none recorded
    satisfaction_before: dict[str, int]
    overdue: list[LateTicket]
    overdue_before: int
    hotspots: list[Hotspot]

    @property
    def complete(self) -> bool:
        return self.period.complete(self.generated_at)

    def overdue_by_unit(self) -> list[tuple[str, int]]:
        return Counter(t.unit for t in self.overdue).most_common()


def gather(session: Session, *, catalogue: Catalogue, period: ReportPeriod, now: datetime,
           response_hours: int = DEFAULT_RESPONSE_HOURS) -> Figures:
    """Every figure of the report for `period`, as the data stands at `now`."""
    require_aware(now, "now")
    previous, year_ago = period.previous(), period.a_year_earlier()

    def rows(asked: ReportPeriod, by: Cut, keys=None, codes=None) -> list[IndicatorRow]:
        return service.indicators(session, catalogue=catalogue, start=asked.start, end=asked.end, by=by,
                                  response_hours=response_hours, keys=keys, codes=codes)

    def compared(current: list[IndicatorRow], by: Cut, keys=None, ranked=()) -> list[Row]:
        before = {r.code: r.figures for r in rows(previous, by, keys, [r.code for r in current])}
        ranks = {key: {r.code: r.rank for r in flows.ranked(current, BY_KEY[key], {}, {})} for key in ranked}
        return [Row(r.code, r.name, r.figures, before[r.code], {k: ranks[k][r.code] for k in ranked},
                    _group(catalogue, by, r.code)) for r in current]

    [city] = compared(rows(period, Cut.NONE), Cut.NONE)
    leaves = [r for r in rows(period, Cut.LEAF, LEAF_KEYS) if r.code is not None]
    top_leaves = _top(leaves, lambda r: r.figures["volume"].value)
    repeated = _top(leaves, lambda r: r.figures["repeat_rate"].numerator)
    leaf_rows = {r.code: r for r in compared(list({r.code: r for r in top_leaves + repeated}.values()), Cut.LEAF,
                                             LEAF_KEYS)}
    late = service.overdue(session, start=period.start, end=period.end, now=now)
    return Figures(
        city=catalogue.city.name, period=period, previous=previous, year_ago=year_ago, generated_at=now,
        response_hours=response_hours, total=city,
        total_year_ago=rows(year_ago, Cut.NONE)[0].figures if year_ago else None,
        trend=_trend(session, period, previous),
        channels=compared(_top(rows(period, Cut.CHANNEL, ["volume"]), lambda r: r.figures["volume"].value, None),
                          Cut.CHANNEL, ["volume"]),
        categories=compared(_top([r for r in rows(period, Cut.CATEGORY, ["volume"]) if r.code is not None],
                                 lambda r: r.figures["volume"].value), Cut.CATEGORY, ["volume"]),
        leaves=[leaf_rows[r.code] for r in top_leaves], repeats=[leaf_rows[r.code] for r in repeated],
        districts=compared(rows(period, Cut.DISTRICT, DISTRICT_KEYS), Cut.DISTRICT, DISTRICT_KEYS,
                           _ranked(DISTRICT_KEYS)),
        units=compared(rows(period, Cut.UNIT, UNIT_KEYS), Cut.UNIT, UNIT_KEYS, _ranked(UNIT_KEYS)),
        satisfaction=_satisfaction(session, period), satisfaction_before=_satisfaction(session, previous),
        overdue=[_late(catalogue, t, now) for t in late],
        overdue_before=len(service.overdue(session, start=previous.start, end=previous.end, now=now)),
        hotspots=[_hotspot(catalogue, w) for w in hotspots.warnings_between(session, first=period.first,
                                                                             last=period.last)])


def _ranked(keys: tuple[str, ...]) -> tuple[str, ...]:
    """The indicators a ranking orders by: not the raw volume, which follows the population and the unit's remit."""
    return tuple(k for k in keys if k != "volume")


def _top(rows: list[IndicatorRow], size, limit: int | None = TOP) -> list[IndicatorRow]:
    """The rows with the largest non-zero `size`, largest first (ties in code order)."""
    chosen = sorted((r for r in rows if size(r)), key=lambda r: -size(r))
    return chosen[:limit] if limit else chosen


def _group(catalogue: Catalogue, by: Cut, code: str | None) -> str:
    if by is not Cut.LEAF or code is None:
        return ""
    return service.code_name(catalogue, Cut.CATEGORY, code[:2])


def _trend(session: Session, period: ReportPeriod, previous: ReportPeriod) -> Trend:
    """Tickets created per day of the period (per hour of a day), and per day of the period before."""
    hourly = period.kind is Kind.DAILY

    def counts(asked: ReportPeriod) -> list[int]:
        slots = 24 if hourly else len(asked.days)
        buckets = Counter(_slot(t.astimezone(TZ), asked.first, hourly)
                          for t in service.created_times(session, start=asked.start, end=asked.end))
        return [buckets.get(i, 0) for i in range(slots)]

    labels = [f"{h}时" for h in range(24)] if hourly else [f"{d.month}-{d.day}" for d in period.days]
    return Trend(labels, counts(period), counts(previous), "时" if hourly else "日")


def _slot(moment: datetime, first: date, hourly: bool) -> int:
    return moment.hour if hourly else (moment.date() - first).days


def _satisfaction(session: Session, period: ReportPeriod) -> dict[str, int]:
    """Visited tickets per satisfaction: 满意, 基本满意, 不满意, anything else recorded, then 未评价."""
    found = service.satisfaction_counts(session, start=period.start, end=period.end)
    others = sorted(k for k in found if k is not None and k not in LEVELS)
    return {level: found.get(level, 0) for level in (*LEVELS, *others)} | {NOT_RATED: found.get(None, 0)}


def _late(catalogue: Catalogue, late: service.Late, now: datetime) -> LateTicket:
    return LateTicket(number=late.number or "—",
                      leaf=service.code_name(catalogue, Cut.LEAF, late.leaf),
                      district=service.code_name(catalogue, Cut.DISTRICT, late.district),
                      unit=service.code_name(catalogue, Cut.UNIT, late.unit) if late.unit else "未派单",
                      due_at=late.due_at, replied_at=late.replied_at, hours_over=late.hours_over(now),
                      status=STATUS_NAMES.get(late.status, late.status))


def _hotspot(catalogue: Catalogue, warning) -> Hotspot:
    district = "全市" if warning.district == hotspots.CITY else service.code_name(catalogue, Cut.DISTRICT,
                                                                                 warning.district)
    name = catalogue.path_name(warning.code) if warning.code in catalogue else warning.code
    return Hotspot(day=warning.day, name=name, district=district, count=warning.count, expected=warning.expected,
                   units=[service.code_name(catalogue, Cut.UNIT, u) for u in warning.units])

