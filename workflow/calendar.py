"""The office's working-day calendar: the 法定节假日 and 调休 days of a year it enters from the
State Council's notice, kept in the database (CalendarDay) and registered into lib.workdays,
which puts them before the chinese-calendar package's table (that package knows the years
published before its release only: 1.11.0 stops at 2026).

lib.workdays stays domain-free: it calls calendar_days_load when it first needs the days and
again a minute later, so a change made in one process reaches the others (web workers, Celery)
within that time; the process that saved it forgets its copy at once.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from agencies.permissions import is_office
from lib import workdays

from .errors import WorkflowError
from .figures import figures_changed
from .models import CalendarDay

Kind = CalendarDay.Kind
RELOAD_SECONDS = 60.0
MAX_LINES = 100  # a year's notice has seven holidays and a handful of make-up days
_DAY = r"(\d{4}-\d{1,2}-\d{1,2})"
_RANGE = re.compile(rf"^{_DAY}(?:\s*(?:至|到|~|～|—|–|--)\s*{_DAY})?(?:\s+(.{{0,50}}))?$")


def calendar_days_load() -> dict[date, bool]:
    """{day: is a working day} for lib.workdays; nothing before the table exists."""
    try:
        return {day: kind == Kind.WORKDAY
                for day, kind in CalendarDay.objects.values_list("day", "kind")}
    except DatabaseError:  # not migrated yet
        return {}


def calendar_register() -> None:
    """At start-up (WorkflowConfig.ready): lib.workdays asks the database when it needs to."""
    workdays.use_extra_days(calendar_days_load, ttl=RELOAD_SECONDS)


@dataclass
class DayLine:
    day: date
    name: str


def days_parse(text: str, *, year: int, what: str) -> list[DayLine]:
    """One day or one span per line: 2027-01-01 元旦, 2027-02-10 至 2027-02-17 春节. Every error
    names its line; every day must fall in the year."""
    lines = [line.strip() for line in (text or "").splitlines()]
    if len([line for line in lines if line]) > MAX_LINES:
        raise WorkflowError(_("%(what)s: at most %(count)d lines.") % {
            "what": what, "count": MAX_LINES})
    days: list[DayLine] = []
    errors = []
    for number, line in enumerate(lines, start=1):
        if not line:
            continue
        match = _RANGE.match(line.replace("，", " ").replace(",", " "))
        try:
            if match is None:
                raise ValueError
            first = date.fromisoformat(_iso(match.group(1)))
            last = date.fromisoformat(_iso(match.group(2))) if match.group(2) else first
        except ValueError:
            errors.append(_("%(what)s, line %(line)d: “%(text)s” is not a date such as "
                            "%(year)d-01-01 or a span such as %(year)d-02-10 至 %(year)d-02-17.")
                          % {"what": what, "line": number, "text": line[:60], "year": year})
            continue
        if last < first or (last - first).days > 31:
            errors.append(_("%(what)s, line %(line)d: the span “%(text)s” is not a span of "
                            "at most a month.") % {"what": what, "line": number,
                                                   "text": line[:60]})
            continue
        if first.year != year or last.year != year:
            errors.append(_("%(what)s, line %(line)d: “%(text)s” is not in %(year)d.")
                          % {"what": what, "line": number, "text": line[:60], "year": year})
            continue
        name = (match.group(3) or "").strip()
        days += [DayLine(first + timedelta(days=n), name) for n in range((last - first).days + 1)]
    if errors:
        raise WorkflowError(" ".join(errors))
    return days


def _iso(text: str) -> str:
    year, month, day = text.split("-")
    return f"{year}-{int(month):02d}-{int(day):02d}"


def calendar_year_set(*, year: int, holidays: str, workdays_text: str, by) -> tuple[int, int]:
    """The office replaces a year's 法定节假日 and 调休上班 days; all or nothing. Returns the
    number of holidays and of make-up working days saved."""
    if not is_office(by):
        raise WorkflowError(_("You are not allowed to do this."))
    if not 2000 <= year <= 2100:
        raise WorkflowError(_("Choose a year between 2000 and 2100."))
    off = days_parse(holidays, year=year, what=_("Public holidays"))
    on = days_parse(workdays_text, year=year, what=_("Make-up working days"))
    both = sorted({d.day for d in off} & {d.day for d in on})
    if both:
        raise WorkflowError(_("A day cannot be both a holiday and a make-up working day: "
                              "%(days)s.") % {"days": "、".join(d.isoformat() for d in both)})
    if not off:
        raise WorkflowError(_("Enter the year's public holidays."))
    rows = {}
    for kind, lines in ((Kind.HOLIDAY, off), (Kind.WORKDAY, on)):
        for line in lines:
            rows[line.day] = CalendarDay(day=line.day, kind=kind, name=line.name,
                                         entered_by=by)
    with transaction.atomic():
        CalendarDay.objects.filter(day__year=year).delete()
        CalendarDay.objects.bulk_create(rows.values())
        figures_changed()  # every plan's overdue days and lights
    workdays.forget_extra_days()
    return len({d.day for d in off}), len({d.day for d in on})


def calendar_years() -> list[int]:
    """The years the office entered."""
    return sorted({d.year for d in CalendarDay.objects.dates("day", "year")})


def calendar_year(year: int) -> list[CalendarDay]:
    return list(CalendarDay.objects.filter(day__year=year).order_by("day"))


def calendar_missing_years(today: date) -> list[int]:
    """This year and the coming one, when neither the package nor the office knows them: the
    dashboard's warning."""
    return [year for year in (today.year, today.year + 1) if not workdays.calendar_covers(year)]


def year_text(days: list[CalendarDay], kind: str) -> str:
    """A year's days of one kind as the form shows them: consecutive days as one span."""
    lines, run = [], []
    for day in [d for d in days if d.kind == kind]:
        if run and (day.day - run[-1].day).days == 1 and day.name == run[0].name:
            run.append(day)
            continue
        if run:
            lines.append(_span(run))
        run = [day]
    if run:
        lines.append(_span(run))
    return "\n".join(lines)


def _span(run: list[CalendarDay]) -> str:
    text = run[0].day.isoformat()
    if len(run) > 1:
        text += f" 至 {run[-1].day.isoformat()}"
    return f"{text} {run[0].name}".strip()
