"""立项: items outside a plan — a leader's 批示, a meeting's decision, a document from above.

The office registers such an item as a Task in its container for the source kind and year (a
Plan with source_kind ≠ plan, 「2026年领导批示事项」, created on first use with monthly
reporting periods), so that dispatch, receipts, reports, review, reminders, escalation and the
dashboards treat it as any plan's task. An item either reports with its container's periods
(every month until verified), or once by its deadline: it then has one reporting period of its
own, from the day it is registered to the deadline, due on the deadline (obligations, rule 12).

A container is dispatched like a plan the first time (services.plan_dispatch); items registered
after that are dispatched by `adhoc_dispatch`, which gives the assignments of the items that have
none yet — the same assignments plan_dispatch would have made.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from agencies import permissions
from agencies.resolution import own_level, place_names
from agencies.services import agencies_named
from tasks.models import Plan, Task, TaskAgency

from .errors import WorkflowError
from .figures import figures_changed
from .models import Assignment, Instruction, ReportingPeriod, ReportingSchedule
from .periods import periods_generate, plan_reminder_defaults
from .recipients import agency_staff
from .services import DispatchOutcome, DispatchPreview, _assignments_for, plan_dispatch

Source = Plan.Source
ITEM_SOURCES = [(k, label) for k, label in Source.choices if k != Source.PLAN]
# The containers' names: 「2026年领导批示事项」.
CONTAINER_NAMES = {
    Source.INSTRUCTION: gettext_lazy("leader instruction items"),
    Source.MEETING: gettext_lazy("meeting decision items"),
    Source.HIGHER: gettext_lazy("items from documents from above"),
    Source.OTHER: gettext_lazy("other assigned items"),
}
CONTAINER_FREQUENCY = ReportingSchedule.Frequency.MONTHLY


def container_key(office_agency_id: int, kind: str, year: int) -> str:
    """The container's identity, kept in Plan.source_sha256 (unique): one per office, kind,
    year, and a second registration at the same time finds the first one's container."""
    return f"adhoc:{office_agency_id}:{kind}:{year}"


def adhoc_container(*, office_agency, kind: str, year: int) -> Plan:
    """The office's container for the kind and year, created on first use with its schedule
    (monthly, due 5 working days after the month), its periods and its grants."""
    key = container_key(office_agency.pk, kind, year)
    plan = Plan.objects.filter(source_sha256=key).first()
    if plan is not None:
        return plan
    title = _("%(year)d %(name)s") % {"year": year, "name": CONTAINER_NAMES[kind]}
    try:
        with transaction.atomic():
            plan = Plan.objects.create(
                title=title, issuer=office_agency.name, source_kind=kind,
                period_start=date(year, 1, 1), period_end=date(year, 12, 31),
                office_agency=office_agency, source_sha256=key)
            plan_reminder_defaults(plan)
            ReportingSchedule.objects.filter(plan=plan).update(frequency=CONTAINER_FREQUENCY)
            periods_generate(plan)
            permissions.plan_grant(plan)
    except IntegrityError:
        plan = Plan.objects.get(source_sha256=key)
    return plan


def _office_agency(by):
    profile = permissions.profile_of(by)
    if profile is None or not profile.is_office:
        raise WorkflowError(_("You are not allowed to do this."))
    return profile.agency


def once_label(task: Task, deadline: date) -> str:
    return _("By %(date)s (item %(pk)d)") % {
        "date": f"{deadline.year}年{deadline.month}月{deadline.day}日", "pk": task.pk}


def item_register(*, by, kind: str, title: str, lead: list[str], supporting: list[str] = (),
                  doc_number: str = "", asked_by: str = "", deadline_on: date | None = None,
                  reports_once: bool = False, instruction: Instruction | None = None,
                  today: date | None = None) -> Task:
    """立项: the office registers an item in its container for the kind and this year. Lead
    (and supporting) agencies are typed names, resolved as the leads page resolves them. An
    item that reports once needs a deadline, not before today. From an instruction (领导批示 on
    a task the office supervises), the instruction remembers the item."""
    office = _office_agency(by)
    today = today or timezone.localdate()
    if kind not in dict(ITEM_SOURCES):
        raise WorkflowError(_("Choose where the item comes from."))
    title = (title or "").strip()
    if not title:
        raise WorkflowError(_("Write what is to be done."))
    if not lead:
        raise WorkflowError(_("Name the lead agency."))
    if reports_once and deadline_on is None:
        raise WorkflowError(_("An item that reports once by its deadline needs a deadline."))
    if deadline_on is not None and deadline_on < today:
        raise WorkflowError(_("The deadline has already passed."))
    if instruction is not None and not permissions.may_supervise(instruction.task.plan, by):
        raise WorkflowError(_("You are not allowed to do this."))
    places, level = place_names(office.name), own_level(office.name)
    lead_ids, unknown = agencies_named(list(lead), places=places, level=level)
    supporting_ids, unknown_too = agencies_named(list(supporting), places=places, level=level)
    if unknown or unknown_too:
        names = "、".join(unknown + unknown_too)
        raise WorkflowError(_("No agency is known by these names: %(names)s. Choose them from "
                              "the list as you type.") % {"names": names})
    supporting_ids = [pk for pk in supporting_ids if pk not in lead_ids]
    with transaction.atomic():
        plan = adhoc_container(office_agency=office, kind=kind, year=today.year)
        order = (plan.tasks.aggregate(n=Max("order"))["n"] or 0) + 1
        deadline_text = (f"{deadline_on.year}年{deadline_on.month}月{deadline_on.day}日前"
                         if deadline_on else "")
        task = Task.objects.create(
            plan=plan, order=order, content=title, deadline_on=deadline_on,
            deadline_text=deadline_text, doc_number=(doc_number or "").strip()[:100],
            asked_by=(asked_by or "").strip()[:100], reports_once=reports_once,
            source_ref=(doc_number or "").strip()[:100])
        TaskAgency.objects.bulk_create(
            [TaskAgency(task=task, agency_id=pk, role=TaskAgency.Role.LEAD, order=i)
             for i, pk in enumerate(lead_ids)]
            + [TaskAgency(task=task, agency_id=pk, role=TaskAgency.Role.SUPPORTING,
                          order=len(lead_ids) + i) for i, pk in enumerate(supporting_ids)])
        if reports_once:
            ReportingPeriod.objects.create(
                plan=plan, task=task, label=once_label(task, deadline_on), starts_on=today,
                ends_on=deadline_on, due_on=deadline_on)
        if instruction is not None:
            Instruction.objects.filter(pk=instruction.pk).update(became_task=task)
    return task


def pending_items(plan: Plan):
    """The container's items not yet dispatched: no assignment at all."""
    return plan.tasks.filter(assignments__isnull=True)


def _pending_assignments(plan: Plan, empty_groups: set[str]) -> list[Assignment]:
    pending = set(pending_items(plan).values_list("pk", flat=True))
    return [a for a in _assignments_for(plan, empty_groups) if a.task.pk in pending]


def adhoc_dispatch(*, plan: Plan, by) -> DispatchOutcome:
    """派发 a container's items: the first time as a plan is dispatched, afterwards the items
    registered since (their assignments and grants, as plan_dispatch makes them)."""
    if plan.state == Plan.State.DRAFT:
        return plan_dispatch(plan=plan, by=by)
    if not permissions.may_supervise(plan, by) or plan.state != Plan.State.DISPATCHED:
        raise WorkflowError(_("You are not allowed to do this."))
    empty_groups: set[str] = set()
    with transaction.atomic():
        # Two dispatches at once: the second waits, then finds nothing pending.
        Plan.objects.select_for_update().filter(pk=plan.pk).first()
        new = _pending_assignments(plan, empty_groups)
        if not new:
            raise WorkflowError(_("Every item of this list has been dispatched already."))
        Assignment.objects.bulk_create(new)  # no signal: the figures are told below
        permissions.assignments_grant(new)
        figures_changed([plan.pk])
    return DispatchOutcome(len(new), sorted(empty_groups))


def adhoc_dispatch_preview(*, plan: Plan) -> DispatchPreview:
    """The confirmation's figures for a dispatched container's new items."""
    empty_groups: set[str] = set()
    new = _pending_assignments(plan, empty_groups)
    agencies = {a.agency_id for a in new}
    leads = sum(a.role == TaskAgency.Role.LEAD for a in new)
    return DispatchPreview(
        assignments=len(new), leads=leads, supporting=len(new) - leads, agencies=len(agencies),
        people=len(agency_staff(agencies)), empty_groups=sorted(empty_groups))


@dataclass
class ItemInitial:
    """The register form's prefill from a leader's instruction (one step: 批示 → 立项)."""
    kind: str
    title: str
    asked_by: str
    lead: str
    supporting: str


def initial_from_instruction(instruction: Instruction) -> ItemInitial:
    task = instruction.task
    return ItemInitial(
        kind=Source.INSTRUCTION, title=instruction.text,
        asked_by=permissions.person_name(instruction.author),
        lead="、".join(a.name for a in task.lead_agencies()),
        supporting="、".join(a.name for a in task.supporting_agencies()))
