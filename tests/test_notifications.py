"""In-app notifications: a leader's instruction reaches the agency's people, once read it stops
counting."""
import pytest
from django.urls import reverse

from notifications.models import Notification
from tests.cast import build_cast
from workflow import services

pytestmark = pytest.mark.django_db


def test_an_instruction_notifies_and_the_list_marks_read(client):
    cast = build_cast()
    services.instruction_create(task=cast.task, by=cast.leader, text="请加快进度")
    note = Notification.objects.get(recipient=cast.lead)
    assert note.url == reverse("workflow:task", args=[cast.task.pk])
    assert not Notification.objects.filter(recipient=cast.outsider).exists()
    client.force_login(cast.lead)
    page = client.get(reverse("workflow:my-tasks"))
    assert page.context["unread_notifications"] == 1
    listing = client.get(reverse("notifications:list"))
    assert listing.status_code == 200 and note.pk in listing.context["unread"]
    note.refresh_from_db()
    assert note.read_at is not None
    assert client.get(reverse("workflow:my-tasks")).context["unread_notifications"] == 0


def test_others_never_see_my_notifications(client):
    cast = build_cast()
    services.instruction_create(task=cast.task, by=cast.leader, text="请加快进度")
    client.force_login(cast.outsider)
    assert list(client.get(reverse("notifications:list")).context["notes"]) == []
