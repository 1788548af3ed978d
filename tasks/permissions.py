"""Who may see the plan pages. Which plans: workflow.selectors.plans_readable_by (object
permissions); what a user may do on one: may_supervise (tasks.models) and may_instruct."""
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404


def is_office(user) -> bool:
    """Office staff and directors (StaffProfile role), and Django staff or superusers."""
    if not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    try:
        return user.profile.is_office
    except ObjectDoesNotExist:
        return False


def is_leader(user) -> bool:
    """Leaders (领导) read the plans whose leading group has them; they change nothing."""
    if not user.is_authenticated:
        return False
    profile = getattr(user, "profile", None)
    return profile is not None and profile.role == "leader"


def may_read_plans(user) -> bool:
    """The plan list is for the office and leaders; the list itself is scoped per plan."""
    return is_office(user) or is_leader(user)


def may_instruct(user, plan) -> bool:
    """领导批示: leaders of the plan, and the director of the plan's office.

    The same rule as workflow.services.instruction_create, for pages to offer the form."""
    if not user.is_authenticated or plan is None:
        return False
    if user.has_perm("tasks.lead_plan", plan):
        return True
    profile = getattr(user, "profile", None)
    return (profile is not None and profile.role == "office_director"
            and user.has_perm("tasks.supervise_plan", plan))


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
