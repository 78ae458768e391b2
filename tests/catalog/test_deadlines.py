"""Deadlines over the statutory calendar: holidays off, make-up workdays on, hours around the clock."""
from datetime import date, datetime, timedelta, timezone

import pytest

from catalog.deadlines import TZ, add_working_days, calendar_covers, due_at, is_working_day, working_days_between
from catalog.rules import parse_time_limit


def at(*args):
    return datetime(*args, tzinfo=TZ)


def test_national_day_holiday_and_make_up_workdays():
    assert not is_working_day(date(2025, 10, 1)) and not is_working_day(date(2025, 10, 8))
    assert is_working_day(date(2025, 9, 28))      # Sunday, a make-up workday
    assert is_working_day(date(2025, 10, 11))     # Saturday, a make-up workday


def test_working_days_skip_the_holiday():
    # Dispatched on 30 Sep 2025: the holiday runs 1-8 Oct; 3 working days are 9, 10 and 11 Oct (a Saturday).
    assert add_working_days(date(2025, 9, 30), 3) == date(2025, 10, 11)
    assert due_at(at(2025, 9, 30, 15, 20), parse_time_limit("3个工作日")) == at(2025, 10, 11, 23, 59, 59)


def test_hours_and_on_the_spot():
    start = at(2026, 2, 16, 22, 0)  # Spring Festival eve: utilities still run
    assert due_at(start, parse_time_limit("3小时")) == at(2026, 2, 17, 1, 0)
    assert due_at(start, parse_time_limit("即办")) == start


def test_due_is_in_shanghai_time_whatever_the_input_zone():
    utc = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)   # 09:00 in Shanghai, a Monday
    due = due_at(utc, parse_time_limit("1个工作日"))
    assert due == at(2026, 3, 3, 23, 59, 59) and due.utcoffset() == timedelta(hours=8)


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="no time zone"):
        due_at(datetime(2026, 3, 2, 9, 0), parse_time_limit("1个工作日"))


def test_years_without_a_schedule_fall_back_to_weekdays_and_say_so():
    assert calendar_covers(2026) and not calendar_covers(2031)
    assert is_working_day(date(2031, 1, 3)) and not is_working_day(date(2031, 1, 4))  # Friday, Saturday


def test_working_days_between():
    assert working_days_between(date(2025, 9, 30), date(2025, 10, 11)) == 3
    assert working_days_between(date(2025, 10, 11), date(2025, 9, 30)) == 0
    with pytest.raises(ValueError):
        add_working_days(date(2025, 1, 1), -1)
