"""Every change of the workflow, one function each, each in its own transaction.

Pages, the admin and (later) the API call these; none of them repeats a rule. A transition's
permission is checked here (django-fsm does not check it when the method is called), and the
transition, its log row and the save share one atomic block so that a lost race leaves nothing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition, can_proceed, has_transition_perm
from django_fsm_log.models import StateLog

from agencies import permissions
from agencies.models import Agency, StaffProfile
from agencies.people import profile_save
from agencies.permissions import person_name
from tasks.models import Plan, Task, TaskAgency

from . import visibility
from .errors import StaleObject, WorkflowError  # noqa: F401  (raised by callers too)
from .figures import figures_changed
from .models import (
    Assignment,
    Contribution,
    IndicatorValue,
    Instruction,
    ProgressReport,
    ReportingPeriod,
)
from .obligations import due_on_of, period_owed_by
from .periods import plan_reminder_defaults
from .recipients import agency_staff, agency_tell


def _require(method, user) -> None:
    """Refuse a transition that the state, its conditions or the user's rights do not allow."""
    if not has_transition_perm(method, user):
        if can_proceed(method):
            raise WorkflowError(_("You are not allowed to do this."))
        raise WorkflowError(_("This cannot be done in the current state."))


def _run(obj, name: str, user, description: str = "") -> None:
    """Run one transition and save, atomically; a concurrent change raises StaleObject."""
    method = getattr(obj, name)
    _require(method, user)
    try:
        with transaction.atomic():
            method(by=user, description=description or None)
            # A task's transition writes its state only: other columns (escalation_level) are
            # kept current by other services and a stale copy must not write them back.
            obj.save(update_fields=["state"] if isinstance(obj, Task) else None)
    except ConcurrentTransition:
        raise _stale(obj) from None


def _stale(obj) -> StaleObject:
    latest = StateLog.objects.for_(obj).select_related("by").order_by("-timestamp").first()
    if latest is None:
        return StaleObject(_("This was changed by someone else meanwhile; reload the page."))
    return StaleObject(_("This was changed by %(user)s at %(time)s; reload the page to see it.") % {
        "user": person_name(latest.by),
        "time": date_format(timezone.localtime(latest.timestamp), "SHORT_DATETIME_FORMAT"),
    })


def _reason(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise WorkflowError(_("A reason is required to %(what)s.") % {"what": what})
    return text


# ---- accounts -------------------------------------------------------------------------------

def staff_profile_save(*, user, agency: Agency, role: str) -> StaffProfile:
    """Give a user their agency and role, and with them the agency's permissions (the office's
    people pages call the same agencies.people.profile_save)."""
    return profile_save(user=user, agency=agency, role=role)


# ---- dispatch and assignments ---------------------------------------------------------------

@dataclass
class DispatchOutcome:
    assignments: int
    empty_groups: list[str] = field(default_factory=list)


def plan_dispatch(*, plan: Plan, by, without_periods: bool = False) -> DispatchOutcome:
    """派发: one assignment per task and agency; groups expanded into their members.

    Refused while a task needs a lead, and while the plan has no reporting period unless the
    office says it dispatches without (without_periods): agencies would owe no report."""
    if plan.state == Plan.State.DISPATCHED:
        raise _already_dispatched(plan)
    needing = list(plan.tasks.filter(needs_lead=True).order_by("order"))
    if needing:
        listed = "; ".join(f"{t.source_ref or t.order} {t.content[:30]}" for t in needing)
        raise WorkflowError(_("%(count)d tasks still need a lead agency: %(tasks)s") % {
            "count": len(needing), "tasks": listed,
        })
    _require(plan.dispatch, by)
    if not without_periods and not ReportingPeriod.objects.filter(plan=plan).exists():
        raise WorkflowError(_(
            "The plan has no reporting period yet: set its reporting periods first, or tick "
            "“Dispatch without reporting periods” (the agencies then owe no report until "
            "periods are added)."))
    empty_groups: set[str] = set()
    with transaction.atomic():
        # Two dispatches at once: the second waits here for the first to commit, then finds
        # the plan dispatched, rather than creating every assignment a second time.
        state = Plan.objects.select_for_update().values_list("state", flat=True).get(pk=plan.pk)
        if state != plan.state:
            raise _already_dispatched(plan)
        plan_reminder_defaults(plan)  # schedule, reminder policy, escalation tiers
        assignments = _assignments_for(plan, empty_groups)
        Assignment.objects.bulk_create(assignments)
        permissions.assignments_grant(assignments)
        figures_changed([plan.pk])
        permissions.plan_grant(plan)
        try:
            plan.dispatch(by=by)
            plan.save()
        except ConcurrentTransition:
            raise _already_dispatched(plan) from None
    return DispatchOutcome(len(assignments), sorted(empty_groups))


@dataclass
class DispatchPreview:
    """What plan_dispatch would create now, computed by the same _assignments_for."""
    assignments: int
    leads: int
    supporting: int
    agencies: int
    people: int  # the agencies' active reporters and heads, who find the tasks in 我的任务
    empty_groups: list[str] = field(default_factory=list)


def plan_dispatch_preview(*, plan: Plan) -> DispatchPreview:
    """The dispatch confirmation's figures: a dry run of plan_dispatch that saves nothing."""
    empty_groups: set[str] = set()
    assignments = _assignments_for(plan, empty_groups)
    agencies = {a.agency_id for a in assignments}
    leads = sum(a.role == TaskAgency.Role.LEAD for a in assignments)
    return DispatchPreview(
        assignments=len(assignments), leads=leads, supporting=len(assignments) - leads,
        agencies=len(agencies), people=len(agency_staff(agencies)),
        empty_groups=sorted(empty_groups))


def _already_dispatched(plan: Plan) -> StaleObject:
    latest = (StateLog.objects.for_(plan).filter(state=Plan.State.DISPATCHED)
              .select_related("by").order_by("-timestamp").first())
    if latest is None:
        return StaleObject(_("This plan was changed meanwhile; reload the page."))
    return StaleObject(_("This plan was already dispatched, by %(user)s at %(time)s; nothing "
                         "was dispatched a second time.") % {
        "user": person_name(latest.by),
        "time": date_format(timezone.localtime(latest.timestamp), "SHORT_DATETIME_FORMAT"),
    })


def _assignments_for(plan: Plan, empty_groups: set[str]) -> list[Assignment]:
    result = []
    tasks = plan.tasks.prefetch_related("agency_links", "group_links__group__members")
    for task in tasks:
        seen = set()
        for link in task.agency_links.all():  # leads first: role 'lead' sorts before
            result.append(Assignment(task=task, agency_id=link.agency_id, role=link.role))
            seen.add(link.agency_id)
        for group_link in task.group_links.all():
            members = list(group_link.group.members.all())
            if not members:
                empty_groups.add(group_link.group.name)
            for member in members:
                if member.pk not in seen:
                    seen.add(member.pk)
                    result.append(Assignment(task=task, agency=member, role=group_link.role,
                                             via_group=group_link.group))
    return result


def plan_assign_group_members(*, plan: Plan, by) -> int:
    """After dispatch, members added to an agency group get their assignments too.

    Idempotent: an agency that already has a live assignment on the task is left alone.
    """
    if not by.has_perm("tasks.supervise_plan", plan) or plan.state != Plan.State.DISPATCHED:
        raise WorkflowError(_("You are not allowed to do this."))
    live = set(Assignment.objects.filter(task__plan=plan, active=True)
               .values_list("task_id", "agency_id"))
    with transaction.atomic():
        new = [a for a in _assignments_for(plan, set()) if (a.task.pk, a.agency_id) not in live]
        Assignment.objects.bulk_create(new)
        permissions.assignments_grant(new)
        figures_changed([plan.pk])
    return len(new)


def assignment_acknowledge(*, assignment: Assignment, by) -> Assignment:
    """签收: the agency confirms it has received the task. Only the first time counts."""
    if not _works_for(by, assignment.agency_id) or not assignment.active:
        raise WorkflowError(_("You are not allowed to do this."))
    Assignment.objects.filter(pk=assignment.pk, acknowledged_at=None).update(
        acknowledged_at=timezone.now(), acknowledged_by=by
    )
    assignment.refresh_from_db()
    return assignment


def assignment_reassign(*, assignment: Assignment, to_agency: Agency, by, reason: str):
    """The office moves a task's part to another agency; the old assignment stays as history."""
    if not by.has_perm("tasks.supervise_plan", assignment.task.plan):
        raise WorkflowError(_("You are not allowed to do this."))
    reason = _reason(reason, _("reassign"))
    task = assignment.task
    with transaction.atomic():
        ended = Assignment.objects.filter(pk=assignment.pk, active=True).update(
            active=False, ended_at=timezone.now(), end_reason=reason
        )
        if not ended:
            raise StaleObject(_("This assignment was already changed; reload the page."))
        figures_changed([task.plan_id])
        permissions.assignment_revoke(assignment)
        TaskAgency.objects.filter(task=task, agency=assignment.agency).delete()
        TaskAgency.objects.update_or_create(
            task=task, agency=to_agency,
            defaults={"role": assignment.role, "order": task.agency_links.count()},
        )
        Assignment.objects.filter(task=task, agency=to_agency, active=True).update(
            active=False, ended_at=timezone.now()
        )
        new = Assignment.objects.create(task=task, agency=to_agency, role=assignment.role)
        permissions.assignments_grant([new])
        agency_tell(
            [to_agency.pk], kind="task_assigned", about=new, task=task,
            text=_("New task assigned to your agency: %(task)s") % {"task": task.content[:40]},
            by=by, context={"reason": reason},
        )
    return new


def _works_for(user, agency_id: int) -> bool:
    profile = getattr(user, "profile", None)
    return profile is not None and profile.agency_id == agency_id


# ---- reports --------------------------------------------------------------------------------

EDITABLE = (ProgressReport.State.DRAFT, ProgressReport.State.RETURNED)
REPORT_FIELDS = ("progress", "completion", "problems", "next_steps")


def report_save(*, task: Task, period: ReportingPeriod, by, data: dict) -> ProgressReport:
    """Save the lead agency's draft (created on first save). Submitting is separate."""
    if not by.has_perm("tasks.report_task", task):
        raise WorkflowError(_("You are not allowed to do this."))
    if period.plan_id != task.plan_id or period.is_closed:
        raise WorkflowError(_("This reporting period is closed."))
    _require_owed(task, period)
    report = ProgressReport.objects.filter(task=task, period=period).first()
    if report is None:
        report = ProgressReport(task=task, period=period, created_by=by,
                                agency_id=by.profile.agency_id)
    elif report.state not in EDITABLE:
        raise WorkflowError(_("This report can no longer be edited."))
    for name in REPORT_FIELDS:
        if name in data:
            setattr(report, name, data[name])
    first_save = report._state.adding
    try:
        with transaction.atomic():
            report.save()
    except ConcurrentTransition:
        raise _stale(report) from None
    except IntegrityError:
        if not first_save:
            raise
        # Two first saves at once: the other one's row took the one report per period.
        raise _lost_first_save(task, period) from None
    return report


def _require_owed(task: Task, period: ReportingPeriod) -> None:
    """Obligations rule 12: another item's period of its own is not this task's."""
    if not period_owed_by(period, task.pk, task.reports_once):
        raise WorkflowError(_("This reporting period is not one of this task's."))


def _lost_first_save(task: Task, period: ReportingPeriod) -> StaleObject:
    winner = (ProgressReport.objects.filter(task=task, period=period)
              .select_related("created_by").first())
    who = (person_name(winner.created_by, unit=True) if winner and winner.created_by
           else _("someone else"))
    when = date_format(timezone.localtime(winner.updated_at), "SHORT_DATETIME_FORMAT") \
        if winner else ""
    return StaleObject(_(
        "Another save of this report won: %(user)s saved it first, at %(time)s. What you "
        "typed was not saved; it is kept in the form below. Compare it with the saved report "
        "and save again."
    ) % {"user": who, "time": when})


def report_submit(*, report: ProgressReport, by) -> ProgressReport:
    """报送: to the office, or first to the agency head when the plan asks for sign-off."""
    if not report.progress.strip():
        raise WorkflowError(_("Describe the progress before submitting."))
    if report.period.is_closed:
        raise WorkflowError(_("This reporting period is closed."))
    name = "request_signoff" if report.needs_signoff() else "submit"
    _require(getattr(report, name), by)
    with transaction.atomic():
        if name == "submit":
            _mark_submitted(report)
        _run(report, name, by)
        if name == "submit":
            _start_task(report.task, by)  # the task reports once a report reaches the office
        else:
            _tell_heads(report, by)
    return report


def _tell_heads(report: ProgressReport, by) -> None:
    """The agency's heads learn at once that a report awaits their sign-off (in-app and by
    email, after commit); the daily reminders keep asking until they act."""
    requested = StateLog.objects.for_(report).order_by("-pk").first()  # this request
    agency_tell(
        [report.agency_id], kind="signoff_requested", about=requested or report,
        task=report.task, roles=(StaffProfile.Role.HEAD,),
        text=_("A report awaits your sign-off: %(task)s") % {"task": report.task.content[:40]},
        by=by, context={"period_label": report.period.label},
    )


def _mark_submitted(report: ProgressReport) -> None:
    report.submitted_at = timezone.now()
    report.late = timezone.localdate() > due_on_of(report.task, report.period)  # rule 11


def _start_task(task: Task, by) -> None:
    task.refresh_from_db(fields=["state"])
    if task.state == Task.State.ASSIGNED:
        _run(task, "start_reporting", by)


def report_sign_off(*, report: ProgressReport, by) -> ProgressReport:
    _require(report.sign_off, by)
    with transaction.atomic():
        _mark_submitted(report)
        _run(report, "sign_off", by)
        _start_task(report.task, by)
    return report


def report_send_back(*, report: ProgressReport, by, reason: str) -> ProgressReport:
    reason = _reason(reason, _("send a report back"))
    _run(report, "send_back", by, reason)
    return report


def report_verify(*, report: ProgressReport, by, comment: str = "") -> ProgressReport:
    """审核通过; a report that claims completion also closes the task (办结)."""
    with transaction.atomic():
        _run(report, "verify", by, comment)
        task = report.task
        task.refresh_from_db(fields=["state"])
        if report.verifying_closes_task():
            _run(task, "verify", by, comment)
    return report


def report_return(*, report: ProgressReport, by, reason: str) -> ProgressReport:
    """退回 with a reason; the agency revises and submits again."""
    reason = _reason(reason, _("return a report"))
    report.return_reason = reason
    with transaction.atomic():  # the return and its notices (outbox rows) commit together
        _run(report, "return_for_revision", by, reason)
        returned = StateLog.objects.for_(report).order_by("-pk").first()  # this return
        agency_tell(
            [report.agency_id], kind="report_returned", about=returned or report, task=report.task,
            text=_("Report returned: %(task)s") % {"task": report.task.content[:40]},
            by=by, context={"reason": reason, "period_label": report.period.label},
        )
    return report


def task_reopen(*, task: Task, by, reason: str) -> Task:
    reason = _reason(reason, _("reopen a task"))
    _run(task, "reopen", by, reason)
    return task


# ---- contributions, indicator values, instructions ------------------------------------------

def contribution_save(*, task: Task, period: ReportingPeriod, by, text: str,
                      submit: bool = False) -> Contribution:
    """配合单位材料 from a supporting agency, saved or submitted."""
    if not by.has_perm("tasks.contribute_task", task):
        raise WorkflowError(_("You are not allowed to do this."))
    if period.plan_id != task.plan_id or period.is_closed:
        raise WorkflowError(_("This reporting period is closed."))
    _require_owed(task, period)
    contribution, _created = Contribution.objects.get_or_create(
        task=task, period=period, agency_id=by.profile.agency_id
    )
    contribution.text = text
    if submit:
        if not text.strip():
            raise WorkflowError(_("Write the material before submitting it."))
        contribution.submitted_at, contribution.submitted_by = timezone.now(), by
    contribution.save()
    return contribution


def indicators_locked(*, period: ReportingPeriod, indicator_ids) -> set[int]:
    """The indicators whose value for the period the lead may no longer change: one linked
    task's report has left the form (awaiting the head's sign-off, submitted or verified), so the
    figure is part of what was sent on. A returned report unlocks it again. (Who may *read* a
    value is workflow.visibility's rule, which waits for the report to reach the office.)"""
    sent = (ProgressReport.objects.filter(period=period).exclude(state__in=EDITABLE)
            .values("task_id"))
    return set(Task.indicators.through.objects
               .filter(indicator_id__in=indicator_ids, task_id__in=sent)
               .values_list("indicator_id", flat=True))


def indicator_value_set(*, indicator, period: ReportingPeriod, by, value, note: str = ""):
    """Report once: a figure entered for one task serves every task linked to the indicator."""
    may = any(by.has_perm("tasks.report_task", t) for t in indicator.tasks.all())
    if not may:
        raise WorkflowError(_("You are not allowed to do this."))
    if period.is_closed:
        raise WorkflowError(_("This reporting period is closed."))
    if indicators_locked(period=period, indicator_ids=[indicator.pk]):
        current = IndicatorValue.objects.filter(indicator=indicator, period=period).first()
        if current is not None and current.value == value and current.note == note:
            return current  # the same figure posted again changes nothing
        raise WorkflowError(_(
            "%(indicator)s: its value was sent with a report and can change only after that "
            "report is returned. Nothing was saved.") % {"indicator": indicator.name})
    entry, _created = IndicatorValue.objects.update_or_create(
        indicator=indicator, period=period,
        defaults={"value": value, "note": note, "agency_id": by.profile.agency_id,
                  "entered_by": by},
    )
    return entry


def instruction_create(*, task: Task, by, text: str, report: ProgressReport | None = None):
    """领导批示 by a leader or the office director; the agencies concerned are notified."""
    if not permissions.may_instruct(by, task.plan):
        raise WorkflowError(_("You are not allowed to do this."))
    if report is not None and (report.task_id != task.pk
                               or not visibility.report_visible_to(by, report)):
        # Only a report sent on may carry an instruction: every agency told reads it.
        raise WorkflowError(_("You are not allowed to do this."))
    text = (text or "").strip()
    if not text:
        raise WorkflowError(_("Write the instruction first."))
    with transaction.atomic():
        instruction = Instruction.objects.create(task=task, report=report, author=by, text=text)
        agency_tell(
            task.assignments.filter(active=True).values_list("agency", flat=True),
            kind="instruction", about=instruction, task=task,
            text=_("Leader instruction on: %(task)s") % {"task": task.content[:40]},
            by=by, context={"text": text},
        )
    return instruction
