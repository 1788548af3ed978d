"""协调事项 (issue 16 §3): raised by an agency on its task, assigned by the office, answered
by the agency or leader assigned, shown on the raising agency's task page, counted on the
dashboard and in the bulletin; read only by the parties."""
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document

from agencies.models import Agency, StaffProfile
from notifications.models import Notification, OutboxMessage
from supervision.bulletins import bulletin_docx, bulletin_figures
from supervision.dashboard import office_dashboard
from tests.cast import build_cast, person
from workflow import coordination
from workflow.errors import WorkflowError
from workflow.models import CoordinationMatter

pytestmark = [pytest.mark.django_db, pytest.mark.dates]
Role = StaffProfile.Role
State = CoordinationMatter.State
HELPER = "市自然资源局"


@pytest.fixture
def cast():
    cast = build_cast()
    cast.helper = person("helper", HELPER, Role.REPORTER)  # the agency asked and assigned
    for user in (cast.lead, cast.helper, cast.supporting):
        user.email = f"{user.username}@example.gov.cn"
        user.save()
    return cast


def raise_one(cast, client=None):
    helper = Agency.objects.get(name=HELPER)
    if client is None:
        return coordination.matter_raise(
            task=cast.task, by=cast.lead, text="项目用地指标不足，本单位无法解决。",
            decision_needed="请明确用地指标调剂来源。", agencies_asked=[helper],
            period=cast.period)
    client.force_login(cast.lead)
    response = client.post(reverse("workflow:coordination-raise", args=[cast.task.pk]), {
        "text": "项目用地指标不足，本单位无法解决。", "agencies": HELPER,
        "decision_needed": "请明确用地指标调剂来源。", "period": cast.period.pk})
    assert response.status_code == 302
    return CoordinationMatter.objects.get()


def test_it_is_raised_assigned_answered_and_closed(client, cast):
    matter = raise_one(cast, client)
    assert matter.state == State.OPEN and matter.raised_by_agency == cast.lead.profile.agency
    assert [a.name for a in matter.agencies_asked.all()] == [HELPER]
    # the office sees it in its list, with its age in working days
    client.force_login(cast.office)
    listed = client.get(reverse("workflow:coordination-list"))
    assert f'id="matter-{matter.pk}"' in listed.content.decode()
    client.post(reverse("workflow:coordination-assign", args=[matter.pk]), {"agency": HELPER})
    matter.refresh_from_db()
    assert matter.state == State.ASSIGNED and matter.assigned_agency.name == HELPER
    assert OutboxMessage.objects.filter(to_email="helper@example.gov.cn",
                                        kind="coordination").exists()
    # the lead cannot answer its own matter; the agency assigned can
    client.force_login(cast.lead)
    client.post(reverse("workflow:coordination-answer", args=[matter.pk]), {"answer": "自答"})
    matter.refresh_from_db()
    assert matter.state == State.ASSIGNED and not matter.answer
    client.force_login(cast.helper)
    client.post(reverse("workflow:coordination-answer", args=[matter.pk]),
                {"answer": "从市级预留指标中调剂50亩。"})
    matter.refresh_from_db()
    assert matter.state == State.ANSWERED and matter.answered_by == cast.helper
    # the raising agency is told, and reads the answer on its task page
    mail = OutboxMessage.objects.get(to_email="lead@example.gov.cn", kind="coordination")
    assert "从市级预留指标中调剂50亩" in mail.body_text
    assert Notification.objects.filter(recipient=cast.lead).exists()
    client.force_login(cast.lead)
    page = client.get(reverse("workflow:task", args=[cast.task.pk])).content.decode()
    assert "从市级预留指标中调剂50亩" in page
    # the office closes it; the timeline keeps every step
    client.force_login(cast.office)
    client.post(reverse("workflow:coordination-close", args=[matter.pk]))
    matter.refresh_from_db()
    assert matter.state == State.CLOSED and matter.closed_at is not None
    assert [e.state for e in coordination.matter_timeline(matter)] == [
        "assigned", "answered", "closed"]


def test_a_leader_can_be_assigned_and_answers(client, cast):
    matter = raise_one(cast)
    coordination.matter_assign(matter=matter, by=cast.office, person=cast.leader)
    with pytest.raises(WorkflowError):
        coordination.matter_answer(matter=matter, by=cast.helper, answer="不是我")
    coordination.matter_answer(matter=matter, by=cast.leader, answer="同意调剂。")
    matter.refresh_from_db()
    assert matter.state == State.ANSWERED and matter.answer == "同意调剂。"
    with pytest.raises(WorkflowError):  # only the office assigns; a leader is no office
        coordination.matter_assign(matter=matter, by=cast.leader, agency=cast.lead.profile.agency)


def test_only_the_parties_read_a_matter(client, cast):
    matter = raise_one(cast)
    url = reverse("workflow:coordination-matter", args=[matter.pk])
    expected = {cast.lead: 200, cast.head: 200, cast.helper: 200, cast.office: 200,
                cast.leader: 200, cast.supporting: 404, cast.outsider: 404}
    for user, status in expected.items():
        client.force_login(user)
        assert client.get(url).status_code == status, user
    # the supporting agency's task page does not list another agency's matter
    client.force_login(cast.supporting)
    page = client.get(reverse("workflow:task", args=[cast.task.pk])).content.decode()
    assert "项目用地指标不足" not in page
    # an agency not asked before assignment sees it once it is assigned to it
    other = person("other", "市财政局", Role.REPORTER)
    client.force_login(other)
    assert client.get(url).status_code == 404
    coordination.matter_assign(matter=matter, by=cast.office, agency=other.profile.agency)
    assert client.get(url).status_code == 200
    assert client.get(reverse("workflow:coordination-list")).status_code == 403


def test_an_outsider_cannot_raise_and_empty_text_is_refused(cast):
    with pytest.raises(WorkflowError):
        coordination.matter_raise(task=cast.task, by=cast.outsider, text="x",
                                  decision_needed="y")
    with pytest.raises(WorkflowError):
        coordination.matter_raise(task=cast.task, by=cast.lead, text=" ", decision_needed="y")
    assert not CoordinationMatter.objects.exists()


def test_the_dashboard_and_the_bulletin_count_open_matters_with_their_age(client, cast):
    raise_one(cast)
    today = timezone.localdate()
    figures = office_dashboard(cast.office, today)["coordination"]
    assert (figures.count, figures.waiting, figures.oldest_days) == (1, 1, 0)
    client.force_login(cast.office)
    page = client.get(reverse("supervision:office")).content.decode()
    assert 'id="coordination-open"' in page and reverse("workflow:coordination-list") in page
    rows = bulletin_figures(cast.period)["coordination"]
    assert [r["agency"] for r in rows] == [cast.lead.profile.agency.name]
    text = "\n".join(p.text for p in Document(io.BytesIO(bulletin_docx(cast.period))).paragraphs)
    assert "五、待协调事项" in text and "共有1项待协调事项" in text


def test_the_office_list_reads_in_a_constant_number_of_queries(client, cast,
                                                               django_assert_max_num_queries):
    client.force_login(cast.office)
    raise_one(cast)
    with django_assert_max_num_queries(25) as few:
        client.get(reverse("workflow:coordination-list"))
    for _ in range(5):
        raise_one(cast)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("workflow:coordination-list"))
