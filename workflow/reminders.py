"""Who is to be reminded of what on a given day, and the automatic escalations.

Everything here reads what is owed from the obligations (workflow.obligations) — the same
reports due, the same "chased" rule as the dashboards, the overdue list and 我的任务 — and only
decides the stage and the people:

- the lead agency's report: before the due date (the policy's working days), on it, overdue on
  the next working day and then every N working days; to its reporters, or to its head while
  the report awaits sign-off; a returned report to the reporters of the agency that wrote it;
- a supporting agency's missing material, at the same stages, to its reporters;
- the escalation tier a late report has reached, to the people the tier names;
- an assignment not acknowledged (签收) in time (obligations.receipts_owed).

Each item names the latest stage reached, so a sweep that did not run on a stage's day still
sends it the next time; its `key` is the outbox's idempotency key, so a stage is sent once
however often the sweep runs. Who at an agency is told comes from workflow.recipients.

due_items(day) and escalations_apply(day) read every dispatched plan at once in a fixed number
of queries, whatever the number of plans, agencies and tasks.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from agencies.models import Agency, StaffProfile
from lib.paging import LazyRows
from lib.workdays import add_working_days, working_days_between
from tasks.models import Indicator, Plan, Task

from .figures import figures_changed
from .models import Assignment, Escalation, ProgressReport, ReminderPolicy
from .obligations import OVERDUE as OVERDUE_STATUS
from .obligations import ledger, receipts_owed
from .recipients import OFFICE, people

Role = StaffProfile.Role
State = ProgressReport.State

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

    @cached_property  # read several times per item by the sweep (frozen: set in __dict__)
    def key(self) -> str:
        return (f"{self.kind}|{self.object_key}|{self.period_id}|{self.stage}|"
                f"{self.recipient_id}")


# ---- the stages -----------------------------------------------------------------------------

def report_stage(due_on: date, on_date: date, policy: ReminderPolicy, *,
                 overdue: int | None = None) -> tuple[str, int] | None:
    """The latest reminder stage a report due on `due_on` has reached, with its urgency.
    `overdue`: the working days from due_on to on_date, when the caller counted them."""
    if on_date > due_on:
        if overdue is None:
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


_PLACEHOLDER = 2147483647


def _task_url(task_id: int, period_id: int | None = None, *, template: str | None = None) -> str:
    """The task page (of a period). With `template` (reverse()'d once for a placeholder id by
    the caller) no URL is reversed: a province's sweep builds some 100,000 of them."""
    if template is None:
        url = reverse("workflow:task", args=[task_id])
    else:
        url = template.replace(str(_PLACEHOLDER), str(task_id))
    return f"{url}?period={period_id}" if period_id else url


SHORT = 40  # characters of a task's content that name it in a reminder


def _short(task: Task) -> str:
    return task.content[:SHORT]


# What each item says (gettext_noop: translated once per day's work, DayWork.text).
TEXTS = {
    "returned": gettext_noop("Report for %(period)s was returned for revision: %(task)s"),
    "overdue": gettext_noop("Report for %(period)s is %(days)d working days overdue (due "
                            "%(due)s): %(task)s"),
    "due": gettext_noop("Report for %(period)s is due on %(due)s: %(task)s"),
    "signoff": gettext_noop("Report for %(period)s awaits your sign-off (due %(due)s): "
                            "%(task)s"),
    "material": gettext_noop("Your agency's material for %(period)s is missing; the lead "
                             "agency's report is due on %(due)s: %(task)s"),
    "tier": gettext_noop("%(tier)s: the report for %(period)s is %(days)d working days "
                         "overdue: %(task)s"),
    "escalated": gettext_noop("Escalated: the report for %(period)s is %(days)d working days "
                              "overdue: %(task)s"),
    "escalation_row": gettext_noop("%(tier)s: the report for %(period)s is %(days)d working "
                                   "days overdue."),
}


# ---- the day's work, for every dispatched plan -------------------------------------------------

def _plans():
    return list(Plan.objects.filter(state=Plan.State.DISPATCHED)
                .select_related("reminder_policy").prefetch_related("escalation_tiers")
                .order_by("pk"))


class DayWork:
    """What the dispatched plans' agencies owe on a day, and who is told."""

    def __init__(self, on_date: date, plans=None):
        self.on_date = on_date
        self.plans = {p.pk: p for p in (_plans() if plans is None else plans)}
        self.policies = {pk: getattr(p, "reminder_policy", None) or ReminderPolicy(plan=p)
                         for pk, p in self.plans.items()}
        self.tiers = {pk: sorted(p.escalation_tiers.all(), key=lambda t: t.order)
                      for pk, p in self.plans.items()}
        self.book = ledger(plan_ids=list(self.plans), on_date=on_date, open_periods=True,
                           supporting=True, returns=True, chased_only=True)
        self.receipts = receipts_owed(plan_ids=list(self.plans), on_date=on_date)
        # {task id: its short name}: the only thing an item shows of its task
        # Read by plan, not by 20,000 task ids sent as parameters: the chased tasks are most.
        self.task_names = dict(Task.objects.filter(plan_id__in=list(self.plans)).values_list(
            "pk", Substr("content", 1, SHORT)).order_by())
        # The items' sentences, translated once (tens of thousands of items share them)
        self.text = {name: _(message) for name, message in TEXTS.items()}
        self.binding = set(Indicator.objects.filter(
            tasks__plan_id__in=list(self.plans), attribute=Indicator.Attribute.BINDING)
            .values_list("tasks", flat=True).order_by())  # tasks tied to a binding indicator
        agencies = {o.agency_id for o in self.book.obligations}
        agencies |= {i.report_agency_id for i in self.book.items if i.report_agency_id}
        agencies |= {r.assignment.agency_id for r in self.receipts}
        agencies |= {p.office_agency_id for p in self.plans.values() if p.office_agency_id}
        self.people = people(agencies)
        self.url_template = reverse("workflow:task", args=[_PLACEHOLDER])

    def stage(self, due_on: date, plan_id: int) -> tuple[str, int] | None:
        """report_stage, once per due date and plan: a province's thousands of reports due
        share a few due dates, and counting working days is the slow part."""
        stages = self.__dict__.setdefault("_stages", {})
        key = (due_on, plan_id)
        if key not in stages:
            counted = self.__dict__.setdefault("_working_days", {})
            if due_on not in counted:  # the same for every plan
                counted[due_on] = working_days_between(due_on, self.on_date)
            stages[key] = report_stage(due_on, self.on_date, self.policies[plan_id],
                                       overdue=counted[due_on])
        return stages[key]

    def overdue_days(self, item) -> int | None:
        return item.overdue_days if item.status == OVERDUE_STATUS else None

    def tier_reached(self, item):
        """The highest tier whose threshold the late report has reached, or None."""
        overdue = self.overdue_days(item)
        if not overdue:
            return None
        key = (item.plan_id, overdue, item.task_id in self.binding)
        tiers = self.__dict__.setdefault("_tiers_reached", {})  # a few keys, 60,000 asks
        if key not in tiers:
            plan_id, overdue, binding = key
            reached = [t for t in self.tiers[plan_id] if overdue >= t.threshold(binding)]
            tiers[key] = max(reached, key=lambda t: t.order) if reached else None
        return tiers[key]

    # items ---------------------------------------------------------------------------------

    def items(self) -> list[ReminderItem]:
        supporting = defaultdict(list)
        for ob in self.book.supporting():
            if ob.chased:
                supporting[ob.item.key].append(ob)
        items = []
        for item in self.book.chased_items():
            items += self._report_items(item, supporting[item.key])
        items += self._unacknowledged_items()
        return items

    def _report_items(self, item, supporting) -> list[ReminderItem]:
        task_id, period = item.task_id, item.period
        policy = self.policies[item.plan_id]
        key, url = f"task:{task_id}", _task_url(task_id, period.pk, template=self.url_template)
        overdue = self.overdue_days(item)
        values = {"task": self.task_names[task_id], "period": period.label,
                  "due": item.due_on.isoformat(), "days": overdue or 0}
        text = self.text
        leads = item.live_lead_ids
        people = self.people
        items = []

        def add(users, kind, stage_name, urgency, text):
            for user_id in dict.fromkeys(users):
                items.append(ReminderItem(user_id, kind, key, period.pk, stage_name, urgency,
                                          text, url))

        if item.report_state == State.RETURNED:
            add(people.of(item.report_agency_id, Role.REPORTER), RETURNED,
                f"returned#{item.returns or 1}", RETURNED_URGENCY, text["returned"] % values)
        stage = self.stage(item.due_on, item.plan_id)
        if stage is not None:
            stage_name, urgency = stage
            if item.extended:  # rule 11: the stages start again from the new due date
                stage_name += f"@{item.due_on:%Y%m%d}"
            if item.report_state == State.AWAITING_SIGNOFF:
                add(people.of(item.report_agency_id, Role.HEAD), SIGNOFF, stage_name, urgency,
                    text["signoff"] % values)
            else:
                add([u for agency in leads for u in people.of(agency, Role.REPORTER)],
                    REPORT, stage_name, urgency, text["overdue" if overdue else "due"] % values)
            for ob in supporting:
                add(people.of(ob.agency_id, Role.REPORTER), CONTRIBUTION_MISSING, stage_name,
                    urgency, text["material"] % values)
        tier = self.tier_reached(item)
        office = self.plans[item.plan_id].office_agency_id
        if tier is not None:
            users = []
            for agency in leads:
                if tier.to_reporters:
                    users += people.of(agency, Role.REPORTER)
                if tier.to_heads:
                    users += people.of(agency, Role.HEAD)
            if tier.to_office:
                users += people.of(office, OFFICE)
            add(users, ESCALATION, f"tier-{tier.order}", ESCALATION_URGENCY + tier.order,
                text["tier"] % {**values, "tier": tier.name})
        elif (overdue and not self.tiers[item.plan_id]
              and overdue >= policy.escalate_after_working_days):
            users = [u for agency in leads for u in people.of(agency, Role.HEAD)]
            add(users + people.of(office, OFFICE), ESCALATION, "escalate", ESCALATION_URGENCY,
                text["escalated"] % values)
        return items

    def _unacknowledged_items(self) -> list[ReminderItem]:
        items = []
        for receipt in self.receipts:
            if not receipt.overdue:
                continue
            a = receipt.assignment
            policy = self.policies.get(a.task.plan_id)
            every = policy.overdue_every_working_days if policy else 0
            late = receipt.working_days - a.task.plan.acknowledge_within_days
            stage = f"ack-overdue-every-{every}#{(late - 1) // every if every else 0}"
            text = _("Please acknowledge the task assigned to your agency %(days)d working days "
                     "ago: %(task)s") % {"days": receipt.working_days, "task": _short(a.task)}
            for user_id in self.people.of(a.agency_id, Role.REPORTER, Role.HEAD):
                items.append(ReminderItem(user_id, UNACKNOWLEDGED, f"assignment:{a.pk}", None,
                                          stage, OVERDUE + min(late, 9), text,
                                          _task_url(a.task_id, template=self.url_template)))
        return items

    def escalations_due(self, recorded=frozenset()) -> list[Escalation]:
        """Unsaved rows for the highest tier each late, chased report has reached, but those
        `recorded` already (task id, period id, tier id)."""
        rows = []
        text = self.text["escalation_row"]
        for item in self.book.chased_items():
            tier = self.tier_reached(item)
            if tier is None or (item.task_id, item.period_id, tier.pk) in recorded:
                continue
            rows.append(Escalation(  # ids, not objects: a province's first sweep makes 20,000
                task_id=item.task_id, period_id=item.period_id, tier_id=tier.pk, level=tier.order,
                kind=Escalation.Kind.AUTO,
                text=text % {"tier": tier.name, "period": item.period.label,
                             "days": item.overdue_days},
            ))
        return rows


# ---- the sweep's entry points ---------------------------------------------------------------

def due_items(on_date: date, *, work: DayWork | None = None) -> list[ReminderItem]:
    """Every reminder due on the day, for all dispatched plans (from `work` when the caller
    has read the day's work already: the sweep reads it once for escalations and items)."""
    return (work or DayWork(on_date)).items()


def escalations_apply(on_date: date, dry_run: bool = False, *,
                      work: DayWork | None = None) -> list[Escalation]:
    """Record the tiers late reports have reached (each once) and raise the tasks' levels.

    One transaction; a concurrent sweep that wrote the same rows first makes this one read
    again and add only what is still missing. Escalations change nothing the day's items are
    read from (they raise task levels), so the sweep passes the same `work` to due_items.
    """
    for attempt in (1, 2):
        try:
            return _escalations_apply(on_date, dry_run, work)
        except IntegrityError:
            if attempt == 2:
                raise
    return []  # unreachable


def _escalations_apply(on_date: date, dry_run: bool, work: DayWork | None) -> list[Escalation]:
    with transaction.atomic():
        work = work or DayWork(on_date)
        new = work.escalations_due(set(Escalation.objects.filter(
            task__plan_id__in=list(work.plans), tier__isnull=False)
            .values_list("task_id", "period_id", "tier_id")))
        if dry_run:
            return new
        created = Escalation.objects.bulk_create(new)
        if created:
            figures_changed(task_ids={e.task_id for e in created})
        _levels_raise(list(work.plans))
    return created


def _levels_raise(plan_ids) -> None:
    """Each task's level up to its highest escalation, in one UPDATE. It also mends a level
    that a concurrent save of a stale task object wrote back."""
    top = (Escalation.objects.filter(task=OuterRef("pk")).order_by("-level")
           .values("level")[:1])
    Task.objects.filter(plan_id__in=plan_ids, escalation_level__lt=Subquery(top)).update(
        escalation_level=Subquery(top))


# ---- for the office's pages -----------------------------------------------------------------

def overdue_list(plan_ids, on_date: date) -> LazyRows:
    """The overdue list: chased lead reports past their due date, latest due first — task,
    plan, period, lead agencies (still assigned), working days overdue, report and level.
    Ordered on the ledger's items; a row is built when its page is shown (lib.paging)."""
    book = ledger(plan_ids=plan_ids, on_date=on_date, open_periods=True, chased_only=True)
    items = book.overdue_items()
    order = dict(Task.objects.filter(pk__in={i.task_id for i in items})
                 .values_list("pk", "order"))
    items.sort(key=lambda i: (-i.due_on.toordinal(), i.plan_id, order[i.task_id]))
    return LazyRows(items, _overdue_rows)


def _overdue_rows(items) -> list[dict]:
    tasks = Task.objects.select_related("plan").in_bulk({i.task_id for i in items})
    agencies = Agency.objects.in_bulk({a for i in items for a in i.live_lead_ids})
    reports = ProgressReport.objects.in_bulk([i.report_id for i in items if i.report_id])
    return [{"task": tasks[i.task_id], "plan": tasks[i.task_id].plan, "period": i.period,
             "report": reports.get(i.report_id), "item": i,
             "agencies": [agencies[a] for a in i.live_lead_ids],
             "working_days": i.overdue_days, "level": tasks[i.task_id].escalation_level}
            for i in items]


def overdue_rows(plan_ids, on_date: date) -> list[dict]:
    """The whole overdue list, every row built."""
    return overdue_list(plan_ids, on_date)[:]


def users_without_email(plan: Plan):
    """Reporters and heads of the agencies assigned in the plan who have no email address:
    reminders cannot reach them, so the office lists them."""
    agencies = Assignment.objects.filter(task__plan=plan, active=True).values("agency_id")
    return (get_user_model().objects
            .filter(profile__agency__in=agencies, profile__role__in=[Role.REPORTER, Role.HEAD],
                    is_active=True, email="")
            .select_related("profile__agency").order_by("profile__agency__name", "username"))
