"""A report's period as pure functions of the calendar and an injected, aware `now` (Asia/Shanghai): a day, an ISO
week (Monday to Sunday) or a calendar month; the period before it; and which reports are due."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from catalog.deadlines import TZ, require_aware
from serving.analytics.flows import FIRST_YEAR, LAST_YEAR, InputError, month_period

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_WEEK = re.compile(r"(\d{4})-W(\d{2})")
WEEKDAYS = "一二三四五六日"


class Kind(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


KIND_NAMES = {Kind.DAILY: "日报", Kind.WEEKLY: "周分析", Kind.MONTHLY: "月度通报"}
THIS_NAMES = {Kind.DAILY: "当日", Kind.WEEKLY: "本周", Kind.MONTHLY: "本月"}
BEFORE_NAMES = {Kind.DAILY: "前一日", Kind.WEEKLY: "上周", Kind.MONTHLY: "上月"}
OPTIONS = {Kind.DAILY: "date", Kind.WEEKLY: "week", Kind.MONTHLY: "month"}
EXAMPLES = {Kind.DAILY: "2026-10-14", Kind.WEEKLY: "2026-W42", Kind.MONTHLY: "2026-10"}


def _next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=TZ)


@dataclass(frozen=True)
class ReportPeriod:
    """The days a report covers: one day, an ISO week from its Monday, or a month from its first day."""
    kind: Kind
    first: date

    @property
    def after(self) -> date:
        """The day after the last one."""
        if self.kind is Kind.DAILY:
            return self.first + timedelta(days=1)
        if self.kind is Kind.WEEKLY:
            return self.first + timedelta(days=7)
        return _next_month(self.first)

    @property
    def start(self) -> datetime:
        return _midnight(self.first)

    @property
    def end(self) -> datetime:
        """Excluded: the period is [start, end)."""
        return _midnight(self.after)

    @property
    def last(self) -> date:
        return self.after - timedelta(days=1)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=i) for i in range((self.after - self.first).days)]

    @property
    def key(self) -> str:
        """How the period is written in commands, URLs and folders: 2026-10-14, 2026-W42, 2026-10."""
        if self.kind is Kind.DAILY:
            return self.first.isoformat()
        if self.kind is Kind.WEEKLY:
            year, week, _ = self.first.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.first:%Y-%m}"

    @property
    def title(self) -> str:
        """The period in Chinese: 2026年10月14日（星期三）, 2026年第42周（10月12日—10月18日）, 2026年10月."""
        first, last = self.first, self.last
        if self.kind is Kind.DAILY:
            return f"{first.year}年{first.month}月{first.day}日（星期{WEEKDAYS[first.weekday()]}）"
        if self.kind is Kind.WEEKLY:
            year, week, _ = first.isocalendar()
            return f"{year}年第{week}周（{first.month}月{first.day}日—{last.month}月{last.day}日）"
        return f"{first.year}年{first.month}月"

    def previous(self) -> ReportPeriod:
        if self.kind is Kind.MONTHLY:
            before = self.first - timedelta(days=1)
            return ReportPeriod(self.kind, before.replace(day=1))
        return ReportPeriod(self.kind, self.first - (self.after - self.first))

    def a_year_earlier(self) -> ReportPeriod | None:
        """The same month a year before (a monthly bulletin's 同比); None for days and weeks."""
        if self.kind is not Kind.MONTHLY:
            return None
        return ReportPeriod(self.kind, self.first.replace(year=self.first.year - 1))

    def complete(self, now: datetime) -> bool:
        """Whether the period is over at `now`: a report of a period still running is provisional."""
        return require_aware(now, "now") >= self.end


def kind_of(value: str) -> Kind:
    try:
        return Kind(value)
    except ValueError:
        raise InputError(f"kind: unknown report {value!r}; use {', '.join(k.value for k in Kind)} "
                         f"({'、'.join(KIND_NAMES.values())})") from None


def _in_years(year: int, parameter: str, value: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InputError(f"{parameter}: {value!r} is outside the years {FIRST_YEAR}–{LAST_YEAR} reports cover")


def _day(value: str, parameter: str) -> date:
    problem = InputError(f"{parameter}: {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2026-10-14")
    found = _DATE.fullmatch(value)
    if not found:
        raise problem
    _in_years(int(found[1]), parameter, value)
    try:
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        raise problem from None


def _monday(value: str, parameter: str) -> date:
    found = _WEEK.fullmatch(value)
    if not found:
        raise InputError(f"{parameter}: {value!r} is not an ISO week; write it as YYYY-Www, e.g. 2026-W42")
    year, week = int(found[1]), int(found[2])
    _in_years(year, parameter, value)
    weeks = date(year, 12, 28).isocalendar()[1]      # 28 December is always in the year's last ISO week
    if not 1 <= week <= weeks:
        raise InputError(f"{parameter}: {value!r} is not an ISO week; {year} has weeks W01–W{weeks:02d}")
    return date.fromisocalendar(year, week, 1)


def parse(kind: Kind, value: str, *, now: datetime, parameter: str | None = None) -> ReportPeriod:
    """The period a report is asked for (--date 2026-10-14, --week 2026-W42, --month 2026-10); a period that has
    not begun by `now` is refused."""
    parameter = parameter or OPTIONS[kind]
    value = value.strip()
    if kind is Kind.DAILY:
        asked = ReportPeriod(kind, _day(value, parameter))
    elif kind is Kind.WEEKLY:
        asked = ReportPeriod(kind, _monday(value, parameter))
    else:
        asked = ReportPeriod(kind, month_period(value, parameter).start.date())
    today = require_aware(now, "now").astimezone(TZ).date()
    if asked.first > today:
        raise InputError(f"{parameter}: {value} has not begun yet (today is {today.isoformat()}, Asia/Shanghai); "
                         f"ask for a period up to today, e.g. {latest(kind, now).key}")
    return asked


def latest(kind: Kind, now: datetime) -> ReportPeriod:
    """The last period of this kind that is over at `now`: yesterday, last week, last month."""
    today = require_aware(now, "now").astimezone(TZ).date()
    if kind is Kind.DAILY:
        return ReportPeriod(kind, today - timedelta(days=1))
    if kind is Kind.WEEKLY:
        return ReportPeriod(kind, today - timedelta(days=today.weekday() + 7))
    return ReportPeriod(kind, (today.replace(day=1) - timedelta(days=1)).replace(day=1))


def due(now: datetime) -> list[ReportPeriod]:
    """The reports a schedule owes at `now`: yesterday's daily report, last week's weekly analysis (due from
    Monday) and last month's bulletin (due from the 1st) — whichever of them is not written yet."""
    return [latest(kind, now) for kind in Kind]
