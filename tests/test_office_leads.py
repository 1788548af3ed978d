"""待明确牵头单位: the office names the lead and supporting agencies of a draft plan's tasks from
the plan's pages (no admin), through the service the importer's links come from; then the plan
dispatches. Only the plan's office: agencies and other offices get 404, a leader 403."""
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Agency, AgencyAlias, StaffProfile
from tasks.models import Plan, Task, TaskAgency
from tasks.services import plan_import, task_sync_needs_lead
from tests.cast import OFFICE, person
from tests.seeds import seed_bytes, seed_path
from workflow.services import plan_dispatch

pytestmark = pytest.mark.django_db

Role = StaffProfile.Role
LEAD, SUPPORTING = TaskAgency.Role.LEAD, TaskAgency.Role.SUPPORTING


def _unlead(tasks) -> list[Task]:
    for task in tasks:
        TaskAgency.objects.filter(task=task, role=LEAD).delete()
        task_sync_needs_lead(task=task)
    return list(tasks)


@pytest.fixture
def plan():
    return plan_import(data=seed_bytes("001"), source_name=seed_path("001").name).plan


@pytest.fixture
def leaderless(plan):
    """Three tasks of seed 001 (which names every lead) that also have supporting agencies,
    with their leads taken away."""
    tasks = (Task.objects.filter(plan=plan, agency_links__role=SUPPORTING).distinct()
             .order_by("order")[:3])
    return _unlead(tasks)


@pytest.fixture
def office():
    client = Client()
    client.force_login(person("office", OFFICE, Role.OFFICE_STAFF))
    return client


def _url(plan):
    return reverse("plans:leads", args=[plan.pk])


def test_the_page_lists_only_the_tasks_without_a_lead_with_their_supporting_agencies(
        plan, leaderless, office):
    response = office.get(_url(plan))
    assert response.status_code == 200
    listed = [item.task.pk for item in response.context["items"]]
    assert listed == [t.pk for t in leaderless]
    first = response.context["items"][0]
    expected = set(TaskAgency.objects.filter(task=leaderless[0], role=SUPPORTING)
                   .values_list("agency__name", flat=True))
    assert expected and {a.name for a in first.supporting} == expected
    # the autocomplete offers the known agencies, locally (a <datalist>)
    body = response.content.decode()
    assert '<datalist id="agency-names">' in body and "市农业农村局" in body
    assert 'list="agency-names"' in body


def test_the_plan_page_links_its_refusal_to_the_page(plan, leaderless, office):
    page = office.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert 'id="needs-lead-notice"' in page and _url(plan) in page
    response = office.post(reverse("workflow:dispatch", args=[plan.pk]), follow=True)
    assert Plan.objects.get(pk=plan.pk).state == Plan.State.DRAFT
    assert _url(plan) in response.content.decode()


def test_setting_a_lead_for_the_selected_tasks_lets_the_plan_dispatch(plan, leaderless, office):
    agriculture = Agency.objects.get(name="市农业农村局")
    response = office.post(_url(plan), {
        "task": [t.pk for t in leaderless], "lead": "市农业农村局", "supporting": ""})
    assert response.status_code == 302
    for task in leaderless:
        assert Task.objects.get(pk=task.pk).needs_lead is False
        assert list(TaskAgency.objects.filter(task=task, role=LEAD)
                    .values_list("agency", flat=True)) == [agriculture.pk]
    # nothing left: back to the plan page, which dispatches
    assert response.url == reverse("plans:detail", args=[plan.pk])
    outcome = plan_dispatch(plan=plan, by=person("director", OFFICE, Role.OFFICE_DIRECTOR),
                            without_periods=True)
    assert outcome.assignments > 0


def test_only_the_selected_tasks_change_and_supporting_agencies_are_added(
        plan, leaderless, office):
    first, second, third = leaderless
    office.post(_url(plan), {"task": [first.pk], "lead": "市财政局",
                             "supporting": "市农业农村局、市商务局"})
    roles = dict(TaskAgency.objects.filter(task=first).values_list("agency__name", "role"))
    assert roles["市财政局"] == LEAD
    assert roles["市农业农村局"] == SUPPORTING and roles["市商务局"] == SUPPORTING
    assert Task.objects.get(pk=second.pk).needs_lead and Task.objects.get(pk=third.pk).needs_lead
    assert [i.task.pk for i in office.get(_url(plan)).context["items"]] == [second.pk, third.pk]


def test_a_supporting_agency_named_lead_becomes_the_lead(plan, leaderless, office):
    task = leaderless[0]
    link = TaskAgency.objects.filter(task=task, role=SUPPORTING).first()
    assert link is not None
    office.post(_url(plan), {"task": [task.pk], "lead": link.agency.name})
    link.refresh_from_db()
    assert link.role == LEAD
    assert TaskAgency.objects.filter(task=task, agency=link.agency).count() == 1


def test_a_known_alias_resolves_as_on_import(plan, leaderless, office):
    agriculture = Agency.objects.get(name="市农业农村局")
    AgencyAlias.objects.create(name="农业农村局(测试)", agency=agriculture, key="农业农村局(测试)")
    office.post(_url(plan), {"task": [leaderless[0].pk], "lead": "农业农村局(测试)"})
    assert TaskAgency.objects.get(task=leaderless[0], role=LEAD).agency == agriculture


def test_an_unknown_name_is_refused_and_nothing_is_written(plan, leaderless, office):
    before = TaskAgency.objects.count()
    response = office.post(_url(plan), {"task": [t.pk for t in leaderless],
                                        "lead": "市农业农村局", "supporting": "市不存在局"},
                           follow=True)
    assert "市不存在局" in response.content.decode()
    assert TaskAgency.objects.count() == before
    assert all(Task.objects.get(pk=t.pk).needs_lead for t in leaderless)
    assert not Agency.objects.filter(name="市不存在局").exists()


def test_no_task_selected_is_refused(plan, leaderless, office):
    before = TaskAgency.objects.count()
    office.post(_url(plan), {"lead": "市农业农村局"})
    assert TaskAgency.objects.count() == before


def test_a_task_of_another_plan_is_not_touched(plan, leaderless, office):
    other = plan_import(data=seed_bytes("003"), source_name=seed_path("003").name).plan
    foreign = _unlead(Task.objects.filter(plan=other)[:1])[0]
    office.post(_url(plan), {"task": [foreign.pk], "lead": "市农业农村局"})
    assert Task.objects.get(pk=foreign.pk).needs_lead is True


def test_a_dispatched_plan_is_refused(plan, office):
    plan_dispatch(plan=plan, by=person("director", OFFICE, Role.OFFICE_DIRECTOR),
                  without_periods=True)
    task = _unlead(Task.objects.filter(plan=plan)[:1])[0]
    office.post(_url(plan), {"task": [task.pk], "lead": "市农业农村局"})
    assert not TaskAgency.objects.filter(task=task, role=LEAD).exists()


def test_access_agencies_and_other_offices_404_a_leader_403_anonymous_to_login(plan, leaderless):
    cases = [
        (person("reporter", "市农业农村局", Role.REPORTER), 404),
        (person("elsewhere", "某县人民政府", Role.OFFICE_STAFF), 404),
        (person("leader", "市人民政府", Role.LEADER), 403),
    ]
    for user, status in cases:
        client = Client()
        client.force_login(user)
        assert client.get(_url(plan)).status_code == status
        assert client.post(_url(plan), {"task": [leaderless[0].pk],
                                        "lead": "市农业农村局"}).status_code == status
    assert Task.objects.get(pk=leaderless[0].pk).needs_lead is True
    assert Client().get(_url(plan)).status_code == 302


def test_the_post_needs_a_csrf_token(plan, leaderless):
    client = Client(enforce_csrf_checks=True)
    client.force_login(person("office", OFFICE, Role.OFFICE_STAFF))
    response = client.post(_url(plan), {"task": [leaderless[0].pk], "lead": "市农业农村局"})
    assert response.status_code == 403
    assert Task.objects.get(pk=leaderless[0].pk).needs_lead is True


def test_the_page_runs_the_same_queries_for_3_or_20_tasks(plan, leaderless, office):
    with CaptureQueriesContext(connection) as few:
        assert office.get(_url(plan)).status_code == 200
    _unlead(Task.objects.filter(plan=plan).exclude(pk__in=[t.pk for t in leaderless])
            .order_by("order")[:17])
    with CaptureQueriesContext(connection) as many:
        response = office.get(_url(plan))
    assert len(response.context["items"]) == 20
    assert len(many) == len(few)
