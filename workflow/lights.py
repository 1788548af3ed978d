"""Red / yellow / green lights (督办 lights) of lead reports, for a period.

- red: the due date has passed and the lead report is neither submitted nor verified;
- yellow: due within LIGHT_WORKING_DAYS working days and not yet submitted;
- green: submitted on time, or verified (a task verified as done (办结) is green too);
- none: anything else (submitted late and waiting for the office, or not due soon).

report_light() is the rule for one report; task_lights() applies it to a plan's tasks in three
queries, whatever their number. The dashboard and the lists both use them.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tasks.models import Task

from .models import Assignment, ProgressReport, ReportingPeriod
from .workdays import add_working_days

State = ProgressReport.State
LIGHT_WORKING_DAYS = 3
RED, YELLOW, GREEN, NO_LIGHT = "red", "yellow", "green", "none"
LIGHTS = (RED, YELLOW, GREEN)
LIGHT_CHOICES = [(RED, _("Red: overdue")), (YELLOW, _("Yellow: due soon")),
                 (GREEN, _("Green: on time or verified")), (NO_LIGHT, _("No light"))]
LIGHT_LABELS = dict(LIGHT_CHOICES)
NOT_STARTED = "not_started"
REPORT_STATE_LABELS = {NOT_STARTED: _("Not started"), **dict(State.choices)}


def report_light(*, due_on: date, on_date: date, state: str, late: bool = False,
                 task_verified: bool = False, within: int = LIGHT_WORKING_DAYS) -> str:
    """The light of one lead report owed; `state` is NOT_STARTED when none was written."""
    if task_verified or state == State.VERIFIED or (state == State.SUBMITTED and not late):
        return GREEN
    if state == State.SUBMITTED:  # late, waiting for the office
        return NO_LIGHT
    if on_date > due_on:
        return RED
    # "At most `within` working days left" is "due before the (within+1)-th working day from
    # now": a few days of calendar to walk, however far off the due date lies.
    if due_on < add_working_days(on_date, within + 1):
        return YELLOW
    return NO_LIGHT


def current_period(periods, on_date: date):
    """The latest open period that has started by on_date, else the latest period (or None)."""
    periods = list(periods)
    started = [p for p in periods if p.closed_at is None and p.starts_on <= on_date]
    pool = started or periods
    return max(pool, key=lambda p: (p.starts_on, p.pk)) if pool else None


def assigned_in_time(assigned_on: date, due_on: date) -> bool:
    """An assignment made after a period fell due is not chased for that period."""
    return assigned_on <= due_on


def owes_report(*, assigned_on: list[date], due_on: date, task_verified: bool,
                has_report: bool) -> bool:
    """Whether a task owes its lead report for a period: it has a live lead assignment made by
    the due date, and was not verified (办结) without reporting for that period.

    `assigned_on` holds the (local) dates of the task's live lead assignments. The dashboard,
    the task list and the bulletin count with this one rule.
    """
    if not any(assigned_in_time(day, due_on) for day in assigned_on):
        return False
    return has_report or not task_verified


@dataclass(frozen=True)
class TaskLight:
    light: str
    report_state: str
    report_id: int | None


def task_lights(plan, period: ReportingPeriod | None, on_date: date) -> dict[int, TaskLight]:
    """Every task of the plan → its light and lead report state for `period`, in 3 queries.

    A task that owes no report for the period (owes_report) has no light.
    """
    if period is None:
        return {}
    reports = {task_id: (pk, state, late) for pk, task_id, state, late in
               ProgressReport.objects.filter(period=period)
               .values_list("pk", "task_id", "state", "late")}
    assigned_on = defaultdict(list)
    for task_id, created_at in Assignment.objects.filter(
            task__plan=plan, active=True, role="lead").values_list("task_id", "created_at"):
        assigned_on[task_id].append(timezone.localdate(created_at))
    result = {}
    for task_id, task_state in Task.objects.filter(plan=plan).values_list("pk", "state"):
        report_id, state, late = reports.get(task_id, (None, NOT_STARTED, False))
        verified = task_state == Task.State.VERIFIED
        if owes_report(assigned_on=assigned_on[task_id], due_on=period.due_on,
                       task_verified=verified, has_report=report_id is not None):
            light = report_light(due_on=period.due_on, on_date=on_date, state=state, late=late,
                                 task_verified=verified)
        else:
            light = NO_LIGHT
        result[task_id] = TaskLight(light, state, report_id)
    return result
