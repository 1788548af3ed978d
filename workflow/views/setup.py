"""The office sets a plan up from its own pages, before dispatch: its reporting periods.

Thin views over workflow.periods; the plan comes through the scoped selector, so whoever does
not read the plan gets 404 and a leader (who reads but changes nothing) 403.
"""
from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from .. import selectors
from ..errors import WorkflowError
from ..models import ReportingSchedule
from ..periods import calendar_gaps, calendar_warning, plan_periods_set

Frequency = ReportingSchedule.Frequency


class PlanPeriodsForm(forms.Form):
    frequency = forms.ChoiceField(
        label=gettext_lazy("Agencies report"),
        choices=[c for c in Frequency.choices if c[0] != Frequency.FIXED],
        initial=Frequency.QUARTERLY)
    due_working_days = forms.IntegerField(
        label=gettext_lazy("Due after each period ends, in working days"),
        min_value=0, max_value=60, initial=5,
        help_text=gettext_lazy("e.g. 5 for 每季度结束后5个工作日内."))
    first_on = forms.DateField(
        label=gettext_lazy("First period"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("A day of the first period to report on; empty: from the "
                               "plan's start."))
    period_start = forms.DateField(
        label=gettext_lazy("The plan's term starts on"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(
        label=gettext_lazy("The plan's term ends on"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        # The term is asked for only when the import found none.
        for name in ("period_start", "period_end"):
            if getattr(plan, name):
                del self.fields[name]
            else:
                self.fields[name].required = True


@login_required
@require_http_methods(["GET", "POST"])
def plan_periods(request, pk: int):
    """报送周期: the schedule, the first period and the due rule; the periods are generated."""
    plan = selectors.plan_for_user(request.user, pk, write=True)
    has_periods = plan.periods.exists()
    form = PlanPeriodsForm(request.POST or None, plan=plan)
    if request.method == "POST" and form.is_valid():
        try:
            created = plan_periods_set(plan=plan, by=request.user, **form.cleaned_data)
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, ngettext(
                "%(count)d reporting period generated.",
                "%(count)d reporting periods generated.", len(created))
                % {"count": len(created)})
            years = calendar_gaps(plan).get(plan.pk)
            if years:
                messages.warning(request, calendar_warning(years))
            return redirect("plans:detail", pk=plan.pk)
    return render(request, "workflow/plan_periods.html", {
        "plan": plan, "form": form, "has_periods": has_periods,
    })
