"""Reads for the notification pages."""
from django.db.models import Q
from django.utils import timezone

from workflow.models import Assignment
from workflow.selectors import plans_supervised_by

from .models import OutboxMessage


def undelivered_for_office(user):
    """Failed and deferred emails of people whose agency has a live assignment in a plan the
    user supervises; failed first, then newest."""
    State = OutboxMessage.State
    agencies = Assignment.objects.filter(
        active=True, task__plan__in=plans_supervised_by(user).values("pk")
    ).values("agency_id")
    return (OutboxMessage.objects
            .filter(Q(state=State.FAILED)
                    | Q(state=State.PENDING, next_attempt_at__gt=timezone.now()))
            .filter(recipient__profile__agency__in=agencies)
            .select_related("recipient__profile__agency")
            .order_by("state", "-created_at"))
