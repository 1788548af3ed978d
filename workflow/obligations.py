"""What each agency owes (应报): the one read model every page, email, file and sweep reads.

An **obligation** is one agency's part in one task for one reporting period: the lead agency
owes the period's report (填报), a supporting agency its material (配合材料). `ledger()` computes
them for any set of plans, periods, agencies or tasks in a fixed number of queries, and with
them the **report due** of each task and period (one per task, however many co-leads), which
is what per-task totals count.

The rules, each written once, here:

1. Only running plans owe: a plan not yet dispatched owes nothing; a closed plan keeps its
   history but nobody is chased for it.
2. A period that ends before the plan's term starts owes nothing. (One after the term's end
   still owes: offices keep reporting on a plan past its nominal end, as the demo does.)
3. An agency owes a period's report (or material) when its assignment was live on the period's
   due date: made on or before it, and not ended on or before it. An agency assigned after the
   due date owes nothing for that period; one whose assignment ended before it neither.
4. Reassigned after the due date: the agency that led on the due date keeps the obligation.
   If its report was not in by the day it was relieved, it counts as overdue up to that day
   (frozen), and nobody is chased for it any longer — the new agency was not assigned when
   the period fell due.
5. Co-led tasks: each lead agency owes the one shared report. Per-agency figures count each
   lead; per-task figures (reports due, lights, the overdue list) count the task once.
6. A task verified as completed (办结) owes nothing for periods due after the day the report
   claiming completion was submitted — unless a report for that period was submitted anyway.
   A reopened task owes again, including the periods that fell due while it was closed.
7. Submitted means with the office (submitted or verified). A returned report is owed again;
   whether it was on time is decided by its latest submission. A report awaiting the head's
   sign-off is not yet submitted.
8. Overdue working days (China's calendar, lib.workdays) run from the due date to the day
   the report was submitted (late), or to today — at the latest the day the period was closed,
   or the agency relieved (missing).
9. Chased (reminders, escalation, red and yellow lights, the overdue list, 我的任务's actions):
   a report due that is not submitted, in an open period of a running plan, owed by at least
   one agency whose assignment is still live. A supporting agency is chased for its material
   while the lead's report is chased and it has not submitted its material.
10. Lights of a report due: green when verified, or submitted on time; none when submitted
   late and waiting for the office; red when chased and past its due date; yellow when
   chased and at most LIGHT_WORKING_DAYS working days remain; none otherwise.
11. An accepted extension (延期, ExtensionRequest) moves the due date of its task and period:
   on time, late, overdue days, chasing and lights (rules 7 to 10) count from the new date
   (`extended_due`, the latest accepted one). Who owes it (rules 3, 4 and 6) is still decided
   on the period's own due date. A pending or refused request changes nothing.
12. A period of one task (an item registered outside a plan, 立项, that reports once by its
   deadline: ReportingPeriod.task) is owed by that task only, and such a task owes no other
   period of its plan. Every other task owes its plan's periods, as above.

Acknowledgements (签收) owed are `receipts_owed()`, in this module too.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from django.db.models import Count, Exists, Max, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm_log.models import StateLog

from lib.workdays import add_working_days, working_days_between
from tasks.models import Plan, Task, TaskAgency

from .models import Assignment, Contribution, ExtensionRequest, ProgressReport, ReportingPeriod

State = ProgressReport.State
LEAD, SUPPORTING = TaskAgency.Role.LEAD, TaskAgency.Role.SUPPORTING
DONE = (State.SUBMITTED, State.VERIFIED)  # with the office
NOT_STARTED = "not_started"  # no report written yet: the report state shown then
RUNNING_PLANS = (Plan.State.DISPATCHED, Plan.State.CLOSED)

# Status of a report due, or of a lead agency's obligation.
ON_TIME, LATE, OVERDUE, NOT_DUE = "on_time", "late", "overdue", "not_due"
# Status of a supporting agency's material.
CONTRIBUTED, MATERIAL_MISSING, NOT_NEEDED = "contributed", "material_missing", "not_needed"

LIGHT_WORKING_DAYS = 3
RED, YELLOW, GREEN, NO_LIGHT = "red", "yellow", "green", "none"
LIGHTS = (RED, YELLOW, GREEN)
LIGHT_CHOICES = [(RED, _("Red: overdue")), (YELLOW, _("Yellow: due soon")),
                 (GREEN, _("Green: on time or verified")), (NO_LIGHT, _("No light"))]
LIGHT_LABELS = dict(LIGHT_CHOICES)
REPORT_STATES = [NOT_STARTED, *State.values]
REPORT_STATE_LABELS = {NOT_STARTED: _("Not started"), **dict(State.choices)}
STATUS_LABELS = {ON_TIME: _("Submitted on time"), LATE: _("Submitted late"),
                 OVERDUE: _("Overdue"), NOT_DUE: _("Not yet due")}


@lru_cache(maxsize=4096)
def _days_overdue(due_on: date, as_of: date) -> int:
    return working_days_between(due_on, as_of)


@lru_cache(maxsize=256)
def _yellow_before(on_date: date, within: int) -> date:
    """A report is yellow when due before this day: at most `within` working days left."""
    return add_working_days(on_date, within + 1)


def report_light(*, due_on: date, on_date: date, state: str, late: bool, chased: bool,
                 within: int = LIGHT_WORKING_DAYS) -> str:
    """Rule 10: the light of a report due."""
    if state == State.VERIFIED or (state == State.SUBMITTED and not late):
        return GREEN
    if state == State.SUBMITTED or not chased:  # late and waiting for the office; or nobody owes
        return NO_LIGHT
    if on_date > due_on:
        return RED
    if due_on < _yellow_before(on_date, within):
        return YELLOW
    return NO_LIGHT


def period_owed_by(period, task_id: int, reports_once: bool) -> bool:
    """Rule 12: whether a task owes a period of its plan at all."""
    return _owed_by(period.task_id, task_id, reports_once)


def _owed_by(period_task_id: int | None, task_id: int, reports_once: bool) -> bool:
    if period_task_id is not None:
        return period_task_id == task_id
    return not reports_once


def _submitted_by(state: str, submitted_on: date | None, as_of: date) -> bool:
    """Rule 7: whether a report was with the office by a day."""
    return state in DONE and submitted_on is not None and submitted_on <= as_of


def _status(*, state: str, submitted_on: date | None, late: bool, due_on: date,
            as_of: date) -> tuple[str, int]:
    """Rules 7 and 8: (status, working days overdue) of a report as of a day."""
    if _submitted_by(state, submitted_on, as_of):
        if late:
            return LATE, _days_overdue(due_on, submitted_on)
        return ON_TIME, 0
    if as_of > due_on:
        return OVERDUE, _days_overdue(due_on, as_of)
    return NOT_DUE, 0


@dataclass(slots=True)
class ReportDue:
    """One task's lead report for one period, owed by one or more lead agencies."""

    task_id: int
    plan_id: int
    period: ReportingPeriod
    report_id: int | None
    report_state: str  # NOT_STARTED or a ProgressReport.State
    report_agency_id: int | None
    submitted_on: date | None
    late: bool
    status: str
    overdue_days: int
    chased: bool
    light: str
    escalation_level: int
    returns: int = 0  # times returned (退回), when the ledger was asked for them
    lead_ids: list[int] = field(default_factory=list)  # the agencies that owe it
    live_lead_ids: list[int] = field(default_factory=list)  # … of them still assigned
    extended_to: date | None = None  # rule 11: the due date an accepted extension set
    period_id: int = field(init=False)  # the period's pk, read often enough to keep

    def __post_init__(self) -> None:
        self.period_id = self.period.pk

    @property
    def due_on(self) -> date:
        return self.extended_to or self.period.due_on

    @property
    def extended(self) -> bool:
        return self.extended_to is not None

    @property
    def submitted(self) -> bool:
        return self.status in (ON_TIME, LATE)

    @property
    def verified(self) -> bool:
        return self.report_state == State.VERIFIED

    @property
    def key(self) -> tuple[int, int]:
        return self.task_id, self.period_id


@dataclass(slots=True)
class Obligation:
    """One agency's part in one task for one period: the lead's report or supporting
    material. `item` is the task's report due (also for a supporting agency)."""

    item: ReportDue
    agency_id: int
    role: str
    assignment_id: int
    assigned_on: date
    relieved_on: date | None  # the day the assignment ended (reassigned), if it did
    status: str
    overdue_days: int
    chased: bool

    @property
    def task_id(self) -> int:
        return self.item.task_id

    @property
    def plan_id(self) -> int:
        return self.item.plan_id

    @property
    def period(self) -> ReportingPeriod:
        return self.item.period

    @property
    def owed_from(self) -> date:
        """Since when it is owed: the period's start, or the day the agency was assigned."""
        return max(self.assigned_on, self.item.period.starts_on)

    @property
    def live(self) -> bool:
        return self.relieved_on is None


@dataclass
class Ledger:
    """What was owed, as of `on_date`, in the scope `ledger()` was asked for."""

    on_date: date
    periods: dict[int, ReportingPeriod]
    items: list[ReportDue]
    obligations: list[Obligation]

    def leads(self) -> list[Obligation]:
        return [o for o in self.obligations if o.role == LEAD]

    def supporting(self) -> list[Obligation]:
        return [o for o in self.obligations if o.role == SUPPORTING]

    def chased_items(self) -> list[ReportDue]:
        return [i for i in self.items if i.chased]

    def overdue_items(self) -> list[ReportDue]:
        """The overdue list: reports due, chased and past their due date."""
        return [i for i in self.items if i.chased and i.status == OVERDUE]

    def items_by_task(self) -> dict[int, list[ReportDue]]:
        result = defaultdict(list)
        for item in self.items:
            result[item.task_id].append(item)
        return result

    def item(self, task_id: int, period_id: int) -> ReportDue | None:
        index = getattr(self, "_index", None)
        if index is None:
            index = self._index = {i.key: i for i in self.items}
        return index.get((task_id, period_id))


def current_period(periods, on_date: date):
    """The latest open period that has started by on_date, else the latest period (or None):
    the period a page shows when none is asked for."""
    periods = list(periods)
    started = [p for p in periods if p.closed_at is None and p.starts_on <= on_date]
    pool = started or periods
    return max(pool, key=lambda p: (p.starts_on, p.pk)) if pool else None


# ---- reading ----------------------------------------------------------------------------------

def _local(moment) -> date | None:
    return timezone.localdate(moment) if moment is not None else None


def _in_term(period: ReportingPeriod, plan: dict) -> bool:
    """Rule 2."""
    start = plan["period_start"]
    return start is None or period.ends_on >= start


def _completed_since(task_ids) -> dict[int, date]:
    """Rule 6: for each task verified as completed, the day its completing report was
    submitted (date.min when none is found: the task was closed without one)."""
    if not task_ids:
        return {}
    rows = (ProgressReport.objects
            .filter(task_id__in=task_ids, task__state=Task.State.VERIFIED,
                    state=State.VERIFIED, completion=ProgressReport.Completion.COMPLETED)
            .values("task_id").annotate(at=Max("submitted_at")).values_list("task_id", "at"))
    since = {task_id: _local(at) or date.min for task_id, at in rows}
    return since


def _returns(reports) -> dict[int, int]:
    """Times each report (a queryset of report ids) was returned: one query, the ids sent as a
    subquery (a province's dashboards read some 200,000 reports)."""
    return dict(StateLog.objects.filter(
        content_type__app_label="workflow", content_type__model="progressreport",
        state=State.RETURNED, object_id__in=reports)
        .values_list("object_id").annotate(n=Count("pk")).order_by())


def extended_due(task_ids, period_ids) -> dict[tuple[int, int | None], date]:
    """Rule 11: {(task id, period id or None for the task's deadline): the due date the latest
    accepted extension set}, in one query (index workflow_extension_accepted). task_ids may be
    a subquery."""
    rows = (ExtensionRequest.objects
            .filter(task_id__in=task_ids, state=ExtensionRequest.State.ACCEPTED)
            .filter(Q(period_id__in=period_ids) | Q(period=None))
            .order_by("decided_at", "pk").values_list("task_id", "period_id", "decided_on"))
    return {(task_id, period_id): day for task_id, period_id, day in rows}


def _has_extensions() -> Exists:
    """Whether a plan has an accepted extension: the ledger reads them only then."""
    return Exists(ExtensionRequest.objects.filter(task__plan=OuterRef("pk"),
                                                  state=ExtensionRequest.State.ACCEPTED))


def due_on_of(task, period) -> date | None:
    """The due date in force of one task's report for one period (None: the task's deadline),
    accepted extensions included: what a submission is judged late against."""
    original = period.due_on if period is not None else task.deadline_on
    return extended_due([task.pk], [period.pk] if period else []).get(
        (task.pk, period.pk if period else None), original)


def ledger(*, plan_ids, on_date: date | None = None, period_ids=None, agency_id: int | None = None,
           task_ids=None, open_periods: bool = False, started_by: date | None = None,
           supporting: bool = False, returns: bool = False, chased_only: bool = False) -> Ledger:
    """The obligations of the plans (ids or a queryset of ids) as of `on_date` (today).

    Narrow the scope with period_ids, agency_id (that agency's obligations only; the reports
    due are those it owes), task_ids, open_periods (periods not closed), started_by (periods
    started by that day). `supporting` adds the supporting agencies' material; `returns`
    counts the returns (退回) of each report. `chased_only` leaves out the reports due already
    submitted (rule 7: never chased) and their obligations, for readers of chased items only —
    the sweep and the overdue list — which then build a fraction of the objects (at province
    scale most reports due are in). Six queries at most, whatever the scope (seven when a plan
    has an accepted extension).
    """
    on_date = on_date or timezone.localdate()
    plans = {p["pk"]: p for p in Plan.objects.filter(pk__in=plan_ids, state__in=RUNNING_PLANS)
             .annotate(extended=_has_extensions()).values("pk", "state", "period_start",
                                                          "extended")}
    periods_q = ReportingPeriod.objects.filter(plan_id__in=list(plans)).order_by("due_on", "pk")
    if period_ids is not None:
        periods_q = periods_q.filter(pk__in=period_ids)
    if open_periods:
        periods_q = periods_q.filter(closed_at=None)
    if started_by is not None:
        periods_q = periods_q.filter(starts_on__lte=started_by)
    periods = [p for p in periods_q if plans and _in_term(p, plans[p.plan_id])]
    empty = Ledger(on_date, {p.pk: p for p in periods}, [], [])
    if not periods:
        return empty
    # Per plan, its periods with what the loop below asks of each, worked out once: the id,
    # the due date, the day a missing report's lateness is counted to (rule 8, before any
    # reassignment) and whether it is closed.
    periods_of = defaultdict(list)
    for period in periods:
        periods_of[period.plan_id].append(
            (period, period.pk, period.due_on, _as_of(period, on_date),
             period.is_closed, period.task_id))

    roles = [LEAD, SUPPORTING] if supporting else [LEAD]
    assignments_q = Assignment.objects.filter(task__plan_id__in=list(periods_of), role__in=roles)
    if task_ids is not None:
        assignments_q = assignments_q.filter(task_id__in=task_ids)
    if agency_id is not None:
        assignments_q = assignments_q.filter(agency_id=agency_id)
    # Days in the current time zone come from the database (TruncDate): converting each
    # timestamp in Python was most of the ledger's time at province scale.
    assignments = list(assignments_q.values_list(
        "pk", "task_id", "task__plan_id", "task__state", "task__escalation_level", "agency_id",
        "role", TruncDate("created_at"), TruncDate("ended_at"), "active", "task__reports_once")
        .order_by("task__order", "task_id", "pk"))
    if not assignments:
        return empty
    # The reports of the scope: a period's reports are its plan's, so only a narrower scope
    # names tasks, and then as a subquery (never thousands of ids sent back to the database).
    period_pks = [p.pk for p in periods]
    reports_q = ProgressReport.objects.filter(period_id__in=period_pks)
    contributions_q = Contribution.objects.filter(period_id__in=period_pks)
    if task_ids is not None or agency_id is not None:
        scope = assignments_q.values("task_id")
        reports_q = reports_q.filter(task_id__in=scope)
        contributions_q = contributions_q.filter(task_id__in=scope)
    reports = {(row[1], row[2]): row for row in reports_q.values_list(
        "pk", "task_id", "period_id", "state", "late", TruncDate("submitted_at"), "agency_id")}
    # chased_only: the reports due already submitted by their as-of day (rule 7, as _item
    # judges them), which are never chased; left out before any other rule is applied
    submitted = set()
    if chased_only:
        as_of_of = {pk: as_of for ps in periods_of.values() for _p, pk, _d, as_of, *_ in ps}
        submitted = {key for key, row in reports.items()
                     if _submitted_by(row[3], row[5], as_of_of[key[1]])}
    completed = _completed_since([row[1] for row in assignments if row[3] == Task.State.VERIFIED])
    return_counts = _returns(reports_q.values("pk")) if returns else {}
    extended = (extended_due(assignments_q.values("task_id"), period_pks)
                if any(p["extended"] for p in plans.values()) else {})
    contributed = set()
    if supporting:
        contributed = set(contributions_q.filter(submitted_at__isnull=False)
                          .values_list("task_id", "period_id", "agency_id"))

    items: dict[tuple[int, int], ReportDue] = {}
    obligations: list[Obligation] = []
    # Leads first: a supporting agency's obligation hangs on the lead's report due.
    ordered = sorted(assignments, key=lambda row: row[6] != LEAD)
    # chased_only: each task's periods but those whose report is in, worked out once per task
    # (a task has two or three agencies).
    periods_left = {}
    for (pk, task_id, plan_id, _state, level, agency, role, assigned_on, ended, active,
         once) in ordered:
        relieved_on = None if active else ended
        plan_running = plans[plan_id]["state"] == Plan.State.DISPATCHED
        task_periods = periods_of[plan_id]
        if submitted:
            task_periods = periods_left.get(task_id)
            if task_periods is None:
                task_periods = periods_left[task_id] = [
                    p for p in periods_of[plan_id] if (task_id, p[1]) not in submitted]
        for period, period_pk, due_on, period_as_of, closed, own_task in task_periods:
            if not _owed_by(own_task, task_id, once):  # rule 12
                continue
            # Rule 3: live on the due date.
            if assigned_on > due_on or (relieved_on is not None and relieved_on <= due_on):
                continue
            report = reports.get((task_id, period_pk))
            submitted_on = report[5] if report else None
            state = report[3] if report else NOT_STARTED
            # Rule 6.
            since = completed.get(task_id)
            if since is not None and due_on > since and not (report and state in DONE):
                continue
            item = items.get((task_id, period_pk))
            if item is None:
                if role != LEAD:
                    continue  # no lead owes this period's report: no material is owed either
                item = items[(task_id, period_pk)] = _item(
                    task_id, plan_id, period, report, state, submitted_on, level,
                    period_as_of, return_counts, extended.get((task_id, period_pk)))
            # Rule 8: a relieved agency's lateness stops the day it was relieved.
            as_of = period_as_of if relieved_on is None else min(period_as_of, relieved_on)
            live = relieved_on is None and plan_running and not closed
            if role == LEAD:
                item.lead_ids.append(agency)
                if live:
                    item.live_lead_ids.append(agency)
                status, days = _status(state=state, submitted_on=submitted_on,
                                       late=bool(report and report[4]), due_on=item.due_on,
                                       as_of=as_of)
                chased = live and status in (OVERDUE, NOT_DUE)
            else:
                if (task_id, period_pk, agency) in contributed:
                    status = CONTRIBUTED
                elif item.submitted:
                    status = NOT_NEEDED
                else:
                    status = MATERIAL_MISSING
                days, chased = 0, False  # set once the lead's chasing is known
            obligations.append(Obligation(item, agency, role, pk, assigned_on, relieved_on,
                                          status, days, chased))
    for item in items.values():
        item.chased = bool(item.live_lead_ids) and not item.submitted
        item.light = report_light(due_on=item.due_on, on_date=on_date, state=item.report_state,
                                  late=item.late, chased=item.chased)
    for ob in obligations:
        if ob.role == SUPPORTING:
            ob.chased = ob.item.chased and ob.live and ob.status == MATERIAL_MISSING
    return Ledger(on_date, {p.pk: p for p in periods}, list(items.values()), obligations)


def _item(task_id, plan_id, period, report, state, submitted_on, level, as_of,
          return_counts, extended_to=None) -> ReportDue:
    late = bool(report and report[4])
    status, days = _status(state=state, submitted_on=submitted_on, late=late,
                           due_on=extended_to or period.due_on, as_of=as_of)
    return ReportDue(
        task_id=task_id, plan_id=plan_id, period=period,
        report_id=report[0] if report else None, report_state=state,
        report_agency_id=report[6] if report else None, submitted_on=submitted_on,
        late=late, status=status, overdue_days=days, chased=False, light=NO_LIGHT,
        escalation_level=level, returns=return_counts.get(report[0], 0) if report else 0,
        extended_to=extended_to,
    )


def _as_of(period, on_date: date) -> date:
    """Rule 8: the day a missing report's lateness is counted to — today, at the latest the
    day the period was closed (and, for an agency relieved earlier, that day: ledger())."""
    if period.closed_at is not None:
        return min(on_date, _local(period.closed_at))
    return on_date


# ---- acknowledgements (签收) -------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ReceiptOwed:
    assignment: Assignment
    working_days: int  # since it was assigned
    overdue: bool  # past the plan's acknowledge_within_days


def receipts_owed(*, plan_ids, on_date: date | None = None, agency_id: int | None = None):
    """Live assignments of running plans not yet acknowledged (签收), oldest first."""
    on_date = on_date or timezone.localdate()
    rows = (Assignment.objects
            .filter(task__plan_id__in=plan_ids, task__plan__state=Plan.State.DISPATCHED,
                    active=True, acknowledged_at=None)
            .select_related("task__plan", "agency").order_by("created_at", "pk")
            # what the receipts page and the reminders show: the province's sweep reads 5,000
            # (and the state fields, which django-fsm reads as each row is made)
            .only("pk", "task_id", "agency_id", "created_at", "role", "task__content",
                  "task__order", "task__state", "task__plan_id", "task__plan__state",
                  "task__plan__acknowledge_within_days", "agency__name"))
    if agency_id is not None:
        rows = rows.filter(agency_id=agency_id)
    result = []
    for a in rows:
        days = _days_overdue(_local(a.created_at), on_date)
        result.append(ReceiptOwed(a, days, days > a.task.plan.acknowledge_within_days))
    return result
