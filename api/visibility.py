"""What an API caller may read: one scoped queryset per kind of object, each delegating to the
selectors and permissions the pages use (tasks.selectors, workflow.selectors,
agencies.permissions). Every API view takes its objects from here, lists and single objects
alike, so another agency's object answers 404 exactly as on the pages.

The one rule on report content lives in `_report_content()`: a report not yet sent out of the
lead agency (workflow.views.agency.UNSENT: a draft, or awaiting the head's sign-off) is read only
by its lead agency (who may report on the task); the office and leaders read it once it is
sent. Contributions, attachments and indicator values follow from it. When a shared visibility
module replaces the pages' rule, this is the one place to point at it.
"""
from __future__ import annotations

from django.db.models import Q, QuerySet
from guardian.shortcuts import get_objects_for_user

from agencies.models import Agency
from agencies.permissions import may_read_plans, profile_of
from notifications.models import Notification
from tasks.models import Indicator, Plan, Section, Task
from tasks.selectors import plans_readable_by, tasks_visible_to
from workflow.models import (
    Assignment,
    Attachment,
    Contribution,
    IndicatorValue,
    ProgressReport,
    ReportingPeriod,
)
from workflow.views.agency import UNSENT  # the pages' rule: not yet sent out of the lead agency


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


def _report_content(user) -> Q:
    """THE rule on who reads a report: sent out of the lead agency, or the user reports on
    the task (its lead agency's reporters and head)."""
    reporting = get_objects_for_user(user, "tasks.report_task", klass=Task,
                                     accept_global_perms=False)
    return ~Q(state__in=UNSENT) | Q(task__in=_pks(reporting))


def reports_for(user) -> QuerySet[ProgressReport]:
    return ProgressReport.objects.filter(task__in=_pks(tasks_for(user))).filter(
        _report_content(user))


def contributions_for(user) -> QuerySet[Contribution]:
    """Submitted material of the tasks the user sees, and the user's agency's own drafts (the
    task page's rule)."""
    profile = profile_of(user)
    own = Q(agency_id=profile.agency_id) if profile is not None else Q(pk__in=[])
    return Contribution.objects.filter(task__in=_pks(tasks_for(user))).filter(
        Q(submitted_at__isnull=False) | own)


def attachments_for(user) -> QuerySet[Attachment]:
    """Files of the reports and contributions the user may read."""
    return Attachment.objects.filter(Q(report__in=_pks(reports_for(user)))
                                     | Q(contribution__in=_pks(contributions_for(user))))


def indicator_values_for(user) -> QuerySet[IndicatorValue]:
    """Values of the indicators the user sees (the task page and the dashboard show them)."""
    return IndicatorValue.objects.filter(indicator__in=_pks(indicators_for(user)))


def notifications_for(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user)
