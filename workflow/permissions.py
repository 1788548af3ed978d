"""Object permissions (django-guardian), granted to one group per agency and role.

A user's groups follow their StaffProfile (staff_sync), so a new colleague gets the agency's
permissions at once, and revoking an assignment is one row per group. Groups:

    agency:<id>:staff    reporters and heads   report_task / contribute_task on assigned tasks
    agency:<id>:heads    heads                 signoff_task on tasks the agency leads
    agency:<id>:office   office staff/director supervise_plan on plans the agency hosts
    agency:<id>:leaders  leaders               lead_plan on plans whose leading group has them
"""
from __future__ import annotations

from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm, remove_perm

from agencies.models import StaffProfile

Role = StaffProfile.Role
PREFIX = "agency:"
ROLE_GROUPS = {
    Role.REPORTER: ["staff"],
    Role.HEAD: ["staff", "heads"],
    Role.OFFICE_STAFF: ["office"],
    Role.OFFICE_DIRECTOR: ["office"],
    Role.LEADER: ["leaders"],
}


def group_for(agency_id: int, kind: str) -> Group:
    group, _ = Group.objects.get_or_create(name=f"{PREFIX}{agency_id}:{kind}")
    return group


def staff_sync(profile: StaffProfile) -> None:
    """Put the user in exactly the groups of their agency and role."""
    user = profile.user
    user.groups.remove(*user.groups.filter(name__startswith=PREFIX))
    user.groups.add(*[group_for(profile.agency_id, kind) for kind in ROLE_GROUPS[profile.role]])


def plan_grant(plan) -> None:
    """The office supervises the plan; leaders of its leading group's agencies may read it."""
    if plan.office_agency_id:
        assign_perm("tasks.supervise_plan", group_for(plan.office_agency_id, "office"), plan)
        assign_perm("tasks.lead_plan", group_for(plan.office_agency_id, "leaders"), plan)
    group = getattr(plan, "leading_group", None)
    if group is not None:
        for agency_id in set(group.members.exclude(agency=None).values_list("agency", flat=True)):
            assign_perm("tasks.lead_plan", group_for(agency_id, "leaders"), plan)


def assignment_grant(assignment) -> None:
    staff = group_for(assignment.agency_id, "staff")
    if assignment.role == "lead":
        assign_perm("tasks.report_task", staff, assignment.task)
        assign_perm("tasks.signoff_task", group_for(assignment.agency_id, "heads"), assignment.task)
    else:
        assign_perm("tasks.contribute_task", staff, assignment.task)


def assignment_revoke(assignment) -> None:
    staff = group_for(assignment.agency_id, "staff")
    if assignment.role == "lead":
        remove_perm("tasks.report_task", staff, assignment.task)
        remove_perm("tasks.signoff_task", group_for(assignment.agency_id, "heads"),
                    assignment.task)
    else:
        remove_perm("tasks.contribute_task", staff, assignment.task)
