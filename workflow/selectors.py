"""Reads for the workflow pages, each scoped to what the user may see.

Object permissions come from django-guardian through the user's agency groups
(workflow.permissions); lists use get_objects_for_user, never a has_perm per row. Model-wide
permissions are not accepted: an admin clerk's model rights do not open other agencies' tasks.
"""
from __future__ import annotations

from django.db.models import Prefetch, Q
from django.http import Http404
from django_fsm_log.models import StateLog
from guardian.shortcuts import get_objects_for_user

from tasks.models import Plan, Task, TaskAgency

from . import reminders
from .models import Assignment, Contribution, ProgressReport, ReportingPeriod

AGENCY_PERMS = ["tasks.report_task", "tasks.contribute_task"]


def _objects(user, perms, klass):
    return get_objects_for_user(user, perms, klass=klass, any_perm=True, accept_global_perms=False)


def plans_supervised_by(user):
    return _objects(user, ["tasks.supervise_plan"], Plan)


def plans_readable_by(user):
    """Plans the user sees whole: as the office or as a leader."""
    return _objects(user, ["tasks.supervise_plan", "tasks.lead_plan"], Plan)


def tasks_of_agency_user(user):
    """Tasks the user's agency leads or supports (through its live assignments)."""
    return _objects(user, AGENCY_PERMS, Task)


def tasks_visible_to(user):
    return Task.objects.filter(
        Q(pk__in=tasks_of_agency_user(user).values("pk"))
        | Q(plan__in=plans_readable_by(user).values("pk"))
    )


def task_for_user(user, pk: int) -> Task:
    """The task, or 404 — also when it exists but belongs to someone else's work."""
    task = tasks_visible_to(user).select_related("plan", "section").filter(pk=pk).first()
    if task is None:
        raise Http404
    return task


def plan_for_user(user, pk: int) -> Plan:
    """The plan, or 404 unless the user reads it whole (its office or a leader)."""
    plan = plans_readable_by(user).filter(pk=pk).first()
    if plan is None:
        raise Http404
    return plan


def report_for_user(user, pk: int) -> ProgressReport:
    report = (ProgressReport.objects.select_related("task__plan", "period", "agency")
              .filter(pk=pk, task__in=tasks_visible_to(user).values("pk")).first())
    if report is None:
        raise Http404
    return report


def my_tasks(user, *, role: str | None = None):
    """我的任务: the agency's live assignments with their task, one query for the page."""
    profile = user.profile
    assignments = (Assignment.objects.filter(agency_id=profile.agency_id, active=True,
                                             task__in=tasks_of_agency_user(user).values("pk"))
                   .select_related("task__plan", "task__section")
                   .order_by("task__plan_id", "task__order"))
    if role:
        assignments = assignments.filter(role=role)
    return assignments


def overdue_lead_reports(plan: Plan, on_date):
    """The office's overdue page: late lead reports of the plan's open periods."""
    return reminders.overdue_lead_reports(plan, on_date)


def contacts_missing(plan: Plan):
    """The plan's reporters and heads whom no email can reach."""
    return reminders.users_without_email(plan)


def open_periods(plan_ids):
    return ReportingPeriod.objects.filter(plan_id__in=plan_ids, closed_at=None)


def review_queue(user):
    """Submitted reports of the plans the user supervises, oldest first."""
    return (ProgressReport.objects
            .filter(state=ProgressReport.State.SUBMITTED,
                    task__plan__in=plans_supervised_by(user).values("pk"))
            .select_related("task__plan", "period", "agency")
            .order_by("submitted_at"))


def task_page(task: Task) -> dict:
    """Everything the task page shows, in a fixed number of queries."""
    links = TaskAgency.objects.filter(task=task).select_related("agency")
    return {
        "leads": [link.agency for link in links if link.role == TaskAgency.Role.LEAD],
        "supporting": [link.agency for link in links if link.role == TaskAgency.Role.SUPPORTING],
        "assignments": list(task.assignments.select_related("agency", "via_group")
                            .order_by("-active", "role", "agency__name")),
        "reports": list(task.reports.select_related("period", "agency")
                        .prefetch_related("attachments").order_by("-period__starts_on")),
        "contributions": list(task.contributions.select_related("period", "agency")
                              .prefetch_related("attachments")),
        "indicators": list(task.indicators.select_related("target")
                           .prefetch_related(Prefetch("values"))),
        "instructions": list(task.instructions.select_related("author")),
        "timeline": timeline(task),
    }


def timeline(task: Task) -> list[dict]:
    """Transitions of the task and its reports, assignments, instructions and escalations
    (催办, 督办, automatic tiers), oldest first."""
    report_ids = list(task.reports.values_list("pk", flat=True))
    logs = (StateLog.objects.filter(
        Q(content_type__model="task", content_type__app_label="tasks", object_id=task.pk)
        | Q(content_type__model="progressreport", content_type__app_label="workflow",
            object_id__in=report_ids))
        .select_related("by", "content_type"))
    entries = [{"at": log.timestamp, "kind": "transition", "log": log, "by": log.by,
                "on_report": log.content_type.model == "progressreport"} for log in logs]
    for assignment in task.assignments.select_related("agency"):
        entries.append({"at": assignment.created_at, "kind": "assigned", "assignment": assignment})
        if assignment.ended_at:
            entries.append({"at": assignment.ended_at, "kind": "unassigned",
                            "assignment": assignment})
        if assignment.acknowledged_at:
            entries.append({"at": assignment.acknowledged_at, "kind": "acknowledged",
                            "assignment": assignment})
    for instruction in task.instructions.select_related("author"):
        entries.append({"at": instruction.created_at, "kind": "instruction",
                        "instruction": instruction})
    for escalation in task.escalations.select_related("by", "period", "tier"):
        entries.append({"at": escalation.created_at, "kind": "escalation",
                        "escalation": escalation, "by": escalation.by, "level": escalation.level,
                        "escalation_kind": escalation.kind, "text": escalation.text})
    return sorted(entries, key=lambda e: e["at"])


def contributions_status(task: Task, period: ReportingPeriod) -> list[dict]:
    """For the lead drafting its report: which supporting agencies have contributed."""
    given = {c.agency_id: c for c in Contribution.objects.filter(task=task, period=period)
             .prefetch_related("attachments")}
    supporting = (task.assignments.filter(active=True, role=TaskAgency.Role.SUPPORTING)
                  .select_related("agency").order_by("agency__name"))
    return [{"agency": a.agency, "contribution": given.get(a.agency_id)} for a in supporting]
