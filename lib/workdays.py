"""Working days (工作日) on China's calendar: public holidays (法定节假日) are not working days,
make-up working days (调休上班) are.

The dates come first from days an application registers (use_extra_days: the office enters a
year's holidays from the State Council's notice, before the package knows them), then from the
chinese-calendar package, which knows the years the State Council had published when it was
released (1.11.0: 2004–2026). A year with registered days counts as known: its other days
follow the package when it knows them, else Monday to Friday. For any other year Monday to
Friday counts, and a warning is logged once per year (logger "duban.workdays"); the system
check duban.W010, the schedule's admin page and the office's dashboard say the same.

This module knows nothing of where the registered days are kept: the application gives a
function returning {day: is a working day}, called when first needed and again after `ttl`
seconds (other processes' changes arrive within that time) or after forget_extra_days().
"""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

log = logging.getLogger("duban.workdays")
_warned_years: set[int] = set()


ExtraDays = Callable[[], dict[date, bool]]


class _Registered:
    """The application's days: the source, and what it last returned."""

    source: ExtraDays | None = None
    ttl: float | None = None
    days: dict[date, bool] | None = None
    years: frozenset[int] = frozenset()
    loaded_at: float = 0.0


def use_extra_days(source: ExtraDays | None, *, ttl: float | None = 60.0) -> None:
    """Register where the application keeps its days ({day: is a working day}); they win over
    the package's table. ttl=None: never reloaded but by forget_extra_days()."""
    _Registered.source, _Registered.ttl = source, ttl
    forget_extra_days()


def extra_days_source() -> tuple[ExtraDays | None, float | None]:
    return _Registered.source, _Registered.ttl


def forget_extra_days() -> None:
    """Drop the registered days held in memory: the next question reloads them."""
    _Registered.days, _Registered.years = None, frozenset()


def extra_days() -> dict[date, bool]:
    registered = _Registered
    if registered.source is None:
        return {}
    stale = (registered.ttl is not None
             and time.monotonic() - registered.loaded_at > registered.ttl)
    if registered.days is None or stale:
        registered.days = dict(registered.source())
        registered.years = frozenset(day.year for day in registered.days)
        registered.loaded_at = time.monotonic()
    return registered.days


@lru_cache(maxsize=64)
def package_covers(year: int) -> bool:
    """Whether chinese-calendar's own table knows this year."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def calendar_covers(year: int) -> bool:
    """Whether the holiday calendar knows this year (else Monday–Friday is assumed): the
    package's table, or days registered for it."""
    extra_days()
    return year in _Registered.years or package_covers(year)


@lru_cache(maxsize=8192)
def _known_working_day(day: date) -> bool:
    return chinese_calendar.is_workday(day)


def is_working_day(day: date) -> bool:
    extra = extra_days()
    if day in extra:
        return extra[day]
    if package_covers(day.year):
        return _known_working_day(day)
    if day.year not in _Registered.years and day.year not in _warned_years:
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
