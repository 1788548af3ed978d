"""延期申请 and 督办单 pages: the agency asks (task page) and acknowledges; its head approves;
the office lists and decides (with a confirmation page) or refers to a leader, who decides;
the office issues and lists slips; the slip prints as a .docx.

Thin views over workflow.extensions and workflow.slips; every object comes through
workflow.visibility, so another agency's request or slip answers 404.
"""
from __future__ import annotations

from datetime import date
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_fsm import has_transition_perm

from agencies.permissions import may_supervise

from .. import selectors, visibility
from ..errors import WorkflowError
from ..extensions import (
    extension_accept,
    extension_head_decide,
    extension_refer,
    extension_refuse,
    extension_request,
    extensions_pending_for,
)
from ..models import Escalation, ExtensionRequest, ReportingPeriod
from ..obligations import due_on_of
from ..slips import COLOUR_NAMES, slip_acknowledge, slip_docx, slip_filename, slips_issue, slips_of
from .common import back, int_or_none, refused


def _date(raw) -> date | None:
    try:
        return date.fromisoformat((raw or "").strip())
    except ValueError:
        return None


# ---- extension requests ---------------------------------------------------------------------

@login_required
@require_POST
def extension_ask(request, pk: int):
    """The lead agency asks for more time (`period`: a period's report; empty: the deadline)."""
    task = selectors.task_for_user(request.user, pk)
    period = None
    if request.POST.get("period", "").strip():
        period = ReportingPeriod.objects.filter(
            pk=int_or_none(request.POST["period"]), plan_id=task.plan_id).first()
        if period is None:
            raise Http404
    proposed = _date(request.POST.get("proposed_on"))
    try:
        asked = extension_request(task=task, period=period, by=request.user,
                                  reason=request.POST.get("reason", ""),
                                  progress=request.POST.get("progress", ""),
                                  proposed_on=proposed)
    except WorkflowError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Extension request sent: %(state)s.") % {
            "state": asked.get_state_display()})
    url = reverse("workflow:task", args=[task.pk])
    return back(request, f"{url}?period={period.pk}" if period else url)


@login_required
@require_GET
def extension_list(request):
    """延期申请 waiting for the user: the office's with it and referred, a leader's referred
    ones, a head's to approve; with the agency's own requests for agency staff."""
    pending = list(extensions_pending_for(request.user))
    own = []
    profile = getattr(request.user, "profile", None)
    if profile is not None and not profile.is_office and profile.role != "leader":
        own = list(visibility.extensions_visible_to(
            request.user, ExtensionRequest.objects.filter(agency_id=profile.agency_id))
            .select_related("task__plan", "period").order_by("-requested_at")[:50])
    return render(request, "workflow/extension_list.html", {"pending": pending, "own": own})


@login_required
@require_GET
def extension_detail(request, pk: int):
    """The request, and the decision forms of whoever may decide (the confirmation page)."""
    ext = visibility.extension_or_404(request.user, pk)
    user = request.user
    transitions = {t.name for t in ext.get_available_user_state_transitions(user)}
    in_force = due_on_of(ext.task, ext.period)
    return render(request, "workflow/extension_detail.html", {
        "ext": ext, "task": ext.task, "in_force": in_force,
        "may_head": bool({"head_approve", "head_refuse"} & transitions),
        "may_decide": bool({"accept", "refuse"} & transitions),
        "may_refer": "refer" in transitions,
    })


@login_required
@require_POST
def extension_decide(request, pk: int):
    """action = approve / head_refuse (the head), accept / refuse / refer (office, leader)."""
    ext = visibility.extension_or_404(request.user, pk)
    action, user = request.POST.get("action", ""), request.user
    methods = {"approve": ext.head_approve, "head_refuse": ext.head_refuse,
               "accept": ext.accept, "refuse": ext.refuse, "refer": ext.refer}
    if action not in methods:
        raise Http404
    if not has_transition_perm(methods[action], user) and not _may_read_as_decider(ext, user):
        raise PermissionDenied
    reason = request.POST.get("reason", "")
    try:
        if action == "approve":
            extension_head_decide(request=ext, by=user, approve=True)
        elif action == "head_refuse":
            extension_head_decide(request=ext, by=user, approve=False, reason=reason)
        elif action == "accept":
            raw = request.POST.get("new_date", "").strip()
            new_date = _date(raw)
            if raw and new_date is None:
                raise WorkflowError(_("Enter the new date as YYYY-MM-DD."))
            extension_accept(request=ext, by=user, new_date=new_date)
        elif action == "refuse":
            extension_refuse(request=ext, by=user, reason=reason)
        else:
            extension_refer(request=ext, by=user, note=reason)
    except WorkflowError as exc:
        refused(request, exc)
        return redirect("workflow:extension", ext.pk)
    messages.success(request, _("Extension request: %(state)s.") % {
        "state": ext.get_state_display()})
    return redirect("workflow:extension", ext.pk)


def _may_read_as_decider(ext: ExtensionRequest, user) -> bool:
    """The office and the plan's leaders may try (and be told why not); others get 403."""
    return may_supervise(ext.task.plan, user) or user.has_perm("tasks.lead_plan", ext.task.plan) \
        or user.has_perm("tasks.signoff_task", ext.task)


# ---- supervision slips ----------------------------------------------------------------------

@login_required
@require_POST
def slip_issue(request, pk: int):
    """The office issues slips for one of its 催办/督办 already sent."""
    escalation = Escalation.objects.select_related("task__plan").filter(pk=pk).first()
    if escalation is None:
        raise Http404
    selectors.task_for_user(request.user, escalation.task_id, write=True)
    try:
        slips = slips_issue(escalation=escalation, by=request.user)
    except WorkflowError as exc:
        refused(request, exc)
        return back(request, reverse("workflow:task", args=[escalation.task_id]))
    messages.success(request, _("Supervision slip issued: %(numbers)s") % {
        "numbers": "、".join(s.label for s in slips)})
    return redirect("workflow:slip", slips[0].pk)


@login_required
@require_GET
def slip_detail(request, pk: int):
    slip = visibility.slip_or_404(request.user, pk)
    profile = getattr(request.user, "profile", None)
    may_ack = (slip.acknowledged_at is None and profile is not None and not profile.is_office
               and profile.agency_id == slip.agency_id)
    return render(request, "workflow/slip_detail.html", {
        "slip": slip, "task": slip.task, "colour_name": COLOUR_NAMES[slip.colour],
        "may_acknowledge": may_ack})


@login_required
@require_GET
def slip_download(request, pk: int):
    slip = visibility.slip_or_404(request.user, pk)
    response = HttpResponse(
        slip_docx(slip),
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    response["Content-Disposition"] = (
        f"attachment; filename=\"slip-{slip.year}-{slip.number}.docx\"; "
        f"filename*=UTF-8''{quote(slip_filename(slip))}")
    return response


@login_required
@require_POST
def slip_ack(request, pk: int):
    slip = visibility.slip_or_404(request.user, pk)
    try:
        slip_acknowledge(slip=slip, by=request.user)
    except WorkflowError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Supervision slip acknowledged: %(number)s") % {
            "number": slip.label})
    return redirect("workflow:slip", slip.pk)


@login_required
@require_GET
def plan_slips(request, pk: int):
    """The plan's slips (of one period with ?period=), for the office and leaders."""
    plan = selectors.plan_for_user(request.user, pk)
    periods = list(plan.periods.order_by("starts_on"))
    chosen = next((p for p in periods if p.pk == int_or_none(request.GET.get("period"))), None)
    slips = list(slips_of([plan.pk], period_id=chosen.pk if chosen else None))
    return render(request, "workflow/plan_slips.html", {
        "plan": plan, "periods": periods, "period": chosen, "slips": slips,
        "colour_names": COLOUR_NAMES})
