"""Reads for the workflow pages, each scoped to what the user may see.

Object permissions come from django-guardian through the user's agency groups
(workflow.permissions); lists use get_objects_for_user, never a has_perm per row. Model-wide
permissions are not accepted: an admin clerk's model rights do not open other agencies' tasks.
"""
from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django_fsm_log.models import StateLog

from agencies.models import Agency, AgencyMatchSuggestion, StaffProfile
from agencies.permissions import is_office, may_supervise
from notifications.models import OutboxMessage
from tasks.models import Plan, Task, TaskAgency
from tasks.selectors import (  # noqa: F401  (one lookup per kind, used by the views here)
    plan_for_user,
    plans_readable_by,
    plans_supervised_by,
    task_for_user,
    tasks_of_agency_user,
    tasks_visible_to,
)

from . import reminders, visibility
from .models import (
    Assignment,
    Contribution,
    ExtensionRequest,
    ProgressReport,
    ReportingPeriod,
)
from .recipients import agency_owner_key


def report_for_user(user, pk: int, *, write: bool = False) -> ProgressReport:
    """A report the user may read (workflow.visibility: a draft only by its lead agency), or
    404; with write (verify, return), 403 unless the user supervises its plan."""
    report = visibility.report_or_404(user, pk)
    if write and not may_supervise(report.task.plan, user):
        raise PermissionDenied
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


def signoff_queue(user):
    """待审签: the reports of the head's agency awaiting sign-off, oldest first; none for
    anyone who is not an agency head."""
    profile = getattr(user, "profile", None)
    if profile is None or profile.role != StaffProfile.Role.HEAD:
        return ProgressReport.objects.none()
    return (ProgressReport.objects
            .filter(state=ProgressReport.State.AWAITING_SIGNOFF, agency_id=profile.agency_id,
                    task__in=tasks_of_agency_user(user).values("pk"))
            .select_related("task__plan", "period", "created_by")
            .order_by("updated_at"))


def task_page(task: Task, user) -> dict:
    """Everything the task page shows to the user, in a fixed number of queries. Reports are
    all listed (their state is no secret); `visible_reports` says whose content the user reads.
    Contributions, instructions and the timeline are only what the user may read."""
    links = TaskAgency.objects.filter(task=task).select_related("agency")
    assignments = list(task.assignments.select_related("agency", "via_group")
                       .order_by("-active", "role", "agency__name"))
    reports = list(task.reports.select_related("period", "agency")
                   .prefetch_related("attachments").order_by("-period__starts_on"))
    instructions = list(visibility.instructions_visible_to(user, task.instructions.all())
                        .select_related("author__profile__agency"))
    return {
        "leads": [link.agency for link in links if link.role == TaskAgency.Role.LEAD],
        "supporting": [link.agency for link in links if link.role == TaskAgency.Role.SUPPORTING],
        "assignments": assignments,
        "reports": reports,
        "visible_reports": set(visibility.reports_visible_to(user, task.reports.all())
                               .values_list("pk", flat=True)),
        "contributions": list(visibility.contributions_visible_to(user, task.contributions.all())
                              .select_related("period", "agency")
                              .prefetch_related("attachments")),
        "indicators": list(task.indicators.select_related("target")),
        "instructions": instructions,
        # the timeline reuses the lists above rather than reading them again
        "timeline": timeline(task, user, assignments=assignments, instructions=instructions,
                             report_ids=[r.pk for r in reports]),
    }


def timeline(task: Task, user=None, *, assignments=None, instructions=None,
             report_ids=None) -> list[dict]:
    """Transitions of the task and its reports, assignments, instructions and escalations
    (催办, 督办, automatic tiers), oldest first. For a user: only what they may read — outside
    the lead agency, a report's steps that reach or leave the office (not the sign-off steps
    inside the agency), and the instructions they see. `assignments`, `instructions` (those the
    user sees) and `report_ids`, when the caller has read them already."""
    if report_ids is None:
        report_ids = list(task.reports.values_list("pk", flat=True))
    report_logs = StateLog.objects.filter(
        content_type__model="progressreport", content_type__app_label="workflow",
        object_id__in=report_ids)
    if user is not None:
        report_logs = visibility.report_steps_visible_to(user, task, report_logs)
    logs = (StateLog.objects.filter(
        Q(content_type__model="task", content_type__app_label="tasks", object_id=task.pk)
        | Q(pk__in=report_logs.values("pk")))
        .select_related("by__profile__agency", "content_type"))
    entries = [{"at": log.timestamp, "kind": "transition", "log": log, "by": log.by,
                "on_report": log.content_type.model == "progressreport"} for log in logs]
    if assignments is None:
        assignments = task.assignments.select_related("agency")
    for assignment in assignments:
        entries.append({"at": assignment.created_at, "kind": "assigned", "assignment": assignment})
        if assignment.ended_at:
            entries.append({"at": assignment.ended_at, "kind": "unassigned",
                            "assignment": assignment})
        if assignment.acknowledged_at:
            entries.append({"at": assignment.acknowledged_at, "kind": "acknowledged",
                            "assignment": assignment})
    if instructions is None:
        instructions = task.instructions.all()
        if user is not None:
            instructions = visibility.instructions_visible_to(user, instructions)
        instructions = instructions.select_related("author__profile__agency")
    for instruction in instructions:
        entries.append({"at": instruction.created_at, "kind": "instruction",
                        "instruction": instruction})
    for escalation in task.escalations.select_related("by__profile__agency", "period", "tier"):
        entries.append({"at": escalation.created_at, "kind": "escalation",
                        "escalation": escalation, "by": escalation.by, "level": escalation.level,
                        "escalation_kind": escalation.kind, "text": escalation.text})
    entries += _extension_entries(task, user)
    return sorted(entries, key=lambda e: e["at"])


def _extension_entries(task: Task, user) -> list[dict]:
    """延期申请 on the timeline: each request when asked, and each of its steps (StateLog)."""
    extensions = task.extensions.all()
    if user is not None:
        extensions = visibility.extensions_visible_to(user, extensions)
    extensions = {e.pk: e for e in extensions.select_related("period", "agency", "requested_by")}
    if not extensions:
        return []
    labels = dict(ExtensionRequest.State.choices)
    entries = [{"at": e.requested_at, "kind": "extension", "extension": e, "by": e.requested_by}
               for e in extensions.values()]
    for log in StateLog.objects.filter(
            content_type__model="extensionrequest", content_type__app_label="workflow",
            object_id__in=list(extensions)).select_related("by"):
        entries.append({"at": log.timestamp, "kind": "extension_step", "log": log, "by": log.by,
                        "extension": extensions[log.object_id],
                        "target": labels.get(log.state, log.state)})
    return entries


def contributions_status(task: Task, period: ReportingPeriod, user, *, page: dict | None = None
                         ) -> list[dict]:
    """For the lead drafting its report: which supporting agencies have contributed (the
    material it may read: submitted). `page`: task_page's lists, read already."""
    if page is not None:
        given = {c.agency_id: c for c in page["contributions"] if c.period_id == period.pk}
        supporting = sorted((a for a in page["assignments"]
                             if a.active and a.role == TaskAgency.Role.SUPPORTING),
                            key=lambda a: a.agency.name)
    else:
        given = {c.agency_id: c for c in visibility.contributions_visible_to(
            user, Contribution.objects.filter(task=task, period=period))
            .prefetch_related("attachments")}
        supporting = (task.assignments.filter(active=True, role=TaskAgency.Role.SUPPORTING)
                      .select_related("agency").order_by("agency__name"))
    return [{"agency": a.agency, "contribution": given.get(a.agency_id)} for a in supporting]


def undelivered_for_office(user):
    """Failed and deferred messages (emails, robots, SMS) of people whose agency has a live
    assignment in a plan the user supervises, or of those agencies' own robots; failed first,
    then newest."""
    State = OutboxMessage.State
    agencies = set(Assignment.objects.filter(
        active=True, task__plan__in=plans_supervised_by(user).values("pk")
    ).values_list("agency_id", flat=True))
    return (OutboxMessage.objects
            .filter(Q(state=State.FAILED)
                    | Q(state=State.PENDING, next_attempt_at__gt=timezone.now()))
            .filter(Q(recipient__profile__agency__in=agencies)
                    | Q(recipient=None,
                        endpoint__owner_key__in=[agency_owner_key(a) for a in agencies]))
            .select_related("recipient__profile__agency", "endpoint")
            .order_by("state", "-created_at"))


def period_for_user(user, pk: int, *, write: bool = False) -> ReportingPeriod:
    """The period, or 404 unless the user reads its plan whole (office or leader); with write,
    403 unless the user supervises it."""
    period = (ReportingPeriod.objects.select_related("plan")
              .filter(pk=pk, plan__in=plans_readable_by(user).values("pk")).first())
    if period is None:
        raise Http404
    if write and not may_supervise(period.plan, user):
        raise PermissionDenied
    return period


def assignment_for_user(user, pk: int, *, write: bool = False) -> Assignment:
    """An assignment of a plan the user reads whole, or 404; with write, 403 unless the user
    supervises the plan."""
    assignment = (Assignment.objects.select_related("task__plan", "agency")
                  .filter(pk=pk, task__plan__in=plans_readable_by(user).values("pk"))
                  .first())
    if assignment is None:
        raise Http404
    if write and not may_supervise(assignment.task.plan, user):
        raise PermissionDenied
    return assignment


# ---- the people of agencies (the office's people pages) -----------------------------------------

def agencies_of_office(user):
    """The agencies an office manages the people of: those working on the plans it supervises
    (named on a task or assigned), and the agency hosting the office itself."""
    plans = plans_supervised_by(user).values("pk")
    own = getattr(getattr(user, "profile", None), "agency_id", None)
    return Agency.objects.filter(
        Q(task_links__task__plan__in=plans) | Q(assignments__task__plan__in=plans) | Q(pk=own)
    ).distinct()


def _office_lookup(user, pk: int, rows):
    """The row `pk` among `rows(user)`, what the office may manage: 403 for anyone but the
    office, 404 when it is none of this office's."""
    if not is_office(user):
        raise PermissionDenied
    found = rows(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def agency_for_office(user, pk: int) -> Agency:
    return _office_lookup(user, pk, agencies_of_office)


def person_for_office(user, pk: int):
    """A person with a profile at one of the office's agencies."""
    return _office_lookup(user, pk, lambda office: User.objects.select_related(
        "profile__agency").filter(profile__agency__in=agencies_of_office(office)))


def agency_people(agency: Agency):
    """The agency's people, active first, by name (one query)."""
    return (StaffProfile.objects.filter(agency=agency).select_related("user")
            .order_by("-user__is_active", "role", "user__last_name", "user__username"))


def agencies_without_people(plan: Plan):
    """Agencies assigned on the plan with no active reporter or head at all: nobody there can
    see, report or be reminded."""
    staffed = StaffProfile.objects.filter(
        role__in=[StaffProfile.Role.REPORTER, StaffProfile.Role.HEAD],
        user__is_active=True).values("agency")
    return (Agency.objects.filter(assignments__task__plan=plan, assignments__active=True)
            .exclude(pk__in=staffed).distinct().order_by("name"))


def suggestions_for_office(user):
    """Pending near matches (可能重复的单位) where both agencies are the office's (two queries
    with the page's counts, whatever their number)."""
    mine = agencies_of_office(user).values("pk")
    return (AgencyMatchSuggestion.objects
            .filter(status=AgencyMatchSuggestion.Status.PENDING, agency__in=mine,
                    candidate__in=mine)
            .select_related("agency", "candidate").order_by("-score", "pk"))


def suggestion_for_office(user, pk: int):
    return _office_lookup(user, pk, suggestions_for_office)
