"""The user's in-app notifications."""
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from .models import Notification

PAGE = 100


@login_required
@require_GET
def notification_list(request):
    notes = list(Notification.objects.filter(recipient=request.user)[:PAGE])
    unread = [n.pk for n in notes if n.read_at is None]
    # Seen is read: the list shows which were new, and the header count drops.
    Notification.objects.filter(pk__in=unread).update(read_at=timezone.now())
    return render(request, "notifications/list.html", {"notes": notes, "unread": set(unread)})
