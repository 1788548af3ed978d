"""Merging two records of one agency (the office confirms a near match): every reference to
the merged agency moves to the kept one, in one transaction, and the counts say what moved.

Each app moves its own references — tasks' links (tasks.services.agency_links_merge), the
workflow's assignments, reports, material, figures and permissions (here), then the agency's
own aliases, staff and groups (agencies.services.agency_merge_references) — so a merge after
dispatch loses nothing and never meets a protected reference.
"""
from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from guardian.models import GroupObjectPermission

from agencies.models import Agency, AgencyMatchSuggestion
from agencies.permissions import PREFIX, ROLE_GROUPS, group_for, staff_sync
from agencies.services import agency_merge_references
from tasks.services import agency_links_merge

from .models import Assignment, Contribution, IndicatorValue, ProgressReport

GROUP_KINDS = sorted({kind for kinds in ROLE_GROUPS.values() for kind in kinds})


def agencies_merge(*, suggestion: AgencyMatchSuggestion) -> dict[str, int]:
    """The suggestion's new agency becomes an alias of its candidate. Returns what moved."""
    merged, kept = suggestion.agency, suggestion.candidate
    with transaction.atomic():
        moved = agency_links_merge(merged=merged, kept=kept)
        moved.update(_workflow_merge(merged, kept))
        moved["permissions"] = _permissions_merge(merged, kept)
        staff = list(merged.staff.select_related("user"))
        moved.update(agency_merge_references(merged=merged, kept=kept))
        for profile in staff:
            profile.agency = kept
            staff_sync(profile)  # into the kept agency's groups
    return moved


def _workflow_merge(merged: Agency, kept: Agency) -> dict[str, int]:
    moved = {"assignments": 0, "assignments_ended": 0}
    kept_live = set(Assignment.objects.filter(agency=kept, active=True)
                    .values_list("task_id", flat=True))
    for assignment in Assignment.objects.filter(agency=merged):
        if assignment.active and assignment.task_id in kept_live:
            # The kept agency already works on the task: one live assignment per task and
            # agency, so this one ends (its history stays, under the kept agency).
            assignment.active = False
            assignment.ended_at = timezone.now()
            assignment.end_reason = "merged"
            moved["assignments_ended"] += 1
        assignment.agency = kept
        assignment.save(update_fields=["agency", "active", "ended_at", "end_reason"])
        moved["assignments"] += 1
    moved["reports"] = ProgressReport.objects.filter(agency=merged).update(agency=kept)
    moved["indicator_values"] = IndicatorValue.objects.filter(agency=merged).update(agency=kept)
    taken = set(Contribution.objects.filter(agency=kept).values_list("task_id", "period_id"))
    clashing = [c.pk for c in Contribution.objects.filter(agency=merged)
                if (c.task_id, c.period_id) in taken]
    # Material both records submitted for one task and period: the kept agency's stands.
    Contribution.objects.filter(pk__in=clashing).delete()
    moved["contributions"] = Contribution.objects.filter(agency=merged).update(agency=kept)
    return moved


def _permissions_merge(merged: Agency, kept: Agency) -> int:
    """The merged agency's object permissions, group by group, onto the kept agency's groups."""
    count = 0
    for kind in GROUP_KINDS:
        old = f"{PREFIX}{merged.pk}:{kind}"
        rows = list(GroupObjectPermission.objects.filter(group__name=old))
        if not rows:
            continue
        target = group_for(kept.pk, kind)
        GroupObjectPermission.objects.bulk_create(
            [GroupObjectPermission(permission_id=r.permission_id, content_type_id=r.content_type_id,
                                   object_pk=r.object_pk, group=target) for r in rows],
            ignore_conflicts=True)
        GroupObjectPermission.objects.filter(pk__in=[r.pk for r in rows]).delete()
        count += len(rows)
    return count
