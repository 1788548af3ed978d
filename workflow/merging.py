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
from django.utils.translation import gettext_lazy
from guardian.models import GroupObjectPermission

from agencies.models import Agency, AgencyMatchSuggestion
from agencies.permissions import PREFIX, ROLE_GROUPS, assignments_grant, group_for, staff_sync
from agencies.services import agency_merge_references
from tasks.models import TaskAgency
from tasks.services import agency_links_merge

from .figures import figures_changed
from .models import Assignment, Attachment, Contribution, IndicatorValue, ProgressReport

GROUP_KINDS = sorted({kind for kinds in ROLE_GROUPS.values() for kind in kinds})

# What a merge moved, as the office reads it (the keys of agencies_merge's counts).
MOVED_LABELS = {
    "task_links": gettext_lazy("task links"),
    "indicator_leads": gettext_lazy("indicator leads"),
    "plans_hosted": gettext_lazy("plans whose office it hosts"),
    "assignments": gettext_lazy("assignments"),
    "assignments_ended": gettext_lazy("duplicate assignments ended"),
    "reports": gettext_lazy("progress reports"),
    "indicator_values": gettext_lazy("indicator values"),
    "contributions": gettext_lazy("contributions"),
    "permissions": gettext_lazy("object permissions"),
    "leading_group_members": gettext_lazy("leading group members"),
    "leading_groups": gettext_lazy("leading groups whose office it hosts"),
    "staff": gettext_lazy("people"),
    "contacts": gettext_lazy("contacts"),
    "aliases": gettext_lazy("aliases"),
    "children": gettext_lazy("subordinate units"),
    "groups": gettext_lazy("agency groups"),
}


def merge_summary(moved: dict[str, int]) -> str:
    """'assignments 3, progress reports 2, …' for the office: only what moved."""
    said = "，".join(f"{MOVED_LABELS.get(name, name)} {count}"
                    for name, count in moved.items() if count)
    return said or "—"


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
        figures_changed()  # reports and assignments moved to the kept agency
    return moved


def _workflow_merge(merged: Agency, kept: Agency) -> dict[str, int]:
    moved = {"assignments": 0, "assignments_ended": 0}
    kept_live = {a.task_id: a for a in Assignment.objects.filter(agency=kept, active=True)}
    for assignment in Assignment.objects.filter(agency=merged):
        mine = kept_live.get(assignment.task_id) if assignment.active else None
        if mine is not None:
            # The kept agency already works on the task: one live assignment per task and
            # agency, so this one ends (its history stays, under the kept agency). A lead
            # does not become a supporting agency by the merge: the kept one takes the lead.
            if assignment.role == TaskAgency.Role.LEAD and mine.role != TaskAgency.Role.LEAD:
                mine.role = TaskAgency.Role.LEAD
                mine.save(update_fields=["role"])
                assignments_grant([mine])  # report and sign-off on the task
            assignment.active = False
            assignment.ended_at = timezone.now()
            assignment.end_reason = "merged"
            moved["assignments_ended"] += 1
        assignment.agency = kept
        assignment.save(update_fields=["agency", "active", "ended_at", "end_reason"])
        moved["assignments"] += 1
    moved["reports"] = ProgressReport.objects.filter(agency=merged).update(agency=kept)
    moved["indicator_values"] = IndicatorValue.objects.filter(agency=merged).update(agency=kept)
    moved["contributions"] = _contributions_merge(merged, kept)
    return moved


def _contributions_merge(merged: Agency, kept: Agency) -> int:
    """Material both records wrote for one task and period becomes one contribution: the kept
    agency's text followed by the merged one's, with both one's attachments; nothing is lost."""
    taken = {(c.task_id, c.period_id): c for c in Contribution.objects.filter(agency=kept)}
    count = 0
    for contribution in Contribution.objects.filter(agency=merged):
        other = taken.get((contribution.task_id, contribution.period_id))
        if other is None:
            continue
        other.text = "\n\n".join(t for t in (other.text.strip(), contribution.text.strip()) if t)
        if other.submitted_at is None and contribution.submitted_at is not None:
            other.submitted_at = contribution.submitted_at
            other.submitted_by = contribution.submitted_by
        other.save(update_fields=["text", "submitted_at", "submitted_by", "updated_at"])
        Attachment.objects.filter(contribution=contribution).update(contribution=other)
        contribution.delete()
        count += 1
    return count + Contribution.objects.filter(agency=merged).update(agency=kept)


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
