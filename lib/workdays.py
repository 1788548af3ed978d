"""Working days (工作日) on China's calendar: public holidays (法定节假日) are not working days,
make-up working days (调休上班) are.

The dates come from the chinese-calendar package, which knows the years the State Council has
published (1.11.0: 2004–2026). For any other year Monday to Friday counts, and a warning is
logged once per year (logger "duban.workdays"); the system check duban.W010 and the schedule's
admin page say the same to the office. Upgrading the package is the fix.
"""
from __future__ import annotations

import logging
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

log = logging.getLogger("duban.workdays")
_warned_years: set[int] = set()


@lru_cache(maxsize=64)
def calendar_covers(year: int) -> bool:
    """Whether the holiday calendar knows this year (else Monday–Friday is assumed)."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@lru_cache(maxsize=8192)
def _known_working_day(day: date) -> bool:
    return chinese_calendar.is_workday(day)


def is_working_day(day: date) -> bool:
    if calendar_covers(day.year):
        return _known_working_day(day)
    if day.year not in _warned_years:
        _warned_years.add(day.year)
        log.warning(
            "chinese-calendar %s has no holidays for %d: counting Monday to Friday as working "
            "days; upgrade the package once the year's holidays are published.",
            getattr(chinese_calendar, "__version__", "?"), day.year,
        )
    return day.weekday() < 5


def add_working_days(day: date, n: int) -> date:
    """The n-th working day after `day` (before it when n is negative); `day` itself when 0.

    add_working_days(quarter_end, 5) is the due date of 每季度结束后5个工作日内.
    """
    step = timedelta(days=1 if n > 0 else -1)
    remaining = abs(n)
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end`; 0 when `end` is not after `start`.

    An assignment made on a Friday has 1 working day behind it on the next (working) Monday.
    """
    if end <= start:
        return 0
    return sum(1 for offset in range(1, (end - start).days + 1)
               if is_working_day(start + timedelta(days=offset)))
