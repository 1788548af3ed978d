"""Who may do what: the roles' predicates and the object permissions behind them, in one place.

Roles are StaffProfile.Role (re-exported here as Role). Object permissions are django-guardian
permissions held by one group per agency and role; a user's groups follow their StaffProfile
(staff_sync), so a new colleague gets the agency's permissions at once:

    agency:<id>:staff    reporters and heads   report_task / contribute_task on assigned tasks
    agency:<id>:heads    heads                 signoff_task on tasks the agency leads
    agency:<id>:office   office staff/director supervise_plan on plans the agency hosts
    agency:<id>:leaders  leaders               lead_plan on plans whose leading group has them

Permissions are named by their codename strings ("tasks.supervise_plan"), so this module
imports no other app's models: every app may use it.
"""
from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404
from guardian.models import GroupObjectPermission
from guardian.shortcuts import remove_perm

from .models import StaffProfile, person_name  # noqa: F401  (the rule lives with the model)

Role = StaffProfile.Role
PREFIX = "agency:"
ROLE_GROUPS = {
    Role.REPORTER: ["staff"],
    Role.HEAD: ["staff", "heads"],
    Role.OFFICE_STAFF: ["office"],
    Role.OFFICE_DIRECTOR: ["office"],
    Role.LEADER: ["leaders"],
}
SUPERVISE_PLAN, LEAD_PLAN = "tasks.supervise_plan", "tasks.lead_plan"
REPORT_TASK, SIGNOFF_TASK, CONTRIBUTE_TASK = (
    "tasks.report_task", "tasks.signoff_task", "tasks.contribute_task")


# ---- predicates -------------------------------------------------------------------------------

def profile_of(user) -> StaffProfile | None:
    if not user.is_authenticated:
        return None
    try:
        return user.profile
    except ObjectDoesNotExist:
        return None


def is_office(user) -> bool:
    """Office staff and directors (StaffProfile role), and Django staff or superusers."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    profile = profile_of(user)
    return profile is not None and profile.is_office


def is_leader(user) -> bool:
    """Leaders (领导) read the plans whose leading group has them; they change nothing."""
    profile = profile_of(user)
    return profile is not None and profile.role == Role.LEADER


def may_read_plans(user) -> bool:
    """The plan list is for the office and leaders; the list itself is scoped per plan."""
    return is_office(user) or is_leader(user)


def may_supervise(plan, user) -> bool:
    """Office staff of the plan's office (object permission granted at import)."""
    return user.has_perm(SUPERVISE_PLAN, plan)


def is_office_director(user) -> bool:
    """The office director (办公室主任): reopens closed reporting periods, instructs."""
    profile = profile_of(user)
    return profile is not None and profile.role == Role.OFFICE_DIRECTOR


def is_head(user) -> bool:
    """An agency head (单位负责人): signs off the agency's reports when the plan asks for it."""
    profile = profile_of(user)
    return profile is not None and profile.role == Role.HEAD


def may_instruct(user, plan) -> bool:
    """领导批示: leaders of the plan, and the director of the plan's office."""
    if not user.is_authenticated or plan is None:
        return False
    if user.has_perm(LEAD_PLAN, plan):
        return True
    profile = profile_of(user)
    return (profile is not None and profile.role == Role.OFFICE_DIRECTOR
            and user.has_perm(SUPERVISE_PLAN, plan))


def plans_reader_required(view_func):
    """Log in first; then anyone but the office and leaders gets 403."""

    @wraps(view_func)
    def wrapped(request, *args, **kwargs):
        if not may_read_plans(request.user):
            raise PermissionDenied
        return view_func(request, *args, **kwargs)

    return login_required(wrapped)


def office_required(view=None, *, hide: bool = False):
    """Log in first; then an outsider gets 403, or 404 with hide=True (an object page
    should not reveal that the object exists)."""

    def decorator(view_func):
        @wraps(view_func)
        def wrapped(request, *args, **kwargs):
            if not is_office(request.user):
                if hide:
                    raise Http404
                raise PermissionDenied
            return view_func(request, *args, **kwargs)

        return login_required(wrapped)

    return decorator(view) if view is not None else decorator


# ---- groups and grants ------------------------------------------------------------------------

def group_for(agency_id: int, kind: str) -> Group:
    group, _ = Group.objects.get_or_create(name=f"{PREFIX}{agency_id}:{kind}")
    return group


def _groups(keys: set[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """The groups (agency id, kind) → group id, created when missing; three queries."""
    names = {f"{PREFIX}{agency}:{kind}": (agency, kind) for agency, kind in keys}
    existing = dict(Group.objects.filter(name__in=names).values_list("name", "pk"))
    missing = [Group(name=n) for n in names if n not in existing]
    if missing:
        Group.objects.bulk_create(missing, ignore_conflicts=True)
        existing = dict(Group.objects.filter(name__in=names).values_list("name", "pk"))
    return {names[n]: pk for n, pk in existing.items()}


def _permission(perm: str) -> Permission:
    app_label, codename = perm.split(".")
    return Permission.objects.select_related("content_type").get(
        content_type__app_label=app_label, codename=codename)


def grant(rows: list[tuple[str, int, str, object]]) -> None:
    """Grant many object permissions at once: rows of (perm, agency id, group kind, object).

    One bulk insert (existing grants are left alone), where guardian's assign_perm costs a
    few queries per group and object."""
    if not rows:
        return
    groups = _groups({(agency, kind) for _, agency, kind, _ in rows})
    perms = {perm: _permission(perm) for perm in {row[0] for row in rows}}
    objects = []
    for perm, agency, kind, obj in rows:
        permission = perms[perm]
        objects.append(GroupObjectPermission(
            permission=permission, content_type=permission.content_type,
            object_pk=str(obj.pk), group_id=groups[(agency, kind)]))
    GroupObjectPermission.objects.bulk_create(objects, ignore_conflicts=True)


def staff_sync(profile: StaffProfile) -> None:
    """Put the user in exactly the groups of their agency and role."""
    user = profile.user
    user.groups.remove(*user.groups.filter(name__startswith=PREFIX))
    user.groups.add(*[group_for(profile.agency_id, kind) for kind in ROLE_GROUPS[profile.role]])


def plan_grant(plan) -> None:
    """The office supervises the plan; leaders of its leading group's agencies may read it."""
    rows = []
    if plan.office_agency_id:
        rows += [(SUPERVISE_PLAN, plan.office_agency_id, "office", plan),
                 (LEAD_PLAN, plan.office_agency_id, "leaders", plan)]
    group = getattr(plan, "leading_group", None)
    if group is not None:
        members = set(group.members.exclude(agency=None).values_list("agency", flat=True))
        rows += [(LEAD_PLAN, agency_id, "leaders", plan) for agency_id in members]
    grant(rows)


def assignment_rows(assignment) -> list[tuple[str, int, str, object]]:
    """The grants an assignment carries: report and sign-off for a lead, contribute else."""
    agency, task = assignment.agency_id, assignment.task
    if assignment.role == "lead":
        return [(REPORT_TASK, agency, "staff", task), (SIGNOFF_TASK, agency, "heads", task)]
    return [(CONTRIBUTE_TASK, agency, "staff", task)]


def assignments_grant(assignments) -> None:
    grant([row for a in assignments for row in assignment_rows(a)])


def assignment_revoke(assignment) -> None:
    for perm, agency, kind, task in assignment_rows(assignment):
        remove_perm(perm, group_for(agency, kind), task)

