"""The office sets things up from its own pages, without the admin: a plan's reporting periods
before dispatch, the working-day calendar, and merging duplicate agencies.

Thin views over workflow.periods; the plan comes through the scoped selector, so whoever does
not read the plan gets 404 and a leader (who reads but changes nothing) 403.
"""
from __future__ import annotations

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
from django.views.decorators.http import require_http_methods, require_POST

from agencies.permissions import is_office
from agencies.services import suggestion_reject
from lib.workdays import calendar_covers, package_covers

from .. import selectors
from ..calendar import calendar_year, calendar_year_set, calendar_years, year_text
from ..errors import WorkflowError
from ..merging import agencies_merge, merge_summary
from ..models import CalendarDay, ReportingSchedule
from ..periods import calendar_gaps, calendar_warning, plan_periods_set
from .common import int_or_none

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


# ---- the working-day calendar ------------------------------------------------------------------

class CalendarYearForm(forms.Form):
    holidays = forms.CharField(
        label=gettext_lazy("Public holidays (法定节假日)"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 9}),
        help_text=gettext_lazy("One day or span per line, with its name: 2027-01-01 元旦, "
                               "2027-02-10 至 2027-02-17 春节."))
    workdays = forms.CharField(
        label=gettext_lazy("Make-up working days (调休上班)"), required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("Weekend days worked instead, one per line: 2027-02-07 春节调休."))


@login_required
@require_http_methods(["GET", "POST"])
def working_calendar(request):
    """工作日历: the office enters a year's 法定节假日 and 调休 days from the State Council's
    notice. Office staff only (403 for anyone else, as the office's other cross-plan pages)."""
    if not is_office(request.user):
        raise PermissionDenied
    today = timezone.localdate()
    year = int_or_none(request.POST.get("year") or request.GET.get("year")) or today.year + 1
    if not 2000 <= year <= 2100:
        raise Http404
    days = calendar_year(year)
    form = CalendarYearForm(request.POST or None, initial={
        "holidays": year_text(days, CalendarDay.Kind.HOLIDAY),
        "workdays": year_text(days, CalendarDay.Kind.WORKDAY)})
    if request.method == "POST" and form.is_valid():
        try:
            off, on = calendar_year_set(year=year, holidays=form.cleaned_data["holidays"],
                                        workdays_text=form.cleaned_data["workdays"],
                                        by=request.user)
        except WorkflowError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _(
                "%(year)d saved: %(off)d public holidays and %(on)d make-up working days; "
                "due dates from now on count them.") % {"year": year, "off": off, "on": on})
            return redirect(f"{reverse('workflow:calendar')}?year={year}")
    years = [{"year": y, "package": package_covers(y), "entered": y in entered,
              "covered": calendar_covers(y)}
             for entered in [set(calendar_years())]
             for y in range(today.year - 1, today.year + 3)]
    return render(request, "workflow/working_calendar.html", {
        "year": year, "form": form, "days": days, "years": years,
    })


# ---- duplicate agencies ------------------------------------------------------------------------

@login_required
@require_http_methods(["GET"])
def agency_suggestions(request):
    """可能重复的单位: the near matches the import found among the office's agencies, to merge
    or to keep apart. Office staff only (403); another office's suggestion answers 404."""
    if not is_office(request.user):
        raise PermissionDenied
    return render(request, "workflow/agency_suggestions.html", {
        "suggestions": list(selectors.suggestions_for_office(request.user)),
    })


@login_required
@require_POST
def agency_suggestion_decide(request, pk: int):
    suggestion = selectors.suggestion_for_office(request.user, pk)
    merged, kept = suggestion.agency.name, suggestion.candidate.name
    if request.POST.get("decision") == "merge":
        moved = agencies_merge(suggestion=suggestion)
        messages.success(request, _("%(merged)s merged into %(kept)s: %(moved)s") % {
            "merged": merged, "kept": kept, "moved": merge_summary(moved)})
    else:
        suggestion_reject(suggestion=suggestion)
        messages.success(request, _("%(merged)s and %(kept)s are kept as two agencies.") % {
            "merged": merged, "kept": kept})
    return redirect("workflow:agency-suggestions")
