"""Filters of the supervision task list (django-filter), over one plan's tasks.

The light and report-state filters read the lights of the chosen period (workflow.lights),
computed once for the whole plan, so filtering costs the same few queries at any size.
"""
from __future__ import annotations

import django_filters
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from tasks.models import Section, Task, TaskAgency

from .lights import LIGHT_CHOICES, REPORT_STATE_LABELS
from .models import Assignment, ReportingPeriod

ROLE_CHOICES = TaskAgency.Role.choices


class TaskFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"), method="filter_q")
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
    light = django_filters.ChoiceFilter(label=_("Light"), choices=LIGHT_CHOICES,
                                        method="filter_light")
    report_state = django_filters.ChoiceFilter(
        label=_("Report state"), choices=list(REPORT_STATE_LABELS.items()),
        method="filter_report_state")
    escalation_level = django_filters.NumberFilter(label=_("Escalation level"), min_value=0)

    class Meta:
        model = Task
        fields = ["q", "section", "agency", "role", "state", "period", "light", "report_state",
                  "escalation_level"]

    def __init__(self, data=None, queryset=None, *, plan, lights=None, **kwargs):
        super().__init__(data, queryset, **kwargs)
        self.plan = plan
        self.lights = lights or {}
        fields = self.form.fields
        fields["section"].queryset = Section.objects.filter(plan=plan).order_by("order")
        fields["agency"].queryset = Agency.objects.filter(
            assignments__task__plan=plan, assignments__active=True).distinct().order_by("name")
        fields["period"].queryset = ReportingPeriod.objects.filter(plan=plan).order_by("starts_on")

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

    def filter_light(self, queryset, name, value):
        return queryset.filter(pk__in=[pk for pk, x in self.lights.items() if x.light == value])

    def filter_report_state(self, queryset, name, value):
        return queryset.filter(
            pk__in=[pk for pk, x in self.lights.items() if x.report_state == value])
