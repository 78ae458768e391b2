"""When a time limit falls due: pure functions over China's statutory calendar, in Asia/Shanghai time.

Working days follow the State Council's holiday schedule (holidays off, make-up workdays on) through the
chinese-calendar library. For a year the library has no schedule for yet, Monday to Friday count as working
days and `calendar_covers` says so, so a caller can flag the deadline as provisional."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import chinese_calendar

from catalog.rules import TimeLimit, TimeLimitKind

TZ = ZoneInfo("Asia/Shanghai")
END_OF_DAY = time(23, 59, 59)


def require_aware(moment: datetime, name: str = "time") -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} {moment.isoformat()} has no time zone; pass an aware datetime "
                         "(e.g. datetime.now(ZoneInfo('Asia/Shanghai')))")
    return moment


@lru_cache(maxsize=None)
def calendar_covers(year: int) -> bool:
    """Whether the statutory holiday schedule of `year` is known."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=4096)
def is_working_day(day: date) -> bool:
    if calendar_covers(day.year):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def add_working_days(day: date, n: int) -> date:
    """The n-th working day after `day` (day itself does not count)."""
    if n < 0:
        raise ValueError(f"working days must not be negative, got {n}")
    while n:
        day += timedelta(days=1)
        n -= is_working_day(day)
    return day


def due_at(start: datetime, limit: TimeLimit) -> datetime:
    """When work started at `start` under `limit` is due.

    即办: at once. N小时: N clock hours later (utilities and emergencies run around the clock).
    N个工作日: the end of the N-th working day after the start day."""
    local = require_aware(start, "start").astimezone(TZ)
    if limit.kind is TimeLimitKind.ON_THE_SPOT:
        return local
    if limit.kind is TimeLimitKind.HOURS:
        return local + timedelta(hours=limit.amount)
    return datetime.combine(add_working_days(local.date(), limit.amount), END_OF_DAY, tzinfo=TZ)


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count
