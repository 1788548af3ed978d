"""The supervision lists: the task list of a plan (or of all the plans one reads) with its
filters and .xlsx export, an agency's scorecard, and the plan's assessment (考核).

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
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from openpyxl import Workbook

from agencies.models import Agency
from agencies.permissions import may_supervise
from lib.paging import paged
from lib.spreadsheets import save_workbook
from tasks import selectors
from tasks.models import Plan, Task, TaskAgency
from workflow.levels import LevelNames, level_names
from workflow.models import Assignment, Escalation, ReportingPeriod
from workflow.obligations import (
    LIGHT_LABELS,
    NO_LIGHT,
    REPORT_STATE_LABELS,
    current_period,
    ledger,
)
from workflow.views.common import int_or_none

from ..assessment import COMPONENTS, assessment_ranking, period_facts, weights_for
from ..filters import TaskFilter
from ..models import AssessmentWeights

PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---- the task list ------------------------------------------------------------------------

def _period_items(plans, chosen_id, today) -> tuple[dict, list]:
    """The reports due of the period shown (chosen, else each plan's current one), by task."""
    periods = list(ReportingPeriod.objects.filter(plan__in=plans).order_by("starts_on"))
    chosen = next((p for p in periods if p.pk == chosen_id), None)
    if chosen is not None:
        shown = [chosen]
    else:
        by_plan = {}
        for period in periods:
            by_plan.setdefault(period.plan_id, []).append(period)
        shown = []
        for ps in by_plan.values():
            # 立项: the container's current period, and each item's period of its own that is
            # open and started (a task owes one or the other: obligations rule 11)
            own = [q for q in ps if q.task_id is not None]
            current = current_period([q for q in ps if q.task_id is None] or ps, today)
            shown += [current] if current else []
            shown += [q for q in own if q.closed_at is None and q.starts_on <= today
                      and q is not current]
    book = ledger(plan_ids=[p.pk for p in plans], on_date=today,
                  period_ids=[p.pk for p in shown])
    return {item.task_id: item for item in book.items}, shown


def _task_rows(request, plans, *, template: str, extra: dict):
    today = timezone.localdate()
    items, shown = _period_items(plans, int_or_none(request.GET.get("period")), today)
    live = Prefetch("assignments", to_attr="live",
                    queryset=Assignment.objects.filter(active=True).select_related("agency")
                    .order_by("role", "agency__name"))
    tasks = (Task.objects.filter(plan__in=plans).select_related("section", "plan")
             .prefetch_related(live).order_by("plan_id", "order", "pk"))
    names = level_names([p.pk for p in plans])
    task_filter = TaskFilter(request.GET or None, tasks, plans=plans, items=items, levels=names)
    rows = task_filter.qs
    supervised = set(selectors.plans_supervised_by(request.user)
                     .filter(pk__in=[p.pk for p in plans]).values_list("pk", flat=True))
    if request.GET.get("format") == "xlsx":
        return _tasks_xlsx(extra.get("plan"), shown, [_row(t, items) for t in rows], names)
    listed = paged(request, rows, PAGE_SIZE)
    return render(request, template, {
        **extra, "periods_shown": shown, "period": shown[0] if len(shown) == 1 else None,
        "filter": task_filter, **listed.context(), "level_names": names,
        "rows": [{**_row(t, items), "may_supervise": t.plan_id in supervised}
                 for t in listed.page.object_list],
    })


@login_required
@require_GET
def task_list(request, pk: int):
    plan = selectors.plan_for_user(request.user, pk)
    return _task_rows(request, [plan], template="supervision/lists_tasks.html",
                      extra={"plan": plan})


@login_required
@require_GET
def all_tasks(request):
    """The tasks of every plan the user reads, each plan in its current period."""
    plans = list(selectors.plans_readable_by(request.user))
    if not plans:
        raise PermissionDenied
    return _task_rows(request, plans, template="supervision/lists_tasks.html",
                      extra={"plan": None})


def _row(task: Task, items) -> dict:
    item = items.get(task.pk)
    live = getattr(task, "live", [])
    light = item.light if item else NO_LIGHT
    return {
        "task": task,
        "item": item,
        "leads": [a.agency for a in live if a.role == TaskAgency.Role.LEAD],
        "supporting": [a.agency for a in live if a.role == TaskAgency.Role.SUPPORTING],
        "light": light,
        "light_label": LIGHT_LABELS[light],
        "report_state": item.report_state if item else "",
        "report_state_label": REPORT_STATE_LABELS[item.report_state] if item else _("Not owed"),
        "report_id": item.report_id if item else None,
    }


def _tasks_xlsx(plan: Plan | None, periods, rows: list[dict],
                names: LevelNames) -> HttpResponse:
    book = Workbook()
    sheet = book.active
    sheet.title = _("Tasks")[:31]
    sheet.append([_("Plan"), _("Task"), _("Section"), _("Lead agencies"),
                  _("Supporting agencies"), _("Task state"), _("Period"), _("Light"),
                  _("Report state"), _("Escalation level")])
    for row in rows:
        task, item = row["task"], row["item"]
        sheet.append([
            task.plan.title, task.content, str(task.section) if task.section else "",
            "、".join(a.name for a in row["leads"]),
            "、".join(a.name for a in row["supporting"]),
            str(task.get_state_display()), item.period.label if item else "",
            str(row["light_label"]), str(row["report_state_label"]), names.of(task),
        ])
    sheet.column_dimensions["B"].width = 60
    response = HttpResponse(content_type=XLSX)
    # Named as an office files it: what, which plan and period, as of which day.
    title = plan.title[:40].replace("/", "-").replace("\\", "-") if plan else _("All plans")
    parts = [_("Task list"), title] + ([periods[0].label] if len(periods) == 1 else [])
    name = "-".join(str(p) for p in parts + [timezone.localdate().isoformat()])
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.xlsx")
    save_workbook(book, response)  # every cell as data, never a formula
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
    # Every agency's facts: the agency's own, and its place (名次) in each period's assessment.
    facts, periods = period_facts(plan_ids, today)
    weights = {p.pk: weights_for(p) for p in plans}
    history = []
    for p in periods:
        if (agency.pk, p.pk) not in facts:
            continue
        ranking = assessment_ranking(p, facts, weights[p.plan_id], names={})
        place = next((r for r in ranking if r["agency_id"] == agency.pk), None)
        history.append({"period": p, "facts": facts[(agency.pk, p.pk)], "place": place,
                        "ranked": len(ranking)})
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
    return render(request, "supervision/lists_scorecard.html", {
        "agency": agency, "plans": plans, "all_plans": chosen is None,
        "assignments": assignments, "history": history, "totals": totals,
        "escalations": escalations, "escalation_count": on_led.count(),
        "level_names": level_names(plan_ids),
        "led_count": len(set(led)),
        "supported_count": len({a.task_id for a in assignments
                                if a.role == TaskAgency.Role.SUPPORTING}),
    })


# ---- assessment (考核) -------------------------------------------------------------------------

class WeightsForm(forms.ModelForm):
    class Meta:
        model = AssessmentWeights
        fields = [*COMPONENTS, "overdue_cap_working_days", "extended_on_time"]

    def clean(self):
        data = super().clean()
        if not any(data.get(name) for name in COMPONENTS):
            raise forms.ValidationError(_("Give at least one weight above 0."))
        return data


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
    return render(request, "supervision/lists_assessment.html", {
        "plan": plan, "periods": periods, "period": period, "weights": weights,
        "rows": assessment_ranking(period, facts, weights),
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
    return redirect(reverse("supervision:assessment", args=[plan.pk]))
