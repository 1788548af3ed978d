"""System checks of the workflow (healthchecks-style: defaults that run, checks that warn)."""
from django.core.checks import Warning
from django.db import DatabaseError

from tasks.models import Plan

from .periods import calendar_gaps, calendar_warning

W010 = "duban.W010"


def check_calendar_coverage(app_configs=None, **kwargs):
    """duban.W010: a plan's periods fall due in years the holiday calendar does not know, so
    Monday to Friday are counted there (lib.workdays)."""
    try:
        gaps = calendar_gaps()
        titles = dict(Plan.objects.filter(pk__in=gaps).values_list("pk", "title"))
    except DatabaseError:  # not migrated yet, or no database: nothing to check
        return []
    return [
        Warning(f"{titles.get(plan_id, plan_id)}: {calendar_warning(years)}",
                hint="enter the years on /calendar/, or pip install --upgrade chinese-calendar "
                     "(then pin it in requirements.txt)",
                obj=f"plan #{plan_id}", id=W010)
        for plan_id, years in sorted(gaps.items())
    ]
