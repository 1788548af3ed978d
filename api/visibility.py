"""What an API caller may read: one scoped queryset per kind of object, each delegating to the
selectors and permissions the pages use (tasks.selectors, workflow.selectors,
agencies.permissions). Every API view takes its objects from here, lists and single objects
alike, so another agency's object answers 404 exactly as on the pages.

Reports, contributions, attachments and indicator values are the pages' own rule,
workflow/visibility.py (a draft is its lead agency's; a contribution its agency's, and the
lead's, the office's and leaders' once submitted; files and figures follow): nothing here
re-derives it.
"""
from __future__ import annotations

from django.db.models import Q, QuerySet

from agencies.models import Agency
from agencies.permissions import may_read_plans, profile_of
from notifications.models import Notification
from tasks.models import Indicator, Plan, Section, Task
from tasks.selectors import plans_readable_by, tasks_visible_to
from workflow import visibility
from workflow.models import (
    Assignment,
    Attachment,
    Contribution,
    IndicatorValue,
    ProgressReport,
    ReportingPeriod,
)


def _pks(queryset) -> QuerySet:
    return queryset.values("pk")


def plans_for(user) -> QuerySet[Plan]:
    """Plans read whole: by their office and their leaders (the plan pages' rule)."""
    return plans_readable_by(user)


def tasks_for(user) -> QuerySet[Task]:
    """The agency's tasks (lead or supporting) and every task of the plans read whole."""
    return tasks_visible_to(user)


def sections_for(user) -> QuerySet[Section]:
    return Section.objects.filter(Q(plan__in=_pks(plans_for(user)))
                                  | Q(pk__in=tasks_for(user).values("section")))


def indicators_for(user) -> QuerySet[Indicator]:
    """A plan's indicators for its readers; for an agency, those linked to its tasks."""
    linked = Indicator.objects.filter(tasks__in=_pks(tasks_for(user))).values("pk")
    return Indicator.objects.filter(Q(plan__in=_pks(plans_for(user))) | Q(pk__in=linked))


def periods_for(user) -> QuerySet[ReportingPeriod]:
    """The periods of the plans the user reads whole or has tasks in."""
    return ReportingPeriod.objects.filter(
        Q(plan__in=_pks(plans_for(user))) | Q(plan__in=tasks_for(user).values("plan")))


def assignments_for(user) -> QuerySet[Assignment]:
    """The assignments of the tasks the user sees (the task page lists them all)."""
    return Assignment.objects.filter(task__in=_pks(tasks_for(user)))


def agencies_for(user) -> QuerySet[Agency]:
    """The office and leaders: every agency; an agency: itself and those on its tasks."""
    if may_read_plans(user):
        return Agency.objects.all()
    profile = profile_of(user)
    own = Q(pk=profile.agency_id) if profile is not None else Q(pk__in=[])
    return Agency.objects.filter(
        own | Q(pk__in=Assignment.objects.filter(task__in=_pks(tasks_for(user)))
                .values("agency")))


def reports_for(user) -> QuerySet[ProgressReport]:
    return visibility.reports_visible_to(user)


def contributions_for(user) -> QuerySet[Contribution]:
    return visibility.contributions_visible_to(user)


def attachments_for(user) -> QuerySet[Attachment]:
    return visibility.attachments_visible_to(user)


def indicator_values_for(user) -> QuerySet[IndicatorValue]:
    return visibility.indicator_values_visible_to(user)


def notifications_for(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)
