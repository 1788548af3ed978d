from .models import Notification


def unread_count(request):
    """The unread count in the header (one COUNT on the partial index notifications_unread)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_notifications": Notification.objects.filter(recipient=user,
                                                                read_at=None).count()}
