"""Who may see the office's pages. Object-level rules for agencies arrive with the workflow."""
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
