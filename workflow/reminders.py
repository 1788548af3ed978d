"""Who is to be reminded of what on a given day, and the automatic escalations.

due_items(day) is pure reading: for every dispatched plan and its open periods it lists one
ReminderItem per recipient and thing due — the lead agency's report (before the due date, on
it, overdue on the next working day and then every N working days), a returned report, a
supporting agency's missing material, an assignment not acknowledged (签收), and the escalation
tier a late report has reached. Each item names the latest stage reached, so a sweep that did
not run on a stage's day still sends it the next time; its `key` is the outbox's idempotency
key, so a stage is sent once however often the sweep runs. Nobody with nothing due gets
anything: submitted and verified reports, verified tasks and closed periods are left alone,
and a period that fell due before an agency was assigned is not chased.

escalations_apply(day) writes the Escalation rows of the tiers reached (once each: a unique
constraint) and raises the tasks' escalation level. Both read a plan in a fixed number of
queries, whatever its number of tasks.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm_log.models import StateLog

from agencies.models import StaffProfile
from tasks.models import Indicator, Plan, Task, TaskAgency

from .lights import assigned_in_time
from .models import (
    Assignment,
    Contribution,
    Escalation,
    ProgressReport,
    ReminderPolicy,
    ReportingPeriod,
)
from .workdays import add_working_days, working_days_between

Role = StaffProfile.Role
State = ProgressReport.State
DONE = (State.SUBMITTED, State.VERIFIED)

# Kinds of item.
REPORT = "report"
SIGNOFF = "signoff"
RETURNED = "returned"
CONTRIBUTION_MISSING = "contribution_missing"
UNACKNOWLEDGED = "unacknowledged"
ESCALATION = "escalation"

# Urgency, higher first in a digest: escalation > returned > overdue > due > before.
BEFORE, DUE, OVERDUE, RETURNED_URGENCY, ESCALATION_URGENCY = 10, 30, 40, 60, 70


@dataclass(frozen=True)
class ReminderItem:
    recipient_id: int
    kind: str
    object_key: str  # "task:12" or "assignment:34"
    period_id: int | None
    stage: str  # "before-3", "due", "overdue-1", "overdue-every-3#2", "tier-2", …
    urgency: int
    text: str
    url: str

    @property
    def key(self) -> str:
        return (f"{self.kind}|{self.object_key}|{self.period_id}|{self.stage}|"
                f"{self.recipient_id}")


@dataclass
class Digest:
    """One person's items of the day, most urgent first, and the cap of their plans' policies
    (the fewest messages any of them allows per day)."""

    recipient_id: int
    daily_cap: int
    items: list[ReminderItem] = field(default_factory=list)


# ---- the stages -----------------------------------------------------------------------------

def report_stage(due_on: date, on_date: date, policy: ReminderPolicy) -> tuple[str, int] | None:
    """The latest reminder stage a report due on `due_on` has reached, with its urgency."""
    if on_date > due_on:
        overdue = working_days_between(due_on, on_date)
        if overdue >= 1:
            every = policy.overdue_every_working_days
            repeat = (overdue - 1) // every if every else 0
            stage = f"overdue-every-{every}#{repeat}" if repeat else "overdue-1"
            return stage, OVERDUE + min(overdue, 9)
    if on_date >= due_on and policy.remind_on_due:
        return "due", DUE
    for days in reversed(policy.before_days()):  # nearest the due date first
        if on_date >= add_working_days(due_on, -days):
            return f"before-{days}", BEFORE + max(0, 10 - days)
    return None


def _task_url(task_id: int, period_id: int | None = None) -> str:
    url = reverse("workflow:task", args=[task_id])
    return f"{url}?period={period_id}" if period_id else url


def _short(task: Task) -> str:
    return task.content[:40]


# ---- one plan, read in a fixed number of queries ----------------------------------------------

def _plans(queryset=None):
    queryset = Plan.objects.filter(state=Plan.State.DISPATCHED) if queryset is None else queryset
    return (queryset.select_related("reminder_policy")
            .prefetch_related("escalation_tiers",
                              Prefetch("periods", to_attr="open_periods",
                                       queryset=ReportingPeriod.objects.filter(closed_at=None)
                                       .order_by("due_on")))
            .order_by("pk"))


@dataclass
class Pending:
    """A lead report not yet with the office, for one task and one open period."""

    task: Task
    period: ReportingPeriod
    report: ProgressReport | None
    leads: list[Assignment]
    supporting: list[Assignment]
    binding: bool


class PlanWork:
    """What a dispatched plan's agencies owe on a day."""

    def __init__(self, plan: Plan, on_date: date):
        self.plan, self.on_date = plan, on_date
        self.policy = getattr(plan, "reminder_policy", None) or ReminderPolicy(plan=plan)
        self.tiers = sorted(plan.escalation_tiers.all(), key=lambda t: t.order)
        periods = getattr(plan, "open_periods", None)
        if periods is None:
            periods = list(plan.periods.filter(closed_at=None).order_by("due_on"))
        self.periods = periods
        binding = Indicator.objects.filter(tasks=OuterRef("task_id"),
                                           attribute=Indicator.Attribute.BINDING)
        self.assignments = list(
            Assignment.objects.filter(task__plan=plan, active=True)
            .exclude(task__state=Task.State.VERIFIED)
            .annotate(binding=Exists(binding))
            .select_related("task", "agency").order_by("task__order", "role", "agency__name"))
        period_ids = [p.pk for p in self.periods]
        self.reports = {}
        self.contributed = set()
        self.returns = {}
        if period_ids and self.assignments:
            self.reports = {(r.task_id, r.period_id): r for r in ProgressReport.objects.filter(
                task__plan=plan, period_id__in=period_ids)}
            self.contributed = set(Contribution.objects.filter(
                task__plan=plan, period_id__in=period_ids, submitted_at__isnull=False)
                .values_list("task_id", "period_id", "agency_id"))
            returned = [r.pk for r in self.reports.values() if r.state == State.RETURNED]
            if returned:
                self.returns = dict(
                    StateLog.objects.filter(content_type__app_label="workflow",
                                            content_type__model="progressreport",
                                            object_id__in=returned, state=State.RETURNED)
                    .values_list("object_id").annotate(n=Count("pk")).order_by())
        self._people = None

    # people --------------------------------------------------------------------------------

    def people(self, agency_id: int | None, *roles: str) -> list[int]:
        if self._people is None:
            agencies = {a.agency_id for a in self.assignments}
            office = self.plan.office_agency_id
            people = defaultdict(list)
            rows = (StaffProfile.objects
                    .filter(agency_id__in=agencies | ({office} if office else set()),
                            user__is_active=True)
                    .values_list("agency_id", "role", "user_id").order_by("user_id"))
            for agency, role, user_id in rows:
                if agency in agencies and role in (Role.REPORTER, Role.HEAD):
                    people[(agency, role)].append(user_id)
                if agency == office and role in StaffProfile.OFFICE_ROLES:
                    people[(agency, "office")].append(user_id)
            self._people = people
        return [u for role in roles for u in self._people.get((agency_id, role), [])]

    def office(self) -> list[int]:
        return self.people(self.plan.office_agency_id, "office")

    # what is owed --------------------------------------------------------------------------

    def pending(self, period: ReportingPeriod) -> list[Pending]:
        """Tasks whose lead report for the period is not with the office, with the live
        assignments made before the period fell due."""
        by_task: dict[int, Pending] = {}
        for a in self.assignments:
            if not assigned_in_time(timezone.localdate(a.created_at), period.due_on):
                continue
            report = self.reports.get((a.task_id, period.pk))
            if report is not None and report.state in DONE:
                continue
            item = by_task.get(a.task_id)
            if item is None:
                item = by_task[a.task_id] = Pending(a.task, period, report, [], [], a.binding)
            (item.leads if a.role == TaskAgency.Role.LEAD else item.supporting).append(a)
        return [p for p in by_task.values() if p.leads]

    def overdue_days(self, period: ReportingPeriod) -> int | None:
        if self.on_date <= period.due_on:
            return None
        return working_days_between(period.due_on, self.on_date)

    def tier_reached(self, pending: Pending, overdue: int):
        """The highest tier whose threshold the late report has reached, or None."""
        reached = [t for t in self.tiers if overdue >= t.threshold(pending.binding)]
        return max(reached, key=lambda t: t.order) if reached else None

    # items ---------------------------------------------------------------------------------

    def items(self) -> list[ReminderItem]:
        items = []
        returned_in = {r.period_id for r in self.reports.values() if r.state == State.RETURNED}
        for period in self.periods:
            stage = report_stage(period.due_on, self.on_date, self.policy)
            if stage is None and period.pk not in returned_in:
                continue
            overdue = self.overdue_days(period)
            for pending in self.pending(period):
                items += self._report_items(pending, stage, overdue)
        items += self._unacknowledged_items()
        return items

    def _report_items(self, pending: Pending, stage, overdue) -> list[ReminderItem]:
        task, period, report = pending.task, pending.period, pending.report
        key, url = f"task:{task.pk}", _task_url(task.pk, period.pk)
        values = {"task": _short(task), "period": period.label, "due": period.due_on.isoformat(),
                  "days": overdue or 0}
        lead_ids = [a.agency_id for a in pending.leads]
        items = []

        def add(users, kind, stage_name, urgency, text):
            for user_id in dict.fromkeys(users):
                items.append(ReminderItem(user_id, kind, key, period.pk, stage_name, urgency,
                                          text, url))

        if report is not None and report.state == State.RETURNED:
            add(self.people(report.agency_id, Role.REPORTER), RETURNED,
                f"returned#{self.returns.get(report.pk, 1)}", RETURNED_URGENCY,
                _("Report for %(period)s was returned for revision: %(task)s") % values)
        if stage is not None:
            stage_name, urgency = stage
            if overdue:
                text = _("Report for %(period)s is %(days)d working days overdue (due "
                         "%(due)s): %(task)s") % values
            else:
                text = _("Report for %(period)s is due on %(due)s: %(task)s") % values
            if report is not None and report.state == State.AWAITING_SIGNOFF:
                add(self.people(report.agency_id, Role.HEAD), SIGNOFF, stage_name, urgency,
                    _("Report for %(period)s awaits your sign-off (due %(due)s): %(task)s")
                    % values)
            else:
                add([u for agency in lead_ids for u in self.people(agency, Role.REPORTER)],
                    REPORT, stage_name, urgency, text)
            for a in pending.supporting:
                if (task.pk, period.pk, a.agency_id) not in self.contributed:
                    add(self.people(a.agency_id, Role.REPORTER), CONTRIBUTION_MISSING,
                        stage_name, urgency,
                        _("Your agency's material for %(period)s is missing; the lead agency's "
                          "report is due on %(due)s: %(task)s") % values)
        if overdue:
            tier = self.tier_reached(pending, overdue)
            if tier is not None:
                users = []
                for agency in lead_ids:
                    if tier.to_reporters:
                        users += self.people(agency, Role.REPORTER)
                    if tier.to_heads:
                        users += self.people(agency, Role.HEAD)
                if tier.to_office:
                    users += self.office()
                add(users, ESCALATION, f"tier-{tier.order}", ESCALATION_URGENCY + tier.order,
                    _("%(tier)s: the report for %(period)s is %(days)d working days overdue: "
                      "%(task)s") % {**values, "tier": tier.name})
            elif not self.tiers and overdue >= self.policy.escalate_after_working_days:
                users = [u for agency in lead_ids for u in self.people(agency, Role.HEAD)]
                add(users + self.office(), ESCALATION, "escalate", ESCALATION_URGENCY,
                    _("Escalated: the report for %(period)s is %(days)d working days overdue: "
                      "%(task)s") % values)
        return items

    def _unacknowledged_items(self) -> list[ReminderItem]:
        limit, every = self.plan.acknowledge_within_days, self.policy.overdue_every_working_days
        items = []
        for a in self.assignments:
            if a.acknowledged_at is not None:
                continue
            days = working_days_between(timezone.localdate(a.created_at), self.on_date)
            if days <= limit:
                continue
            late = days - limit
            stage = f"ack-overdue-every-{every}#{(late - 1) // every if every else 0}"
            text = _("Please acknowledge the task assigned to your agency %(days)d working days "
                     "ago: %(task)s") % {"days": days, "task": _short(a.task)}
            for user_id in self.people(a.agency_id, Role.REPORTER, Role.HEAD):
                items.append(ReminderItem(user_id, UNACKNOWLEDGED, f"assignment:{a.pk}", None,
                                          stage, OVERDUE + min(late, 9), text,
                                          _task_url(a.task_id)))
        return items

    def escalations_due(self) -> list[Escalation]:
        """Unsaved rows for the highest tier each late report has reached."""
        rows = []
        for period in self.periods:
            overdue = self.overdue_days(period)
            if not overdue:
                continue
            for pending in self.pending(period):
                tier = self.tier_reached(pending, overdue)
                if tier is None:
                    continue
                rows.append(Escalation(
                    task=pending.task, period=period, tier=tier, level=tier.order,
                    kind=Escalation.Kind.AUTO,
                    text=_("%(tier)s: the report for %(period)s is %(days)d working days "
                           "overdue.") % {"tier": tier.name, "period": period.label,
                                          "days": overdue},
                ))
        return rows


# ---- the sweep's entry points ---------------------------------------------------------------

def due_items(on_date: date) -> list[ReminderItem]:
    """Every reminder due on the day, for all dispatched plans."""
    return [item for plan in _plans() for item in PlanWork(plan, on_date).items()]


def reminder_digests(on_date: date) -> list[Digest]:
    """due_items grouped per person, most urgent first, with the daily cap that applies."""
    digests: dict[int, Digest] = {}
    for plan in _plans():
        work = PlanWork(plan, on_date)
        for item in work.items():
            digest = digests.setdefault(item.recipient_id, Digest(
                item.recipient_id, work.policy.daily_cap_per_person))
            digest.daily_cap = min(digest.daily_cap, work.policy.daily_cap_per_person)
            digest.items.append(item)
    for digest in digests.values():
        digest.items.sort(key=lambda i: (-i.urgency, i.text, i.key))
    return sorted(digests.values(), key=lambda d: d.recipient_id)


def escalations_apply(on_date: date, dry_run: bool = False) -> list[Escalation]:
    """Record the tiers late reports have reached (each once) and raise the tasks' levels.

    One transaction; a concurrent sweep that wrote the same rows first makes this one read
    again and add only what is still missing.
    """
    for attempt in (1, 2):
        try:
            return _escalations_apply(on_date, dry_run)
        except IntegrityError:
            if attempt == 2:
                raise
    return []  # unreachable


def _escalations_apply(on_date: date, dry_run: bool) -> list[Escalation]:
    created = []
    with transaction.atomic():
        for plan in _plans():
            due = PlanWork(plan, on_date).escalations_due()
            new = []
            if due:
                existing = set(Escalation.objects.filter(task__plan=plan, tier__isnull=False)
                               .values_list("task_id", "period_id", "tier_id"))
                new = [e for e in due if (e.task_id, e.period_id, e.tier_id) not in existing]
            if dry_run:
                created += new
                continue
            if new:
                created += Escalation.objects.bulk_create(new)
            _levels_raise(plan)
    return created


def _levels_raise(plan: Plan) -> None:
    """Each task's level up to its highest escalation, in one UPDATE for the plan. It also
    mends a level that a concurrent save of a stale task object wrote back."""
    top = (Escalation.objects.filter(task=OuterRef("pk")).order_by("-level")
           .values("level")[:1])
    Task.objects.filter(plan=plan, escalation_level__lt=Subquery(top)).update(
        escalation_level=Subquery(top))


# ---- for the office's pages -----------------------------------------------------------------

def overdue_lead_reports(plan: Plan, on_date: date) -> list[dict]:
    """Late lead reports of the plan's open periods, latest due first: task, lead agencies,
    period, working days overdue, report (or None) and the task's escalation level."""
    work = PlanWork(_plans(Plan.objects.filter(pk=plan.pk)).get(), on_date)
    rows = []
    for period in reversed(work.periods):
        overdue = work.overdue_days(period)
        if not overdue:
            continue
        for pending in work.pending(period):
            rows.append({"task": pending.task, "period": period, "report": pending.report,
                         "agencies": [a.agency for a in pending.leads],
                         "working_days": overdue, "level": pending.task.escalation_level})
    return rows


def users_without_email(plan: Plan):
    """Reporters and heads of the agencies assigned in the plan who have no email address:
    reminders cannot reach them, so the office lists them."""
    agencies = Assignment.objects.filter(task__plan=plan, active=True).values("agency_id")
    return (get_user_model().objects
            .filter(profile__agency__in=agencies, profile__role__in=[Role.REPORTER, Role.HEAD],
                    is_active=True, email="")
            .select_related("profile__agency").order_by("profile__agency__name", "username"))
