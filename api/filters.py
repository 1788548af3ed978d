"""The lists' filters (django-filter): by plan, state, agency and period where they apply.
Numbers, not model choices: a filter never says whether another agency's object exists."""
import django_filters as df

from tasks.models import Plan, Task, TaskAgency
from workflow.models import ProgressReport


class SectionFilter(df.FilterSet):
    plan = df.NumberFilter(field_name="plan_id")


class TaskFilter(df.FilterSet):
    plan = df.NumberFilter(field_name="plan_id")
    section = df.NumberFilter(field_name="section_id")
    state = df.ChoiceFilter(choices=Task.State.choices)
    agency = df.NumberFilter(field_name="agency_links__agency_id", distinct=True,
                             label="Agency (lead or supporting)")


class PlanFilter(df.FilterSet):
    state = df.ChoiceFilter(choices=Plan.State.choices)


class IndicatorFilter(df.FilterSet):
    plan = df.NumberFilter(field_name="plan_id")
    task = df.NumberFilter(field_name="tasks__id", distinct=True)


class IndicatorValueFilter(df.FilterSet):
    plan = df.NumberFilter(field_name="indicator__plan_id")
    indicator = df.NumberFilter(field_name="indicator_id")
    period = df.NumberFilter(field_name="period_id")
    agency = df.NumberFilter(field_name="agency_id")


class PeriodFilter(df.FilterSet):
    plan = df.NumberFilter(field_name="plan_id")
    closed = df.BooleanFilter(field_name="closed_at", lookup_expr="isnull", exclude=True)


class AssignmentFilter(df.FilterSet):
    plan = df.NumberFilter(field_name="task__plan_id")
    task = df.NumberFilter(field_name="task_id")
    agency = df.NumberFilter(field_name="agency_id")
    role = df.ChoiceFilter(choices=TaskAgency.Role.choices)
    active = df.BooleanFilter()


class ReportFilter(df.FilterSet):
    plan = df.NumberFilter(field_name="task__plan_id")
    task = df.NumberFilter(field_name="task_id")
    period = df.NumberFilter(field_name="period_id")
    agency = df.NumberFilter(field_name="agency_id")
    state = df.ChoiceFilter(choices=ProgressReport.State.choices)


class ContributionFilter(df.FilterSet):
    plan = df.NumberFilter(field_name="task__plan_id")
    task = df.NumberFilter(field_name="task_id")
    period = df.NumberFilter(field_name="period_id")
    agency = df.NumberFilter(field_name="agency_id")
    submitted = df.BooleanFilter(field_name="submitted_at", lookup_expr="isnull", exclude=True)


class AttachmentFilter(df.FilterSet):
    report = df.NumberFilter(field_name="report_id")
    contribution = df.NumberFilter(field_name="contribution_id")


class NotificationFilter(df.FilterSet):
    unread = df.BooleanFilter(field_name="read_at", lookup_expr="isnull")
