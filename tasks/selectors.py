"""Reads for the office's plan pages, with their query counts fixed.

plan_detail runs one query per kind of row (eight in all) whatever the plan's size and whether
it has a leading group or indicators; prefetch_related would skip queries for empty relations
and so make the count depend on the data.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from guardian.shortcuts import get_objects_for_user

from agencies.models import Agency, LeadingGroup, LeadingGroupMember
from agencies.permissions import may_supervise

from .models import Indicator, IndicatorLead, Plan, Section, Task, TaskAgency, TaskGroup

# ---- who sees which plan and task (object permissions, agencies.permissions) ----------------
# Lists use get_objects_for_user, never a has_perm per row. Model-wide permissions are not
# accepted: an admin clerk's model rights do not open other agencies' tasks.

AGENCY_PERMS = ["tasks.report_task", "tasks.contribute_task"]


def objects_for_user(user, perms, klass, *, any_perm: bool = True):
    """get_objects_for_user, built once per user object (a request's, or a task's): a page
    asks for the same few sets ten times over, and guardian takes milliseconds to build each.
    What is kept is the unevaluated query (guardian reads no rows to build it), handed out as a
    fresh copy each time, so rows are read when used: permissions granted since are seen."""
    return _per_user(user, (tuple(perms), klass, any_perm), lambda: get_objects_for_user(
        user, perms, klass=klass, any_perm=any_perm, accept_global_perms=False))


def _per_user(user, key, build) -> QuerySet:
    """The query `build` makes, built once per user object, handed out as a fresh copy."""
    memo = user.__dict__.setdefault("_duban_objects", {})
    if key not in memo:
        memo[key] = build()
    return memo[key].all()


def plans_supervised_by(user):
    return objects_for_user(user, ["tasks.supervise_plan"], Plan)


def plans_readable_by(user):
    """Plans the user sees whole: as the office or as a leader."""
    return objects_for_user(user, ["tasks.supervise_plan", "tasks.lead_plan"], Plan)


def tasks_of_agency_user(user):
    """Tasks the user's agency leads or supports (through its live assignments)."""
    return objects_for_user(user, AGENCY_PERMS, Task)


def tasks_visible_to(user):
    return _per_user(user, "tasks_visible", lambda: Task.objects.filter(
        Q(pk__in=tasks_of_agency_user(user).values("pk"))
        | Q(plan__in=plans_readable_by(user).values("pk"))
    ))


def task_for_user(user, pk: int, *, write: bool = False) -> Task:
    """The task, or 404 — also when it exists but belongs to someone else's work. With
    write, one the user may only read (an agency, a leader) answers 403: the office's actions."""
    task = tasks_visible_to(user).select_related("plan", "section").filter(pk=pk).first()
    if task is None:
        raise Http404
    if write and not may_supervise(task.plan, user):
        raise PermissionDenied
    return task


def plan_for_user(user, pk: int, *, write: bool = False) -> Plan:
    """The plan, or 404 unless the user reads it whole (its office or a leader). With write,
    a leader (who only reads) answers 403."""
    plan = plans_readable_by(user).filter(pk=pk).first()
    if plan is None:
        raise Http404
    if write and not may_supervise(plan, user):
        raise PermissionDenied
    return plan


def plans_for_office() -> QuerySet[Plan]:
    """Every plan, newest first, with its task counts (one query)."""
    return Plan.objects.annotate(
        task_count=Count("tasks"),
        needs_lead_count=Count("tasks", filter=Q(tasks__needs_lead=True)),
    ).order_by("-imported_at", "-pk")


@dataclass
class TaskItem:
    task: Task
    lead: list[Agency] = field(default_factory=list)
    supporting: list[Agency] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)


@dataclass
class SectionItem:
    section: Section
    depth: int
    tasks: list[TaskItem] = field(default_factory=list)

    @property
    def heading_level(self) -> int:
        return min(3 + self.depth, 6)  # the page's h2 is "Tasks"

    @property
    def anchor(self) -> str:
        return f"section-{self.section.pk}"


@dataclass
class IndicatorItem:
    indicator: Indicator
    lead: list[Agency] = field(default_factory=list)
    # How many rows the target cell spans from this row; 0 when a row above shows it.
    target_rowspan: int = 1
    # The other indicators measured by the same target (one cell spanning rows in the source).
    shares_target_with: list[Indicator] = field(default_factory=list)

    @property
    def target_covers(self) -> list[str]:
        """The sequence numbers of every row the target is for, this one included."""
        rows = sorted([self.indicator, *self.shares_target_with], key=lambda i: i.order)
        return [str(i.seq) if i.seq is not None else "—" for i in rows]


@dataclass
class PlanDetail:
    plan: Plan
    leading_group: LeadingGroup | None
    members: list[LeadingGroupMember]
    sections: list[SectionItem]  # document order, each with its depth
    loose_tasks: list[TaskItem]  # tasks outside any section
    indicators: list[IndicatorItem]

    @property
    def task_count(self) -> int:
        return sum(len(s.tasks) for s in self.sections) + len(self.loose_tasks)

    @property
    def needs_lead_count(self) -> int:
        items = [t for s in self.sections for t in s.tasks] + self.loose_tasks
        return sum(item.task.needs_lead for item in items)


def plan_detail(pk: int) -> PlanDetail:
    """A plan with everything its page shows; raises Plan.DoesNotExist."""
    plan = Plan.objects.select_related("leading_group__office_agency").get(pk=pk)
    try:
        leading_group = plan.leading_group
    except LeadingGroup.DoesNotExist:
        leading_group = None
    members = list(
        LeadingGroupMember.objects.filter(group__plan=plan).select_related("agency")
    )
    return PlanDetail(
        plan=plan,
        leading_group=leading_group,
        members=members,
        indicators=_indicators(plan),
        **_sections_and_tasks(plan),
    )


def _sections_and_tasks(plan: Plan) -> dict:
    items = {task.pk: TaskItem(task) for task in Task.objects.filter(plan=plan)}
    links = TaskAgency.objects.filter(task__plan=plan).select_related("agency")
    for link in links:
        item = items[link.task_id]
        (item.lead if link.role == TaskAgency.Role.LEAD else item.supporting).append(link.agency)
    for link in TaskGroup.objects.filter(task__plan=plan).select_related("group"):
        items[link.task_id].groups.append(link.group.name)

    sections: list[SectionItem] = []
    by_id: dict[int, SectionItem] = {}
    for section in Section.objects.filter(plan=plan):  # ordered: a parent precedes its children
        parent = by_id.get(section.parent_id)
        by_id[section.pk] = SectionItem(section, depth=parent.depth + 1 if parent else 0)
        sections.append(by_id[section.pk])
    loose = []
    for item in items.values():
        section = by_id.get(item.task.section_id)
        (section.tasks if section else loose).append(item)
    return {"sections": sections, "loose_tasks": loose}


def _indicators(plan: Plan) -> list[IndicatorItem]:
    items = [
        IndicatorItem(indicator)
        for indicator in Indicator.objects.filter(plan=plan).select_related("target")
    ]
    by_id = {item.indicator.pk: item for item in items}
    for link in IndicatorLead.objects.filter(indicator__plan=plan).select_related("agency"):
        by_id[link.indicator_id].lead.append(link.agency)

    sharing: dict[int, list[Indicator]] = defaultdict(list)
    for item in items:
        if item.indicator.target_id is not None:
            sharing[item.indicator.target_id].append(item.indicator)
    head = None  # the row that shows the target of the current run of rows
    for item in items:
        target_id = item.indicator.target_id
        if target_id is None:
            head = item
            continue
        item.shares_target_with = [i for i in sharing[target_id] if i != item.indicator]
        if head is not None and head.indicator.target_id == target_id:
            # The row above shows this target: widen its cell instead of repeating it.
            head.target_rowspan += 1
            item.target_rowspan = 0
        else:
            head = item
    return items


def tasks_needing_lead(plan: Plan) -> list[TaskItem]:
    """The plan's tasks without a lead agency, in document order, with the agencies and groups
    they already have (three queries whatever their number)."""
    items = {task.pk: TaskItem(task) for task in
             Task.objects.filter(plan=plan, needs_lead=True).select_related("section")
             .order_by("order")}
    links = TaskAgency.objects.filter(task__in=list(items)).select_related("agency")
    for link in links:
        item = items[link.task_id]
        (item.lead if link.role == TaskAgency.Role.LEAD else item.supporting).append(link.agency)
    for link in TaskGroup.objects.filter(task__in=list(items)).select_related("group"):
        items[link.task_id].groups.append(link.group.name)
    return list(items.values())


def agency_names() -> list[str]:
    """Every agency's name, for a name field's <datalist> (the office's autocomplete)."""
    return list(Agency.objects.filter(active=True).order_by("name")
                .values_list("name", flat=True))
