"""Indicator requests: the period and cut a caller asks for, checked; what a unit handler may see; rankings with
their month-over-month and year-over-year changes."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from catalog import Catalogue
from catalog.deadlines import TZ
from serving.analytics import service
from serving.analytics.definitions import CUT_NAMES, DEFAULT_RESPONSE_HOURS, Cut, Indicator, indicator
from serving.analytics.service import IndicatorRow
from serving.auth.models import Principal
from serving.tickets.states import Role

MAX_YEARS = 3
FIRST_YEAR, LAST_YEAR = 1990, 2999    # what a period may touch, with room for the previous month and year
MAX_RESPONSE_HOURS = 720
RANKING_CUTS = (Cut.DISTRICT, Cut.UNIT)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTH = re.compile(r"(\d{4})-(\d{2})")


class InputError(ValueError):
    """A request parameter that cannot be used, with the parameter's name and how to fix it (422)."""


@dataclass(frozen=True)
class Period:
    """A half-open interval [start, end) of aware Asia/Shanghai datetimes."""
    start: datetime
    end: datetime

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        following = (year + 1, 1) if month == 12 else (year, month + 1)
        return cls(datetime(year, month, 1, tzinfo=TZ), datetime(*following, 1, tzinfo=TZ))

    def previous_month(self) -> Period:
        return Period.month(*((self.start.year - 1, 12) if self.start.month == 1 else
                              (self.start.year, self.start.month - 1)))

    def a_year_earlier(self) -> Period:
        return Period.month(self.start.year - 1, self.start.month)

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m-%d} – {self.end:%Y-%m-%d}（不含）"


def _in_years(year: int, parameter: str, value: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InputError(f"{parameter}: {value!r} is outside the years {FIRST_YEAR}–{LAST_YEAR} the indicators cover")


def _midnight(value: str, parameter: str) -> datetime:
    """A YYYY-MM-DD date as the aware midnight that starts it in Asia/Shanghai."""
    problem = InputError(f"{parameter}: {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-10-01")
    if not _DATE.fullmatch(value):
        raise problem
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise problem from None
    _in_years(day.year, parameter, value)
    return datetime(day.year, day.month, day.day, tzinfo=TZ)


def month_period(value: str, parameter: str = "month") -> Period:
    found = _MONTH.fullmatch(value)
    if not found or not 1 <= int(found[2]) <= 12:
        raise InputError(f"{parameter}: {value!r} is not a month; write it as YYYY-MM, e.g. 2026-10")
    _in_years(int(found[1]), parameter, value)
    return Period.month(int(found[1]), int(found[2]))


def _years_later(moment: datetime, years: int) -> datetime:
    """The same calendar day `years` later (29 February becomes 1 March)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, month=3, day=1)


def period(*, start: str | None, end: str | None, month: str | None) -> Period:
    """The period asked for: month=YYYY-MM, or start and end as YYYY-MM-DD (end excluded), at most 3 years."""
    if month is not None:
        if start is not None or end is not None:
            raise InputError("month: give either month=YYYY-MM or start and end, not both")
        return month_period(month)
    if start is None or end is None:
        missing = "start" if start is None else "end"
        raise InputError(f"{missing}: missing; give month=YYYY-MM, or start=YYYY-MM-DD and end=YYYY-MM-DD "
                         "(end excluded), e.g. start=2026-10-01&end=2026-11-01")
    asked = Period(_midnight(start, "start"), _midnight(end, "end"))
    if asked.end <= asked.start:
        raise InputError(f"end: {end} is not after start {start}; the period is [start, end), so a single day "
                         f"is start={start}&end=<the next day>")
    if asked.end > _years_later(asked.start, MAX_YEARS):
        raise InputError(f"end: the period {start} – {end} is longer than {MAX_YEARS} years; ask for at most "
                         f"{MAX_YEARS} years at a time")
    return asked


def cut(value: str | None) -> Cut:
    try:
        return Cut(value or Cut.NONE.value)
    except ValueError:
        raise InputError(f"by: unknown cut {value!r}; use one of {', '.join(c.value for c in Cut)}") from None


def response_hours(value: int) -> int:
    if not 1 <= value <= MAX_RESPONSE_HOURS:
        raise InputError(f"response_hours: {value} is out of range; give whole hours from 1 to {MAX_RESPONSE_HOURS} "
                         f"(default {DEFAULT_RESPONSE_HOURS})")
    return value


def the_indicator(value: str) -> Indicator:
    try:
        return indicator(value)
    except KeyError as exc:
        raise InputError(f"indicator: {exc.args[0]}") from None


def scope(principal: Principal, by: str | None) -> tuple[Cut, str | None]:
    """The cut the caller may ask for, and the one unit whose row it may see (None: every row).

    A unit handler sees only its own unit's figures: by=unit, forced when left out; any other cut is refused."""
    if principal.role != Role.UNIT:
        return cut(by), None
    if not principal.unit:
        raise PermissionError(f"unit handler {principal.name} has no unit; an admin sets one (jiesu users add --unit)")
    if by not in (None, Cut.UNIT.value):
        raise PermissionError(f"a unit handler sees only its own unit's figures ({principal.unit}); ask with "
                              f"by=unit or leave by out, not by={by}")
    return Cut.UNIT, principal.unit


@dataclass(frozen=True)
class Indicators:
    period: Period
    by: Cut
    response_hours: int
    rows: list[IndicatorRow]


def indicators(session: Session, *, catalogue: Catalogue, principal: Principal, start: str | None, end: str | None,
               month: str | None, by: str | None, hours: int = DEFAULT_RESPONSE_HOURS) -> Indicators:
    """Every indicator over the asked period and cut, as far as the caller may see."""
    asked = period(start=start, end=end, month=month)
    chosen, own_unit = scope(principal, by)
    rows = service.indicators(session, catalogue=catalogue, start=asked.start, end=asked.end, by=chosen,
                              response_hours=response_hours(hours), codes=[own_unit] if own_unit else None)
    return Indicators(asked, chosen, hours, rows)


@dataclass(frozen=True)
class Ranked:
    """One code's place in a ranking; changes are in the indicator's own unit (None where a side has no data)."""
    rank: int | None
    code: str | None
    name: str
    value: float | int | None
    numerator: int | None
    denominator: int | None
    previous_month: float | int | None
    change_month: float | int | None
    last_year: float | int | None
    change_year: float | int | None


@dataclass(frozen=True)
class Ranking:
    month: Period
    by: Cut
    indicator: Indicator
    rows: list[Ranked]


def ranking(session: Session, *, catalogue: Catalogue, principal: Principal, month: str, by: str | None,
            indicator_name: str, hours: int = DEFAULT_RESPONSE_HOURS) -> Ranking:
    """One indicator per district or unit for a month, best first, beside the previous month and a year before;
    a unit handler gets its own unit's place among all units."""
    current, chosen, hours = month_period(month), the_indicator(indicator_name), response_hours(hours)
    by_cut, own_unit = scope(principal, by or (None if principal.role == Role.UNIT else Cut.DISTRICT.value))
    if by_cut not in RANKING_CUTS:
        raise InputError(f"by: a ranking is by {' or '.join(c.value for c in RANKING_CUTS)} "
                         f"({'、'.join(CUT_NAMES[c] for c in RANKING_CUTS)}), not {by_cut.value}")

    def rows_of(asked: Period, codes=None) -> list[IndicatorRow]:
        return service.indicators(session, catalogue=catalogue, start=asked.start, end=asked.end, by=by_cut,
                                  response_hours=hours, keys={chosen.key}, codes=codes)

    rows = rows_of(current)
    if own_unit is not None and own_unit not in {row.code for row in rows}:
        rows += rows_of(current, [own_unit])
    codes = [row.code for row in rows]
    before = {r.code: r.figures[chosen.key].value for r in rows_of(current.previous_month(), codes)}
    year_ago = {r.code: r.figures[chosen.key].value for r in rows_of(current.a_year_earlier(), codes)}
    ranked_rows = ranked(rows, chosen, before, year_ago)
    return Ranking(current, by_cut, chosen, [r for r in ranked_rows if own_unit is None or r.code == own_unit])


def _change(now: float | int | None, then: float | int | None) -> float | int | None:
    return None if now is None or then is None else now - then


def ranked(rows: list[IndicatorRow], chosen: Indicator, before: dict, year_ago: dict) -> list[Ranked]:
    """Rows best first (the definition says whether higher or lower is better); equal values share a rank; rows
    without a value come last, unranked."""
    figure = {row.code: row.figures[chosen.key] for row in rows}
    with_value = [r for r in rows if figure[r.code].value is not None]
    with_value.sort(key=lambda r: figure[r.code].value, reverse=chosen.better == "higher")
    ordered = with_value + [r for r in rows if figure[r.code].value is None]
    out, rank, last = [], 0, object()
    for position, row in enumerate(ordered, start=1):
        f = figure[row.code]
        if f.value is not None and f.value != last:
            rank, last = position, f.value
        out.append(Ranked(rank if f.value is not None else None, row.code, row.name, f.value, f.numerator,
                          f.denominator, before.get(row.code), _change(f.value, before.get(row.code)),
                          year_ago.get(row.code), _change(f.value, year_ago.get(row.code))))
    return out
