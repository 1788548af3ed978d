"""协调事项: raised from a task page by its agencies, listed for the office with their age,
assigned, answered by the agency or leader assigned, closed (workflow.coordination)."""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from guardian.shortcuts import get_users_with_perms

from agencies.models import Agency, StaffProfile
from agencies.permissions import may_supervise, office_required, person_name
from agencies.services import agencies_named
from tasks.importers.corrections import names_typed
from tasks.selectors import agency_names, task_for_user

from .. import coordination
from ..errors import WorkflowError
from ..forms import AssignForm
from ..models import CoordinationMatter, ReportingPeriod
from .common import int_or_none, refused

PER_PAGE = 50
STATE_LABELS = dict(CoordinationMatter.State.choices)


def _task_url(task) -> str:
    return reverse("workflow:task", args=[task.pk]) + "#coordination"


@login_required
@require_POST
def raise_matter(request, pk: int):
    """An agency working on the task asks for coordination (from the task page)."""
    task = task_for_user(request.user, pk)
    period = None
    period_id = int_or_none(request.POST.get("period"))
    if period_id is not None:
        period = ReportingPeriod.objects.filter(pk=period_id, plan_id=task.plan_id).first()
    names = list(names_typed(request.POST.get("agencies", "")[:2000]))
    ids, unknown = agencies_named(names)
    if unknown:
        messages.error(request, _("No agency is known by these names: %(names)s. Choose them "
                                  "from the list as you type.") % {"names": "、".join(unknown)})
        return redirect(_task_url(task))
    try:
        coordination.matter_raise(
            task=task, by=request.user, text=request.POST.get("text", "")[:5000],
            decision_needed=request.POST.get("decision_needed", "")[:2000],
            agencies_asked=list(Agency.objects.filter(pk__in=ids)), period=period)
    except WorkflowError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Coordination asked of the office."))
    return redirect(_task_url(task))


@office_required
@require_safe
def matter_list(request):
    """The office's list: matters not closed first, oldest first, with their age."""
    today = timezone.localdate()
    show = request.GET.get("state")
    matters = coordination.office_matters(request.user)
    if show in CoordinationMatter.State.values:
        matters = matters.filter(state=show)
    else:
        matters = matters.exclude(state=CoordinationMatter.State.CLOSED)
    page = Paginator(matters, PER_PAGE).get_page(request.GET.get("page"))
    for matter in page.object_list:
        matter.age = coordination.matter_age(matter, today)
    return render(request, "workflow/coordination_list.html", {
        "page": page, "states": CoordinationMatter.State.choices, "state": show or ""})


def _leaders(matter):
    """The leaders the office may give a matter to: those who read the task's plan."""
    readers = get_users_with_perms(matter.task.plan, with_group_users=True,
                                   only_with_perms_in=["lead_plan"])
    users = (get_user_model().objects.filter(
        pk__in=[u.pk for u in readers], profile__role=StaffProfile.Role.LEADER, is_active=True)
        .order_by("last_name", "pk"))
    return [(u, person_name(u)) for u in users]


@login_required
@require_safe
def matter_detail(request, pk: int):
    user = request.user
    matter = coordination.matter_for_user(user, pk)
    office = may_supervise(matter.task.plan, user)
    may_answer = "give_answer" in {
        t.name for t in matter.get_available_user_state_transitions(user)}
    return render(request, "workflow/coordination_matter.html", {
        "matter": matter, "office": office, "may_answer": may_answer,
        "age": coordination.matter_age(matter, timezone.localdate()),
        "asked": list(matter.agencies_asked.all()),
        "form": AssignForm(leaders=_leaders(matter)) if office else None,
        "agency_names": agency_names() if office else [],
        "timeline": [{"log": log, "label": STATE_LABELS.get(log.state, log.state)}
                     for log in coordination.matter_timeline(matter)],
    })


@login_required
@require_POST
def matter_assign(request, pk: int):
    matter = coordination.matter_for_user(request.user, pk, write=True)
    form = AssignForm(request.POST, leaders=_leaders(matter))
    agency = person = None
    if form.is_valid():
        name = form.cleaned_data["agency"].strip()
        if name:
            ids, _unknown = agencies_named([name])
            agency = Agency.objects.filter(pk__in=ids[:1]).first()
            if agency is None:
                messages.error(request, _("No agency is known by these names: %(names)s. "
                                          "Choose them from the list as you type.")
                               % {"names": name})
                return redirect("workflow:coordination-matter", pk=matter.pk)
        if form.cleaned_data["leader"]:
            person = get_user_model().objects.filter(pk=form.cleaned_data["leader"]).first()
    try:
        coordination.matter_assign(matter=matter, by=request.user, agency=agency, person=person,
                                   note=form.cleaned_data.get("note", "") if form.is_valid()
                                   else "")
    except WorkflowError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Coordination matter assigned."))
    return redirect("workflow:coordination-matter", pk=matter.pk)


@login_required
@require_POST
def matter_answer(request, pk: int):
    matter = coordination.matter_for_user(request.user, pk)
    try:
        coordination.matter_answer(matter=matter, by=request.user,
                                   answer=request.POST.get("answer", "")[:5000])
    except WorkflowError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Answer sent to the agency that asked."))
    return redirect("workflow:coordination-matter", pk=matter.pk)


@login_required
@require_POST
def matter_close(request, pk: int):
    matter = coordination.matter_for_user(request.user, pk, write=True)
    try:
        coordination.matter_close(matter=matter, by=request.user,
                                  note=request.POST.get("note", "")[:1000])
    except WorkflowError as exc:
        refused(request, exc)
    else:
        messages.success(request, _("Coordination matter closed."))
    return redirect("workflow:coordination-list")
