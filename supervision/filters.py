"""Filters of the supervision task list (django-filter), over one plan's or several plans'
tasks.

The light, report-state and owed filters read the reports due of the chosen period (each
plan's current one when none is chosen) from the obligations ledger, computed once for all the
listed plans, so filtering costs the same few queries at any size and a filtered count equals
the dashboard's count for that period and light.
"""
from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from tasks.models import Plan, Section, Task, TaskAgency
from workflow.levels import level_names
from workflow.models import Assignment, ReportingPeriod
from workflow.obligations import LIGHT_CHOICES, REPORT_STATE_LABELS

ROLE_CHOICES = TaskAgency.Role.choices
OWED_CHOICES = [("yes", _("Owes a report")), ("no", _("Owes no report"))]


class TaskFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q")
    source = django_filters.ChoiceFilter(label=_("Source"), choices=Plan.Source.choices,
                                         field_name="plan__source_kind")
    plan = django_filters.ModelChoiceFilter(label=_("Plan"), queryset=Plan.objects.none())
    section = django_filters.ModelChoiceFilter(
        label=_("Section"), queryset=Section.objects.none(), method="filter_section")
    agency = django_filters.ModelChoiceFilter(
        label=_("Agency"), queryset=Agency.objects.none(), method="filter_agency")
    role = django_filters.ChoiceFilter(
        label=_("As"), choices=ROLE_CHOICES, method="filter_noop",
        empty_label=_("Lead or supporting"))
    state = django_filters.ChoiceFilter(label=_("Task state"), choices=Task.State.choices)
    period = django_filters.ModelChoiceFilter(
        label=_("Period"), queryset=ReportingPeriod.objects.none(), method="filter_noop",
        empty_label=_("Current period"))
    owed = django_filters.ChoiceFilter(label=_("Report owed"), choices=OWED_CHOICES,
                                       method="filter_owed")
    light = django_filters.ChoiceFilter(label=_("Light"), choices=LIGHT_CHOICES,
                                        method="filter_light")
    report_state = django_filters.ChoiceFilter(
        label=_("Report state"), choices=list(REPORT_STATE_LABELS.items()),
        method="filter_report_state")
    escalation_level = django_filters.ChoiceFilter(label=_("Escalation level"), choices=[])

    class Meta:
        model = Task
        fields = ["q", "source", "plan", "section", "agency", "role", "state", "period", "owed",
                  "light", "report_state", "escalation_level"]

    def __init__(self, data=None, queryset=None, *, plans, items=None, levels=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        plan_ids = [p.pk for p in plans]
        self.items = items or {}  # task id → its ReportDue in the period shown
        fields = self.form.fields
        if len(plans) == 1:
            del fields["plan"]
        else:
            fields["plan"].queryset = Plan.objects.filter(pk__in=plan_ids).order_by("title")
            del fields["period"]  # each plan shows its current period
        fields["section"].queryset = Section.objects.filter(
            plan_id__in=plan_ids).order_by("plan_id", "order")
        fields["agency"].queryset = Agency.objects.filter(
            assignments__task__plan_id__in=plan_ids, assignments__active=True
        ).distinct().order_by("name")
        # Levels by name: the plan's ladder (提醒 → 催办 → 督办 → 通报), the default one for many.
        ladder = (levels or level_names(plan_ids)).ladder()
        fields["escalation_level"].choices = [("", "---------"), ("0", _("Not escalated"))] + [
            (str(order), name) for order, name in sorted(ladder.items())]
        if "period" in fields:
            fields["period"].queryset = ReportingPeriod.objects.filter(
                plan_id__in=plan_ids).order_by("starts_on")

    def filter_noop(self, queryset, name, value):
        return queryset  # read by the view (period) or by filter_agency (role)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(content__icontains=value) | Q(source_ref__icontains=value)
                               | Q(section__title__icontains=value))

    def filter_section(self, queryset, name, value):
        """The section and the sections under it (three levels deep at most)."""
        return queryset.filter(Q(section=value) | Q(section__parent=value)
                               | Q(section__parent__parent=value))

    def filter_agency(self, queryset, name, value):
        live = Assignment.objects.filter(task=OuterRef("pk"), agency=value, active=True)
        role = self.form.cleaned_data.get("role")
        if role:
            live = live.filter(role=role)
        return queryset.filter(Exists(live))

    def filter_owed(self, queryset, name, value):
        if value == "yes":
            return queryset.filter(pk__in=list(self.items))
        return queryset.exclude(pk__in=list(self.items))

    def filter_light(self, queryset, name, value):
        return queryset.filter(pk__in=[pk for pk, i in self.items.items() if i.light == value])

    def filter_report_state(self, queryset, name, value):
        return queryset.filter(
            pk__in=[pk for pk, i in self.items.items() if i.report_state == value])
