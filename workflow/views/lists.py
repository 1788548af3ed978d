"""The supervision lists and pages (issue 5): the task list of a plan with its filters and
.xlsx export, an agency's scorecard, and the plan's assessment (考核).

Plans come through selectors.plans_readable_by (the office and leaders): another office's plan
answers 404. An agency's own staff may read its scorecard; nobody else outside the plans it
works in. Every page reads in a fixed number of queries, whatever the number of tasks.
"""
from __future__ import annotations

from collections import Counter

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from agencies.models import Agency
from tasks.models import Plan, Task, TaskAgency, may_supervise

from .. import selectors
from ..assessment import COMPONENTS, period_facts, score, weights_for
from ..filters import TaskFilter
from ..lights import LIGHT_LABELS, REPORT_STATE_LABELS, current_period, task_lights
from ..models import AssessmentWeights, Assignment, Escalation, ReportingPeriod
from .common import int_or_none

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---- the task list ------------------------------------------------------------------------

@login_required
@require_GET
def task_list(request, pk: int):
    plan = selectors.plan_for_user(request.user, pk)
    today = timezone.localdate()
    periods = list(ReportingPeriod.objects.filter(plan=plan).order_by("starts_on"))
    chosen = int_or_none(request.GET.get("period"))
    period = next((p for p in periods if p.pk == chosen), None) or current_period(periods, today)
    lights = task_lights(plan, period, today)
    live = Prefetch("assignments", to_attr="live",
                    queryset=Assignment.objects.filter(active=True).select_related("agency")
                    .order_by("role", "agency__name"))
    tasks = (Task.objects.filter(plan=plan).select_related("section")
             .prefetch_related(live).order_by("order", "pk"))
    task_filter = TaskFilter(request.GET or None, tasks, plan=plan, lights=lights)
    rows = task_filter.qs
    if request.GET.get("format") == "xlsx":
        return _tasks_xlsx(plan, period, [_row(t, lights) for t in rows])
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    return render(request, "workflow/lists_tasks.html", {
        "plan": plan, "period": period, "filter": task_filter, "page": page,
        "rows": [_row(t, lights) for t in page.object_list], "query": query.urlencode(),
        "may_supervise": may_supervise(plan, request.user),
    })


def _row(task: Task, lights) -> dict:
    info = lights.get(task.pk)
    live = getattr(task, "live", [])
    return {
        "task": task,
        "leads": [a.agency for a in live if a.role == TaskAgency.Role.LEAD],
        "supporting": [a.agency for a in live if a.role == TaskAgency.Role.SUPPORTING],
        "light": info.light if info else "none",
        "light_label": LIGHT_LABELS[info.light if info else "none"],
        "report_state": info.report_state if info else "not_started",
        "report_state_label": REPORT_STATE_LABELS[info.report_state if info else "not_started"],
        "report_id": info.report_id if info else None,
    }


def _tasks_xlsx(plan: Plan, period, rows: list[dict]) -> HttpResponse:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = _("Tasks")[:31]
    sheet.append([_("Task"), _("Section"), _("Lead agencies"), _("Supporting agencies"),
                  _("Task state"), _("Light"), _("Report state"), _("Escalation level")])
    for row in rows:
        task = row["task"]
        sheet.append([
            task.content, str(task.section) if task.section else "",
            "、".join(a.name for a in row["leads"]),
            "、".join(a.name for a in row["supporting"]),
            str(task.get_state_display()), str(row["light_label"]),
            str(row["report_state_label"]), task.escalation_level,
        ])
    sheet.column_dimensions["A"].width = 60
    response = HttpResponse(content_type=XLSX)
    label = f"-{period.pk}" if period else ""
    response["Content-Disposition"] = f'attachment; filename="plan-{plan.pk}-tasks{label}.xlsx"'
    book.save(response)
    return response


# ---- the agency scorecard ---------------------------------------------------------------------

def _scorecard_plans(user, agency: Agency):
    """Plans in which the user may read the agency's record: its own staff see all the plans
    it works in; the office and leaders, their plans in which it works."""
    works_in = Assignment.objects.filter(agency=agency).values("task__plan_id")
    plans = Plan.objects.filter(pk__in=works_in)
    profile = getattr(user, "profile", None)
    if profile is not None and profile.agency_id == agency.pk:
        return plans
    return plans.filter(pk__in=selectors.plans_readable_by(user).values("pk"))


@login_required
@require_GET
def scorecard(request, pk: int):
    agency = get_object_or_404(Agency, pk=pk)
    plans = list(_scorecard_plans(request.user, agency).order_by("-imported_at"))
    if not plans:
        raise Http404
    chosen = int_or_none(request.GET.get("plan"))
    if request.GET.get("plan"):
        plans = [p for p in plans if p.pk == chosen]
        if not plans:
            raise Http404
    plan_ids = [p.pk for p in plans]
    today = timezone.localdate()
    facts, periods = period_facts(plan_ids, today, agency_id=agency.pk)
    history = [{"period": p, "facts": facts[(agency.pk, p.pk)]} for p in periods
               if (agency.pk, p.pk) in facts]
    totals = Counter()
    for item in history:
        f = item["facts"]
        totals.update(on_time=f.on_time, late=f.late, missing=f.missing, pending=f.pending,
                      returns=f.returns, escalations=f.escalations)
    assignments = list(Assignment.objects.filter(agency=agency, active=True,
                                                 task__plan_id__in=plan_ids)
                       .select_related("task__plan", "task__section")
                       .order_by("task__plan_id", "role", "task__order"))
    led = [a.task_id for a in assignments if a.role == TaskAgency.Role.LEAD]
    on_led = Escalation.objects.filter(task_id__in=led)
    escalations = list(on_led.select_related("task", "period").order_by("-created_at")[:50])
    return render(request, "workflow/lists_scorecard.html", {
        "agency": agency, "plans": plans, "all_plans": chosen is None,
        "assignments": assignments, "history": history, "totals": totals,
        "escalations": escalations, "escalation_count": on_led.count(),
        "led_count": len(set(led)),
        "supported_count": len({a.task_id for a in assignments
                                if a.role == TaskAgency.Role.SUPPORTING}),
    })


# ---- assessment (考核) -------------------------------------------------------------------------

class WeightsForm(forms.ModelForm):
    class Meta:
        model = AssessmentWeights
        fields = [*COMPONENTS, "overdue_cap_working_days"]

    def clean(self):
        data = super().clean()
        if not any(data.get(name) for name in COMPONENTS):
            raise forms.ValidationError(_("Give at least one weight above 0."))
        return data


def assessment_rows(plan: Plan, period, facts, weights) -> list[dict]:
    """The ranking of one period: agencies that owed a report, best score first."""
    if period is None:
        return []
    agency_ids = [a for (a, p) in facts if p == period.pk]
    names = dict(Agency.objects.filter(pk__in=agency_ids).values_list("pk", "name"))
    rows = []
    for agency_id in agency_ids:
        result = score(facts[(agency_id, period.pk)], weights)
        if result is not None:
            rows.append({"agency_id": agency_id, "name": names.get(agency_id, ""),
                         "facts": facts[(agency_id, period.pk)], "score": result})
    rows.sort(key=lambda r: (-r["score"].total, r["name"]))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return rows


@login_required
@require_GET
def assessment(request, pk: int):
    plan = selectors.plan_for_user(request.user, pk)
    today = timezone.localdate()
    weights = weights_for(plan)
    facts, periods = period_facts([plan.pk], today)
    chosen = int_or_none(request.GET.get("period"))
    fell_due = [p for p in periods if p.due_on < today]
    period = (next((p for p in periods if p.pk == chosen), None)
              or (fell_due[-1] if fell_due else current_period(periods, today)))
    supervisor = may_supervise(plan, request.user)
    return render(request, "workflow/lists_assessment.html", {
        "plan": plan, "periods": periods, "period": period, "weights": weights,
        "rows": assessment_rows(plan, period, facts, weights),
        "form": WeightsForm(instance=weights) if supervisor else None,
    })


@login_required
@require_POST
def assessment_weights(request, pk: int):
    plan = selectors.plan_for_user(request.user, pk)
    if not may_supervise(plan, request.user):
        raise PermissionDenied
    form = WeightsForm(request.POST, instance=weights_for(plan))
    if form.is_valid():
        form.save()
        messages.success(request, _("The assessment weights were saved."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(reverse("lists:assessment", args=[plan.pk]))
