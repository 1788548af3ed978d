"""The user's in-app notifications, and the office's list of emails that could not be sent."""
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .models import Notification
from .selectors import undelivered_for_office

PAGE = 100


@login_required
@require_GET
def notification_list(request):
    notes = list(Notification.objects.filter(recipient=request.user)[:PAGE])
    unread = [n.pk for n in notes if n.read_at is None]
    # Seen is read: the list shows which were new, and the header count drops.
    Notification.objects.filter(pk__in=unread).update(read_at=timezone.now())
    return render(request, "notifications/list.html", {"notes": notes, "unread": set(unread)})


@login_required
@require_GET
def failed_list(request):
    """Emails that failed for good, or wait for a retry or the next day, to people of the
    agencies working on the plans this office supervises. Office staff only."""
    profile = getattr(request.user, "profile", None)
    if profile is None or not profile.is_office:
        raise PermissionDenied
    messages = list(undelivered_for_office(request.user)[:PAGE])
    return render(request, "notifications/failed.html", {"outbox": messages})
