"""Reporting schedules and periods (报送周期): a plan's defaults, the periods of its whole term,
what a task's deadline phrase means, and closing a period.

A deadline phrase is either one date (2025年底前 → 2025-12-31) or recurring work (每年, 每季度,
持续推进, 长期坚持, 试点期间): the latter reports every period until the plan's end. Either way
the lead agency reports each period until the office verifies the task (办结).
"""
from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm_log.models import StateLog

from agencies.permissions import is_office_director, may_supervise
from lib.workdays import add_working_days, calendar_covers
from tasks.importers.cells import parse_deadline
from tasks.models import Plan, Task

from .errors import WorkflowError
from .figures import figures_changed
from .models import EscalationTier, ReminderPolicy, ReportingPeriod, ReportingSchedule
from .obligations import ledger

Frequency = ReportingSchedule.Frequency
PERIOD_OPEN, PERIOD_CLOSED = "open", "closed"  # the states a period's timeline names

# (order, name, working days overdue, for binding indicators, reporters, heads, office)
DEFAULT_TIERS = [
    (1, "提醒", 0, 0, True, False, False),
    (2, "催办", 3, 2, True, True, False),
    (3, "督办", 5, 3, True, True, True),
    (4, "通报", 10, 5, True, True, True),
]
SUPERVISE_TIER = 3  # 督办: its threshold follows the policy's escalate_after_working_days

RECURRING_PHRASES = ("每年", "每季度", "每半年", "每月", "持续推进", "长期坚持", "试点期间",
                     "长期", "持续", "常态化")


# ---- defaults -------------------------------------------------------------------------------

def plan_reminder_defaults(plan: Plan) -> None:
    """The schedule (quarterly, due 5 working days after), the reminder policy and the four
    tiers 提醒 → 催办 → 督办 → 通报, for whatever of them the plan does not have yet."""
    with transaction.atomic():
        ReportingSchedule.objects.get_or_create(plan=plan)
        policy, _created = ReminderPolicy.objects.get_or_create(plan=plan)
        if EscalationTier.objects.filter(plan=plan).exists():
            return
        tiers = []
        for order, name, days, binding, reporters, heads, office in DEFAULT_TIERS:
            if order == SUPERVISE_TIER:
                days = policy.escalate_after_working_days
            tiers.append(EscalationTier(
                plan=plan, order=order, name=name, after_working_days_overdue=days,
                binding_after_working_days_overdue=min(binding, days), to_reporters=reporters,
                to_heads=heads, to_office=office,
            ))
        EscalationTier.objects.bulk_create(tiers)


# ---- periods --------------------------------------------------------------------------------

def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _calendar_periods(frequency: str, start: date, end: date):
    """(label, first day, last day) of each calendar period touching start..end."""
    months = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.HALF_YEARLY: 6,
              Frequency.YEARLY: 12}[frequency]
    year, month = start.year, (start.month - 1) // months * months + 1
    while date(year, month, 1) <= end:
        last_month = month + months - 1
        if frequency == Frequency.MONTHLY:
            label = f"{year}年{month}月"
        elif frequency == Frequency.QUARTERLY:
            label = f"{year}年第{(month - 1) // 3 + 1}季度"
        elif frequency == Frequency.HALF_YEARLY:
            label = f"{year}年{'上' if month == 1 else '下'}半年"
        else:
            label = f"{year}年度"
        yield label, date(year, month, 1), _month_end(year, last_month)
        year, month = (year + 1, 1) if last_month == 12 else (year, last_month + 1)


def periods_generate(plan: Plan, *, first_on: date | None = None) -> list[ReportingPeriod]:
    """The reporting periods of the plan's whole term, per its schedule; returns those created.

    Idempotent: a period whose label or dates already exist is left as it is (so are periods
    the office edited by hand). The first and last periods are cut to the plan's term; each is
    due the schedule's working days after it ends. A fixed schedule generates nothing. With
    first_on, periods that end before that day are skipped: the first period is the one that
    holds it (a plan taken on in its third year reports from then on).
    """
    missing = [label for label, value in ((_("period start"), plan.period_start),
                                          (_("period end"), plan.period_end)) if not value]
    if missing:
        raise WorkflowError(_("The plan has no %(missing)s: enter it before generating its "
                              "reporting periods.") % {"missing": _(" and ").join(missing)})
    if plan.period_end < plan.period_start:
        raise WorkflowError(_("The plan's period ends before it starts."))
    plan_reminder_defaults(plan)  # a plan imported before schedules existed gets the default
    schedule = ReportingSchedule.objects.get(plan=plan)
    if schedule.frequency == Frequency.FIXED:
        return []
    existing = list(ReportingPeriod.objects.filter(plan=plan))
    labels = {p.label for p in existing}
    spans = {(p.starts_on, p.ends_on) for p in existing}
    new = []
    for label, first, last in _calendar_periods(schedule.frequency, plan.period_start,
                                                plan.period_end):
        starts_on, ends_on = max(first, plan.period_start), min(last, plan.period_end)
        if first_on is not None and ends_on < first_on:
            continue
        if label in labels or (starts_on, ends_on) in spans:
            continue
        new.append(ReportingPeriod(
            plan=plan, label=label, starts_on=starts_on, ends_on=ends_on,
            due_on=add_working_days(ends_on, schedule.due_working_days),
        ))
    created = ReportingPeriod.objects.bulk_create(new)
    figures_changed([plan.pk])
    return created


def plan_periods_set(*, plan: Plan, by, frequency: str, due_working_days: int,
                     first_on: date | None = None, period_start: date | None = None,
                     period_end: date | None = None) -> list[ReportingPeriod]:
    """The office sets a plan's reporting schedule (报送周期 and 报送时限) from the plan's page and
    gets its periods, generated by periods_generate as the admin's action does. The plan's term
    is entered here when the import found none. Refused once the plan has periods: changing the
    schedule then would generate periods overlapping the ones agencies report on."""
    if not may_supervise(plan, by):
        raise WorkflowError(_("You are not allowed to do this."))
    if frequency not in Frequency.values or frequency == Frequency.FIXED:
        raise WorkflowError(_("Choose how often the agencies report."))
    if ReportingPeriod.objects.filter(plan=plan).exists():
        raise WorkflowError(_("The plan already has its reporting periods."))
    with transaction.atomic():
        term = {field: value for field, value in (("period_start", period_start),
                                                  ("period_end", period_end)) if value}
        if term:
            Plan.objects.filter(pk=plan.pk).update(**term)
            figures_changed([plan.pk])
            for field, value in term.items():
                setattr(plan, field, value)
        plan_reminder_defaults(plan)
        ReportingSchedule.objects.filter(plan=plan).update(
            frequency=frequency, due_working_days=due_working_days)
        created = periods_generate(plan, first_on=first_on)
        if not created:
            raise WorkflowError(_("No reporting period falls in the plan's term from that "
                                  "date: check the plan's term and the first period."))
    return created


def task_deadline_kind(task: Task) -> tuple[str, date | None]:
    """("once", the date) for 2025年底前 or 2023年6月; ("recurring", None) for 每年, 持续推进,
    长期坚持, 试点期间… and for a task without a deadline: it reports until the plan's end."""
    text = task.deadline_text or ""
    if any(phrase in text for phrase in RECURRING_PHRASES):
        return "recurring", None
    if task.deadline_on:
        return "once", task.deadline_on
    day, _text = parse_deadline(text)
    if day:
        return "once", day
    return "recurring", None


def period_missing(period: ReportingPeriod):
    """The reports due for the period that have not reached the office (the ledger's items
    neither submitted nor verified): what closing the period leaves missing for good."""
    items = ledger(plan_ids=[period.plan_id], period_ids=[period.pk]).items
    return [item for item in items if not item.submitted]


def _period_log(period: ReportingPeriod, by, *, source: str, target: str, transition: str,
                description: str = "") -> StateLog:
    # A period has no state machine; its closing and reopening go to the same timeline
    # (django-fsm-log's StateLog) as the transitions of reports and tasks.
    return StateLog.objects.create(
        content_object=period, by=by, source_state=source, state=target,
        transition=transition, description=description or None)


def period_close(period: ReportingPeriod, by) -> ReportingPeriod:
    """The office closes a period: its reports and contributions can no longer be edited or
    submitted (workflow.services refuses them)."""
    if not may_supervise(period.plan, by):
        raise WorkflowError(_("You are not allowed to do this."))
    with transaction.atomic():
        closed = ReportingPeriod.objects.filter(pk=period.pk, closed_at=None).update(
            closed_at=timezone.now())
        if not closed:
            raise WorkflowError(_("This reporting period is already closed."))
        figures_changed([period.plan_id])
        _period_log(period, by, source=PERIOD_OPEN, target=PERIOD_CLOSED, transition="close")
    period.refresh_from_db(fields=["closed_at"])
    return period


def period_reopen(period: ReportingPeriod, by, reason: str) -> ReportingPeriod:
    """The office director reopens a closed period, with a reason kept in the period's
    timeline: its reports can be edited and submitted again."""
    if not (may_supervise(period.plan, by) and is_office_director(by)):
        raise WorkflowError(_("Only the office director may reopen a reporting period."))
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(_("A reason is required to reopen a reporting period."))
    with transaction.atomic():
        reopened = ReportingPeriod.objects.filter(pk=period.pk, closed_at__isnull=False).update(
            closed_at=None)
        if not reopened:
            raise WorkflowError(_("This reporting period is not closed."))
        figures_changed([period.plan_id])
        _period_log(period, by, source=PERIOD_CLOSED, target=PERIOD_OPEN, transition="reopen",
                    description=reason)
    period.refresh_from_db(fields=["closed_at"])
    return period


def period_timeline(period: ReportingPeriod) -> list[StateLog]:
    """Who closed and reopened the period, when, and why (oldest first)."""
    return list(StateLog.objects.for_(period).select_related("by").order_by("timestamp", "pk"))


# ---- the calendar's coverage ----------------------------------------------------------------

def calendar_gaps(plan: Plan | None = None) -> dict[int, list[int]]:
    """{plan id: years} where periods fall due in years the holiday calendar does not know."""
    periods = ReportingPeriod.objects.all() if plan is None else plan.periods.all()
    gaps = defaultdict(set)
    for plan_id, year in periods.values_list("plan_id", "due_on__year").order_by().distinct():
        if not calendar_covers(year):
            gaps[plan_id].add(year)
    return {plan_id: sorted(years) for plan_id, years in gaps.items()}


def calendar_warning(years: list[int]) -> str:
    return _("Reporting periods fall due in %(years)s, which the working-day calendar does "
             "not cover yet: Monday to Friday count as working days there, without public "
             "holidays or make-up working days. Once the State Council has published those "
             "holidays, enter them on the working-day calendar page (/calendar/).") % {
        "years": "、".join(str(y) for y in years)}
