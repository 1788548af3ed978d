"""In-app notifications, and the account pages every user has."""
import pytest
from django.urls import reverse

from notifications.models import Notification
from tests.cast import build_cast
from workflow import services

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


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


def test_a_user_changes_their_password(client):
    from django.contrib.auth.models import User

    user = User.objects.create_user("clerk", password="Old-pass-2026")
    client.force_login(user)
    page = client.get(reverse("password_change"))
    names = [t.name for t in page.templates]
    assert page.status_code == 200 and "base.html" in names and "admin/base.html" not in names
    done = client.post(reverse("password_change"), {
        "old_password": "Old-pass-2026", "new_password1": "New-pass-2026!x",
        "new_password2": "New-pass-2026!x"}, follow=True)
    assert done.status_code == 200
    user.refresh_from_db()
    assert user.check_password("New-pass-2026!x")
