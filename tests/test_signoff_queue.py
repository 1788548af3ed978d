"""The agency head is told when a report awaits sign-off, and has a 待审签 list of them."""
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import StaffProfile
from notifications.models import Notification, OutboxMessage
from tasks.models import TaskAgency
from tests.cast import build_cast, person
from workflow import selectors, services
from workflow.models import Assignment, ProgressReport

pytestmark = [pytest.mark.django_db]

Role = StaffProfile.Role


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _send_for_signoff(cast):
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "已完成调研。"})
    return services.report_submit(report=report, by=cast.lead)


def _with_emails(*users):
    for user in users:
        user.email = f"{user.username}@example.gov.cn"
        user.save()


def test_the_head_is_notified_when_a_report_awaits_sign_off():
    cast = build_cast(requires_signoff=True)
    _with_emails(cast.lead, cast.head)
    report = _send_for_signoff(cast)
    assert report.state == ProgressReport.State.AWAITING_SIGNOFF
    notices = Notification.objects.filter(url=reverse("workflow:task", args=[cast.task.pk]))
    assert list(notices.values_list("recipient", flat=True)) == [cast.head.pk]
    emails = OutboxMessage.objects.filter(kind="signoff_requested")
    assert [e.to_email for e in emails] == ["head@example.gov.cn"]
    assert cast.period.label in emails[0].body_text
    assert cast.task.content[:20] in emails[0].subject


def test_nobody_is_asked_to_sign_off_when_the_plan_does_not_require_it():
    cast = build_cast()
    _with_emails(cast.lead, cast.head)
    assert _send_for_signoff(cast).state == ProgressReport.State.SUBMITTED
    assert not OutboxMessage.objects.filter(kind="signoff_requested").exists()


def test_the_head_lists_the_reports_awaiting_sign_off():
    cast = build_cast(requires_signoff=True)
    report = _send_for_signoff(cast)
    client = _client(cast.head)
    home = client.get(reverse("workflow:my-tasks")).content.decode()
    assert reverse("workflow:signoff-queue") in home  # the nav links it for heads
    page = client.get(reverse("workflow:signoff-queue"))
    assert page.status_code == 200
    assert [r.pk for r in page.context["reports"]] == [report.pk]
    services.report_sign_off(report=report, by=cast.head)
    page = client.get(reverse("workflow:signoff-queue"))
    assert page.context["reports"] == []  # signed off: nothing left to do


def test_a_head_of_another_agency_does_not_see_it():
    cast = build_cast(requires_signoff=True)
    _send_for_signoff(cast)
    other = person("other-head", "市工业和能源局", Role.HEAD)
    page = _client(other).get(reverse("workflow:signoff-queue"))
    assert page.status_code == 200 and page.context["reports"] == []
    assert not selectors.signoff_queue(other).exists()


def test_only_heads_have_the_list():
    cast = build_cast(requires_signoff=True)
    _send_for_signoff(cast)
    url = reverse("workflow:signoff-queue")
    assert _client(cast.lead).get(url).status_code == 403
    assert _client(cast.office).get(url).status_code == 403
    assert reverse("workflow:signoff-queue") not in \
        _client(cast.lead).get(reverse("workflow:my-tasks")).content.decode()
    assert Client().get(url).status_code == 302  # to the login page


def test_the_list_costs_the_same_queries_however_many_reports_wait():
    cast = build_cast(requires_signoff=True)
    led = [a.task for a in Assignment.objects.filter(
        agency=cast.head.profile.agency, role=TaskAgency.Role.LEAD, active=True)
        .select_related("task").order_by("task__order")]
    assert len(led) == 3  # 市农业农村局 leads three tasks of seed 001

    def send(task):
        report = services.report_save(task=task, period=cast.period, by=cast.lead,
                                      data={"progress": "已完成调研。"})
        services.report_submit(report=report, by=cast.lead)

    client = _client(cast.head)
    url = reverse("workflow:signoff-queue")
    send(led[0])
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        assert len(client.get(url).context["reports"]) == 1
    for task in led[1:]:
        send(task)
    with CaptureQueriesContext(connection) as three:
        assert len(client.get(url).context["reports"]) == 3
    assert len(three) == len(one)
