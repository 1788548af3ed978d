"""The site's front door: where each role starts."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from agencies.permissions import Role, is_leader, is_office, profile_of
from tasks.selectors import plans_readable_by


@login_required
@require_GET
def home(request):
    """Office staff and leaders start at the dashboard (at the plans while they have none to
    read, so the office can import its first); an agency's staff at its tasks."""
    profile = profile_of(request.user)
    if is_office(request.user) or is_leader(request.user):
        if plans_readable_by(request.user).exists():
            return redirect("supervision:office")
        return redirect("plans:list")
    if profile is not None and profile.role in (Role.REPORTER, Role.HEAD):
        return redirect("workflow:my-tasks")
    return render(request, "tasks/portal_pending.html")
