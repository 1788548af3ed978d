"""People by name and unit, never by account name (issue 11 §4): in emails, timelines, the
admin and messages. One rule: agencies.models.person_name (family name first, no space)."""
import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from agencies.models import person_name
from notifications.models import Notification, OutboxMessage
from tests.cast import OFFICE, build_cast
from workflow import selectors
from workflow.escalation import task_escalate
from workflow.models import ProgressReport
from workflow.services import instruction_create, report_return, report_save, report_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast():
    cast = build_cast()
    User.objects.filter(pk=cast.office.pk).update(last_name="王", first_name="芳")
    User.objects.filter(pk=cast.leader.pk).update(last_name="欧阳", first_name="建国")
    User.objects.filter(pk__in=[cast.lead.pk, cast.head.pk]).update(email="lead@example.cn")
    for name in ("office", "leader"):
        getattr(cast, name).refresh_from_db()
    return cast


def test_the_rule_writes_family_name_first_then_the_unit():
    user = User(username="wangfang", last_name="王", first_name="芳")
    assert person_name(user) == "王芳"
    assert person_name(User(username="nongye")) == "nongye"  # no name entered: the account
    assert person_name(None) == "督办系统"  # an action of the system itself
    assert str(user) == "王芳"  # what the admin prints for a user


def test_the_unit_follows_the_name(cast):
    assert person_name(cast.office, unit=True) == f"王芳（{OFFICE}）"


def test_an_email_names_who_returned_the_report_not_their_account(cast):
    report = report_save(task=cast.task, period=cast.period, by=cast.lead,
                         data={"progress": "推进中。", "completion": "in_progress"})
    report = report_submit(report=report, by=cast.lead)
    report_return(report=ProgressReport.objects.get(pk=report.pk), by=cast.office,
                  reason="请补充数据")
    message = OutboxMessage.objects.get(kind="report_returned", recipient=cast.lead)
    assert f"王芳（{OFFICE}）" in message.body_text and "王芳" in message.body_html
    for body in (message.body_text, message.body_html):
        assert "office" not in body.replace("/office", "")  # no account name, only links


def test_an_urge_and_an_instruction_name_their_author(cast):
    task_escalate(task=cast.task, by=cast.office, kind="urge", text="请尽快报送。")
    urge = OutboxMessage.objects.get(kind="escalation", recipient=cast.lead)
    assert "王芳" in urge.body_text
    assert "督办等级：提醒" in urge.body_text  # the level by name, one level up from none
    instruction_create(task=cast.task, by=cast.leader, text="抓紧推进。")
    note = OutboxMessage.objects.get(kind="instruction", recipient=cast.lead)
    assert "欧阳建国" in note.body_text and "leader" not in note.body_text
    assert Notification.objects.filter(recipient=cast.lead).exists()


def test_the_timeline_names_people_with_their_unit(cast, client):
    task_escalate(task=cast.task, by=cast.office, kind="urge", text="请尽快报送。")
    [entry] = [e for e in selectors.timeline(cast.task) if e["kind"] == "escalation"]
    assert entry["by"] == cast.office
    client.force_login(cast.lead)
    page = client.get(reverse("workflow:task", args=[cast.task.pk])).content.decode()
    assert f"王芳（{OFFICE}）" in page
