"""延期申请: extension requests, one service per step, each in its own transaction.

The lead agency asks before the due date in force (a period's report, or the task's own
deadline when no period is named): reason, proposed date, progress so far. Its head approves
when the plan asks for sign-off (as for reports); the office accepts (with the date it
decides, which may differ from the one asked), refuses with a reason, or refers it to a
leader of the plan, who accepts or refuses. Every step is a django-fsm-2 transition logged
in the StateLog (the task's timeline shows it) and told through the outbox (agency_tell).

Until a request is accepted the original date holds. An accepted one moves the due date of
the task and period in the ledger (workflow.obligations rule 11), so lights, reminders,
escalation, the overdue list and the assessment read the new date; a task deadline is moved
on the task itself (Task.deadline_on), the original kept on the request.

Limits (settings): EXTENSION_MAX_PER_OBLIGATION accepted extensions per report due or
deadline, and a new date at most EXTENSION_MAX_WORKING_DAYS working days after the date in
force.
"""
from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm_log.models import StateLog
from guardian.shortcuts import get_users_with_perms

from agencies.models import StaffProfile
from agencies.permissions import LEAD_PLAN
from lib.workdays import working_days_between
from tasks.models import Task
from tasks.selectors import plans_readable_by, plans_supervised_by, tasks_of_agency_user

from .errors import WorkflowError
from .models import ExtensionRequest, ProgressReport, ReportingPeriod
from .obligations import due_on_of
from .recipients import agency_tell
from .services import _require, _run

State = ExtensionRequest.State
OFFICE_ROLES = tuple(StaffProfile.OFFICE_ROLES)


def _url(request: ExtensionRequest) -> str:
    url = reverse("workflow:task", args=[request.task_id])
    return f"{url}?period={request.period_id}" if request.period_id else url


def _tell(request: ExtensionRequest, *, agencies, roles, text: str, by) -> None:
    """The event (this request's latest log row) to these agencies' people in `roles`."""
    logged = StateLog.objects.for_(request).order_by("-pk").first()
    agency_tell(agencies, kind="extension", about=logged or request, task=request.task,
                text=text, by=by, roles=roles, url=_url(request),
                context={"heading": _("Extension request")})


def _office_of(request: ExtensionRequest) -> list[int]:
    office = request.task.plan.office_agency_id
    return [office] if office else []


def _leaders_of(task: Task) -> list[int]:
    """The agencies whose leaders read the plan (lead_plan), told when a request is referred."""
    users = get_users_with_perms(task.plan, only_with_perms_in=[LEAD_PLAN.split(".")[1]],
                                 with_group_users=True, with_superusers=False)
    return list(StaffProfile.objects.filter(user__in=users, role=StaffProfile.Role.LEADER)
                .values_list("agency_id", flat=True).distinct())


def _check_date(new: date, due: date, what: str) -> None:
    if new <= due:
        raise WorkflowError(_("The new date must be after the due date in force (%(due)s).")
                            % {"due": due.isoformat()})
    limit = settings.EXTENSION_MAX_WORKING_DAYS
    if working_days_between(due, new) > limit:
        raise WorkflowError(_("%(what)s is more than %(limit)d working days after the due date "
                              "in force (%(due)s): choose an earlier date.")
                            % {"what": what, "limit": limit, "due": due.isoformat()})


def extension_request(*, task: Task, period: ReportingPeriod | None, by, reason: str,
                      progress: str, proposed_on: date | None) -> ExtensionRequest:
    """The lead agency asks for more time, before the due date in force."""
    if not by.has_perm("tasks.report_task", task):
        raise WorkflowError(_("You are not allowed to do this."))
    if period is not None and (period.plan_id != task.plan_id or period.is_closed):
        raise WorkflowError(_("This reporting period is closed."))
    due = due_on_of(task, period)
    if due is None:
        raise WorkflowError(_("The task has no deadline to extend: choose a reporting period."))
    today = timezone.localdate()
    if today >= due:
        raise WorkflowError(_("An extension must be asked before the due date: this one was due "
                              "on %(due)s. Report as soon as possible instead.")
                            % {"due": due.isoformat()})
    reason, progress = (reason or "").strip(), (progress or "").strip()
    if not reason or not progress:
        raise WorkflowError(_("Give the reason for the extension and the progress so far."))
    if proposed_on is None:
        raise WorkflowError(_("Propose the new date."))
    _check_date(proposed_on, due, _("The proposed date"))
    if period is not None and ProgressReport.objects.filter(
            task=task, period=period, state__in=[ProgressReport.State.SUBMITTED,
                                                 ProgressReport.State.VERIFIED]).exists():
        raise WorkflowError(_("The report for this period is already with the office."))
    same = ExtensionRequest.objects.filter(task=task, period=period)
    if same.filter(state__in=ExtensionRequest.PENDING).exists():
        raise WorkflowError(_("An extension request for this is already waiting for a decision."))
    limit = settings.EXTENSION_MAX_PER_OBLIGATION
    if same.filter(state=State.ACCEPTED).count() >= limit:
        raise WorkflowError(_("This has already been extended %(limit)d times, the most allowed.")
                            % {"limit": limit})
    request = ExtensionRequest(task=task, period=period, agency_id=by.profile.agency_id,
                               reason=reason, progress=progress, original_due_on=due,
                               proposed_on=proposed_on, requested_by=by)
    try:
        with transaction.atomic():
            request.save()
            if request.needs_head():
                _tell(request, agencies=[request.agency_id], roles=(StaffProfile.Role.HEAD,),
                      by=by, text=_("An extension request awaits your approval: %(task)s")
                      % {"task": task.content[:40]})
            else:
                _run(request, "send", by)
                _tell_office(request, by)
    except IntegrityError:
        raise WorkflowError(_("An extension request for this is already waiting for a "
                              "decision.")) from None
    return request


def _tell_office(request: ExtensionRequest, by) -> None:
    _tell(request, agencies=_office_of(request), roles=OFFICE_ROLES, by=by,
          text=_("%(agency)s asks to extend %(what)s to %(date)s: %(task)s") % {
              "agency": request.agency.name, "what": request.period or _("the deadline"),
              "date": request.proposed_on.isoformat(), "task": request.task.content[:40]})


def extension_head_decide(*, request: ExtensionRequest, by, approve: bool,
                          reason: str = "") -> ExtensionRequest:
    """The agency head approves (to the office) or withholds it (with a reason)."""
    if approve:
        with transaction.atomic():
            _run(request, "head_approve", by)
            _tell_office(request, by)
        return request
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(_("Give the reason for the refusal."))
    with transaction.atomic():
        request.refusal_reason = reason
        request.decided_by, request.decided_at = by, timezone.now()
        _run(request, "head_refuse", by, reason)
        _tell_decision(request, by)
    return request


def extension_refer(*, request: ExtensionRequest, by, note: str = "") -> ExtensionRequest:
    """呈领导: the office passes the request to a leader of the plan."""
    with transaction.atomic():
        _run(request, "refer", by, (note or "").strip())
        _tell(request, agencies=_leaders_of(request.task), roles=(StaffProfile.Role.LEADER,),
              by=by, text=_("An extension request is referred to you: %(task)s")
              % {"task": request.task.content[:40]})
    return request


def extension_accept(*, request: ExtensionRequest, by, new_date: date | None) -> ExtensionRequest:
    """Accepted, with the new due date (the one asked unless the decider sets another)."""
    _require(request.accept, by)
    new_date = new_date or request.proposed_on
    with transaction.atomic():
        locked = ExtensionRequest.objects.select_for_update().get(pk=request.pk)
        _check_date(new_date, locked.original_due_on, _("The new date"))
        request.decided_on, request.decided_by, request.decided_at = (
            new_date, by, timezone.now())
        request.refusal_reason = ""
        _run(request, "accept", by, _("New due date: %(date)s") % {"date": new_date.isoformat()})
        if request.period_id is None:
            Task.objects.filter(pk=request.task_id).update(deadline_on=new_date)
        else:
            # A report already submitted (before the decision) is judged against the new date.
            for report in ProgressReport.objects.filter(
                    task_id=request.task_id, period_id=request.period_id,
                    submitted_at__isnull=False):
                late = timezone.localdate(report.submitted_at) > new_date
                if late != report.late:
                    ProgressReport.objects.filter(pk=report.pk).update(late=late)
        _tell_decision(request, by)
    return request


def extension_refuse(*, request: ExtensionRequest, by, reason: str) -> ExtensionRequest:
    """Refused, with the reason: the original date holds."""
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(_("Give the reason for the refusal."))
    _require(request.refuse, by)
    with transaction.atomic():
        request.refusal_reason = reason
        request.decided_by, request.decided_at = by, timezone.now()
        _run(request, "refuse", by, reason)
        _tell_decision(request, by)
    return request


def _tell_decision(request: ExtensionRequest, by) -> None:
    if request.state == State.ACCEPTED:
        text = _("Extension accepted: the new due date is %(date)s: %(task)s") % {
            "date": request.decided_on.isoformat(), "task": request.task.content[:40]}
    else:
        text = _("Extension refused (%(reason)s); the due date %(date)s holds: %(task)s") % {
            "reason": request.refusal_reason, "date": request.original_due_on.isoformat(),
            "task": request.task.content[:40]}
    _tell(request, agencies=[request.agency_id], roles=(StaffProfile.Role.REPORTER,
                                                        StaffProfile.Role.HEAD),
          by=by, text=text)


# ---- reads ----------------------------------------------------------------------------------

def extensions_pending_for(user):
    """What waits for this user: the office's requests with it (and referred ones, to see),
    a leader's referred ones, a head's awaiting approval; one query."""
    profile = getattr(user, "profile", None)
    rows = ExtensionRequest.objects.select_related("task__plan", "period", "agency",
                                                   "requested_by")
    q = Q(pk__in=[])
    if profile is not None and profile.role == StaffProfile.Role.LEADER:
        q = Q(state=State.REFERRED, task__plan__in=plans_readable_by(user).values("pk"))
    elif profile is not None and profile.role == StaffProfile.Role.HEAD:
        q = Q(state=State.REQUESTED, agency_id=profile.agency_id,
              task__in=tasks_of_agency_user(user).values("pk"))
    else:
        q = Q(state__in=[State.SUBMITTED, State.REFERRED],
              task__plan__in=plans_supervised_by(user).values("pk"))
    return rows.filter(q).order_by("requested_at", "pk")
