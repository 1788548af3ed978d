"""The office's and leaders' pages: review queue, report, verify/return/reopen, instructions,
reassignment, dispatch, receipts (签收), 催办/督办, overdue reports, closing a period and the
people reminders cannot reach.

Thin views: every change is one call of workflow.services; a refusal (WorkflowError, StaleObject
with who changed it and when) becomes a message and the user goes back where they came from.
Objects come through the scoped selectors, so another office's objects answer 404; a reader who
may see an object but not change it (a leader) gets 403.
"""
from __future__ import annotations

from collections import Counter

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_fsm import has_transition_perm
from django_fsm_log.models import StateLog

from agencies.models import Agency, Contact
from agencies.permissions import is_office, is_office_director, may_instruct
from lib.paging import paged

from .. import adhoc, selectors, services, visibility
from ..errors import WorkflowError
from ..escalation import task_escalate
from ..levels import level_names
from ..models import Contribution, Escalation, IndicatorValue, ReportingPeriod
from ..obligations import REPORT_STATE_LABELS, receipts_owed
from ..periods import period_close, period_missing, period_reopen, period_timeline
from ..reminders import overdue_list
from ..slips import task_escalate_as_slip
from .common import back, refused

REVIEW_PER_PAGE = 50
OVERDUE_PER_PAGE = 50
RECEIPTS_PER_PAGE = 50
FAILED_PAGE = 100

# ---- helpers --------------------------------------------------------------------------------


# ---- review ---------------------------------------------------------------------------------


@login_required
@require_GET
def review_queue(request):
    """审核队列: submitted reports of the plans the user supervises, oldest first."""
    if not selectors.plans_supervised_by(request.user).exists():
        raise PermissionDenied
    listed = paged(request, selectors.review_queue(request.user), REVIEW_PER_PAGE)
    return render(request, "workflow/office_review_queue.html", {
        "reports": listed.rows, **listed.context()})


@login_required
@require_GET
def report_detail(request, pk: int):
    report = selectors.report_for_user(request.user, pk)
    task, period, user = report.task, report.period, request.user
    indicators = list(task.indicators.select_related("target"))
    values = {v.indicator_id: v for v in visibility.indicator_values_visible_to(
        user, IndicatorValue.objects.filter(indicator__in=[i.pk for i in indicators],
                                            period=period)).select_related("agency")}
    contributions = (visibility.contributions_visible_to(
        user, Contribution.objects.filter(task=task, period=period))
        .select_related("agency", "submitted_by").prefetch_related("attachments"))
    return render(request, "workflow/office_report_detail.html", {
        "report": report, "task": task, "plan": task.plan, "period": period,
        "indicators": [{"indicator": i, "value": values.get(i.pk)} for i in indicators],
        "attachments": list(report.attachments.all()),
        "contributions": list(contributions),
        "instructions": list(visibility.instructions_visible_to(user, task.instructions.all())
                             .select_related("author__profile__agency", "report__period")),
        "log": list(visibility.report_steps_visible_to(user, task, StateLog.objects.for_(report))
                    .select_related("by__profile__agency", "content_type")
                    .order_by("timestamp")),
        "can_verify": has_transition_perm(report.verify, user),
        "can_return": has_transition_perm(report.return_for_revision, user),
        "can_instruct": may_instruct(user, task.plan),
    })


@login_required
@require_POST
def verify(request, pk: int):
    report = selectors.report_for_user(request.user, pk, write=True)
    try:
        services.report_verify(report=report, by=request.user,
                               comment=request.POST.get("comment", ""))
    except WorkflowError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Report verified: %(task)s · %(period)s") % {
            "task": report.task, "period": report.period})
        if report.task.state == report.task.State.VERIFIED:
            messages.info(request, _("The report claims completion: the task is now verified."))
    return back(request, reverse("workflow:report", args=[report.pk]))


@login_required
@require_GET
def verify_confirm(request, pk: int):
    """Verifying from the queue without opening the report: the report's substance and what
    verifying does (a report claiming completion closes the task), then the POST verifies."""
    report = selectors.report_for_user(request.user, pk, write=True)
    if not has_transition_perm(report.verify, request.user):
        messages.error(request, _("This report cannot be verified in its current state."))
        return redirect("workflow:review")
    return render(request, "workflow/office_verify_confirm.html", {
        "report": report, "task": report.task, "period": report.period,
        "closes_task": report.verifying_closes_task(),
    })


@login_required
@require_POST
def return_report(request, pk: int):
    report = selectors.report_for_user(request.user, pk, write=True)
    try:
        services.report_return(report=report, by=request.user,
                               reason=request.POST.get("reason", ""))
    except WorkflowError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Report returned to %(agency)s: %(task)s") % {
            "agency": report.agency, "task": report.task})
    return back(request, reverse("workflow:report", args=[report.pk]))


@login_required
@require_POST
def reopen(request, pk: int):
    task = selectors.task_for_user(request.user, pk, write=True)
    try:
        services.task_reopen(task=task, by=request.user, reason=request.POST.get("reason", ""))
    except WorkflowError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Task reopened: %(task)s") % {"task": task})
    return back(request, reverse("workflow:task", args=[task.pk]))


@login_required
@require_POST
def instruct(request, pk: int):
    """领导批示 on a task, or on one of its reports (`report`: the report's id)."""
    task = selectors.task_for_user(request.user, pk)
    if not may_instruct(request.user, task.plan):
        raise PermissionDenied
    report = None
    report_id = request.POST.get("report", "").strip()
    if report_id:
        if not report_id.isdigit():
            raise Http404
        report = visibility.reports_visible_to(request.user, task.reports.all()).filter(
            pk=int(report_id)).first()
        if report is None:
            raise Http404
    try:
        services.instruction_create(task=task, by=request.user, report=report,
                                    text=request.POST.get("text", ""))
    except WorkflowError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Instruction recorded; the agencies have been notified."))
    return back(request, reverse("workflow:task", args=[task.pk]))


# ---- assignments ----------------------------------------------------------------------------


class ReassignForm(forms.Form):
    agency = forms.ModelChoiceField(
        label=gettext_lazy("New agency"), queryset=Agency.objects.none(),
        empty_label=gettext_lazy("Choose an agency"),
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000,
        help_text=gettext_lazy("Kept in the task's history and shown to the agencies."),
    )

    def __init__(self, *args, current: Agency, search: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        agencies = Agency.objects.filter(active=True).exclude(pk=current.pk).order_by("name")
        if search and not self.is_bound:
            agencies = agencies.filter(name__icontains=search)
        self.fields["agency"].queryset = agencies


@login_required
@require_http_methods(["GET", "POST"])
def reassign(request, pk: int):
    """Move one agency's part in a task to another agency (the old assignment stays as history)."""
    assignment = selectors.assignment_for_user(request.user, pk, write=True)
    task = assignment.task
    task_url = reverse("workflow:task", args=[task.pk])
    if not assignment.active:
        messages.error(request, _("This assignment has already ended; reload the task page."))
        return redirect(task_url)
    search = request.GET.get("q", "").strip()
    form = ReassignForm(request.POST or None, current=assignment.agency, search=search)
    if request.method == "POST" and form.is_valid():
        try:
            new = services.assignment_reassign(
                assignment=assignment, to_agency=form.cleaned_data["agency"], by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except WorkflowError as exc:
            refused(request, exc)
        else:
            messages.success(request, _("The task now goes to %(agency)s instead of %(old)s.") % {
                "agency": new.agency, "old": assignment.agency})
        return redirect(task_url)
    return render(request, "workflow/office_reassign.html", {
        "assignment": assignment, "task": task, "plan": task.plan, "form": form,
        "search": search, "choices": len(form.fields["agency"].queryset),
    })


# ---- plans ----------------------------------------------------------------------------------


@login_required
@require_POST
def dispatch(request, pk: int):
    """派发: refused while tasks need a lead (the message lists them), and without reporting
    periods unless the office ticked "dispatch without reporting periods"."""
    plan = selectors.plan_for_user(request.user, pk, write=True)
    try:
        if plan.is_container:  # 立项: the items registered since the last dispatch
            outcome = adhoc.adhoc_dispatch(plan=plan, by=request.user)
        else:
            outcome = services.plan_dispatch(
                plan=plan, by=request.user,
                without_periods=request.POST.get("without_periods") == "1")
    except WorkflowError as exc:
        refused(request, exc)
    else:
        messages.success(request, ngettext(
            "Dispatched: %(count)d assignment sent to the agencies.",
            "Dispatched: %(count)d assignments sent to the agencies.",
            outcome.assignments,
        ) % {"count": outcome.assignments})
        if outcome.empty_groups:
            messages.warning(request, _(
                "These agency groups have no member agencies, so their tasks were assigned to "
                "no agency through them: %(groups)s. Add the members in the admin."
            ) % {"groups": "、".join(outcome.empty_groups)})
    return redirect("plans:detail", pk=plan.pk)


@login_required
@require_GET
def dispatch_confirm(request, pk: int):
    """派发, step one: what dispatching will create (services.plan_dispatch_preview, the same
    rule as the dispatch); the page's POST then dispatches."""
    plan = selectors.plan_for_user(request.user, pk, write=True)
    later_items = plan.is_container and plan.state == plan.State.DISPATCHED
    if plan.state != plan.State.DRAFT and not later_items:
        messages.info(request, _("This plan has already been dispatched."))
        return redirect("plans:detail", pk=plan.pk)
    preview = (adhoc.adhoc_dispatch_preview(plan=plan) if later_items
               else services.plan_dispatch_preview(plan=plan))
    return render(request, "workflow/office_dispatch_confirm.html", {
        "plan": plan, "preview": preview,
        "needs_lead": plan.tasks.filter(needs_lead=True).count(),
        "has_periods": ReportingPeriod.objects.filter(plan=plan).exists(),
        "without_periods": request.GET.get("without_periods") == "1",
    })


@login_required
@require_GET
def receipts(request, pk: int):
    """签收: live assignments not acknowledged within the plan's working days, by agency
    (obligations.receipts_owed, the rule the reminders use)."""
    plan = selectors.plan_for_user(request.user, pk, write=True)
    today = timezone.localdate()
    owed = receipts_owed(plan_ids=[plan.pk], on_date=today)
    overdue = []
    for receipt in owed:
        if receipt.overdue:
            receipt.assignment.working_days = receipt.working_days
            overdue.append(receipt.assignment)
    per_agency = Counter(a.agency_id for a in overdue)
    # Paged by assignment, by agency: an agency's rows may run on to the next page.
    overdue.sort(key=lambda a: (a.agency.name, a.agency_id, a.task.order, a.pk))
    listed = paged(request, overdue, RECEIPTS_PER_PAGE)
    first = listed.page.start_index() - 1  # the page's first row in the whole list
    groups = []
    for assignment in listed.page.object_list:
        if not groups or groups[-1]["agency"].pk != assignment.agency_id:
            groups.append({"agency": assignment.agency, "assignments": [], "contacts": [],
                           "count": per_agency[assignment.agency_id],
                           "continued": not groups and first > 0
                           and overdue[first - 1].agency_id == assignment.agency_id})
        groups[-1]["assignments"].append(assignment)
    contacts = {group["agency"].pk: group["contacts"] for group in groups}
    for contact in Contact.objects.filter(agency__in=list(contacts)).order_by("pk"):
        contacts[contact.agency_id].append(contact)
    return render(request, "workflow/office_receipts.html", {
        "plan": plan, "groups": groups, "limit": plan.acknowledge_within_days,
        "waiting": len(owed) - len(overdue), **listed.context(),
        "overdue_count": len(overdue), "today": today,
    })


# ---- chasing: 催办 / 督办, overdue reports, periods, contacts --------------------------------


@login_required
@require_POST
def escalate(request, pk: int):
    """催办 (kind=urge) or 督办 (kind=supervise) with the office's text; `period` optional;
    `slip` issues it as a numbered 督办单 too."""
    task = selectors.task_for_user(request.user, pk, write=True)
    period = None
    period_id = request.POST.get("period", "").strip()
    if period_id:
        if not period_id.isdigit():
            raise Http404
        period = ReportingPeriod.objects.filter(pk=int(period_id), plan_id=task.plan_id).first()
        if period is None:
            raise Http404
    kind = request.POST.get("kind", "")
    try:
        if request.POST.get("slip"):  # issued as a numbered 督办单 as well
            slips = task_escalate_as_slip(task=task, by=request.user, kind=kind,
                                          period=period, text=request.POST.get("text", ""))
            escalation = slips[0].escalation
        else:
            slips = []
            escalation = task_escalate(task=task, by=request.user, kind=kind, period=period,
                                       text=request.POST.get("text", ""))
    except WorkflowError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("%(kind)s sent to the lead agency: %(task)s") % {
            "kind": escalation.get_kind_display(), "task": task})
        if slips:
            messages.success(request, _("Supervision slip issued: %(numbers)s") % {
                "numbers": "、".join(s.label for s in slips)})
            return redirect("workflow:slip", slips[0].pk)
    return back(request, reverse("workflow:task", args=[task.pk]))


def _overdue_page(request, plans, plan=None):
    today = timezone.localdate()
    rows = overdue_list([p.pk for p in plans], today)  # rows built for the page shown only
    listed = paged(request, rows, OVERDUE_PER_PAGE)
    return render(request, "workflow/office_overdue.html", {
        "plan": plan, "rows": listed.rows, **listed.context(), "count": len(rows),
        "today": today, "urge": Escalation.Kind.URGE,
        "level_names": level_names([p.pk for p in plans]),
    })


@login_required
@require_GET
def overdue(request, pk: int):
    """逾期: the plan's chased lead reports past their due date, with a quick 催办."""
    plan = selectors.plan_for_user(request.user, pk, write=True)
    return _overdue_page(request, [plan], plan)


@login_required
@require_GET
def overdue_all(request):
    """逾期 across every plan the office supervises."""
    plans = list(selectors.plans_supervised_by(request.user))
    if not plans:
        raise PermissionDenied
    return _overdue_page(request, plans)


@login_required
@require_GET
def failed_emails(request):
    """Emails that failed for good, or wait for a retry or the next day, to people of the
    agencies working on the plans this office supervises. Office staff only."""
    if not is_office(request.user):
        raise PermissionDenied
    rows = list(selectors.undelivered_for_office(request.user)[:FAILED_PAGE])
    return render(request, "workflow/office_failed_emails.html", {"outbox": rows})


@login_required
@require_GET
def contacts_missing(request, pk: int):
    """The plan's reporters and agency heads without an email, and the assigned agencies with
    nobody registered at all: reminders cannot reach either."""
    plan = selectors.plan_for_user(request.user, pk, write=True)
    return render(request, "workflow/office_contacts_missing.html", {
        "plan": plan, "users": list(selectors.contacts_missing(plan)),
        "unstaffed": list(selectors.agencies_without_people(plan)),
    })


@login_required
@require_GET
def close_period_confirm(request, pk: int):
    """Closing a period, step one: the reports still missing (from the obligations ledger),
    which closing leaves missing for good; the page's POST then closes it."""
    period = selectors.period_for_user(request.user, pk, write=True)
    if period.is_closed:
        messages.info(request, _("This reporting period is already closed."))
        return redirect("plans:detail", pk=period.plan_id)
    missing = period_missing(period)
    tasks = {t.pk: t for t in period.plan.tasks.filter(pk__in=[i.task_id for i in missing])}
    agencies = Agency.objects.in_bulk({a for i in missing for a in i.lead_ids})
    rows = [{"task": tasks[i.task_id], "state": REPORT_STATE_LABELS[i.report_state],
             "agencies": [agencies[a] for a in i.lead_ids if a in agencies]} for i in missing]
    return render(request, "workflow/office_close_period_confirm.html", {
        "period": period, "plan": period.plan, "missing": rows,
        "timeline": period_timeline(period),
    })


@login_required
@require_http_methods(["GET", "POST"])
def reopen_period(request, pk: int):
    """The office director reopens a closed period with a reason (kept in its timeline)."""
    period = selectors.period_for_user(request.user, pk, write=True)
    if not is_office_director(request.user):
        raise PermissionDenied
    if request.method == "POST":
        try:
            period_reopen(period, request.user, request.POST.get("reason", ""))
        except WorkflowError as exc:
            refused(request, exc)
        else:
            messages.success(request, _("Reporting period %(period)s reopened.") % {
                "period": period.label})
            return redirect("plans:detail", pk=period.plan_id)
    return render(request, "workflow/office_reopen_period.html", {
        "period": period, "plan": period.plan, "timeline": period_timeline(period),
        "reason": request.POST.get("reason", ""),
    })


@login_required
@require_POST
def close_period(request, pk: int):
    """Close a reporting period: its reports become read-only."""
    period = selectors.period_for_user(request.user, pk, write=True)
    try:
        period_close(period, request.user)
    except WorkflowError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Reporting period %(period)s closed.") % {
            "period": period.label})
    return redirect("plans:detail", pk=period.plan_id)
