"""Working days (工作日). Monday to Friday for now.

The reminders issue brings the Chinese public holidays (法定节假日) and make-up working days
(调休); it replaces working_days_between and everything that counts working days follows.
"""
from __future__ import annotations

from datetime import date, timedelta


def is_working_day(day: date) -> bool:
    return day.weekday() < 5


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end`; 0 when `end` is not after `start`.

    An assignment made on a Friday has 1 working day behind it on the next Monday.
    """
    if end <= start:
        return 0
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    for offset in range(1, rest + 1):
        if is_working_day(start + timedelta(days=offset)):
            count += 1
    return count
