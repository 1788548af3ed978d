"""The supervision dashboards (督查看板): one plan's, and the office's across its plans.

Readers are the plans' office staff and leaders (selectors.plans_readable_by). Anyone else
gets 403; a reader asking for a plan outside their reach gets 404.
"""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from agencies.permissions import is_office
from tasks import selectors
from workflow.calendar import calendar_missing_years

from ..dashboard import office_dashboard, plan_dashboard


def _readable_plans(user):
    plans = selectors.plans_readable_by(user)
    if not plans.exists():
        raise PermissionDenied
    return plans


@login_required
@require_GET
def plan(request, pk: int):
    _readable_plans(request.user)  # 403 for those who read no plan at all
    found = selectors.plan_for_user(request.user, pk)
    context = plan_dashboard(found, timezone.localdate(), sort=request.GET.get("sort"))
    return render(request, "supervision/dashboard_plan.html", context)


@login_required
@require_GET
def office(request):
    _readable_plans(request.user)
    today = timezone.localdate()
    context = office_dashboard(request.user, today, sort=request.GET.get("sort"),
                               source=request.GET.get("source"))
    # this year or the coming one unknown to the working-day calendar: the office enters it
    context["calendar_missing"] = calendar_missing_years(today) if is_office(request.user) else []
    return render(request, "supervision/dashboard_office.html", context)
