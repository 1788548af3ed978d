"""立项 (issue 16 §2): items outside a plan, registered by the office into its container for the
source and year, dispatched, reported on, verified, and counted on the dashboards by source."""
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from agencies.models import StaffProfile
from supervision.dashboard import office_dashboard
from tasks.models import Plan, Task
from tests.cast import OFFICE, build_cast, person
from workflow import adhoc, services
from workflow.errors import WorkflowError
from workflow.models import Assignment, Instruction, ReportingPeriod
from workflow.obligations import ledger

pytestmark = [pytest.mark.django_db, pytest.mark.dates]
Role = StaffProfile.Role
LEAD, SUPPORTING = "市农业农村局", "市工业和能源局"


@pytest.fixture
def people():
    return {
        "office": person("office", OFFICE, Role.OFFICE_STAFF),
        "lead": person("lead", LEAD, Role.REPORTER),
        "supporting": person("supporting", SUPPORTING, Role.REPORTER),
        "outsider": person("outsider", "某县人民政府", Role.REPORTER),
    }


def register(office, *, once=True, title="落实市长批示：整治农贸市场周边交通秩序", days=30):
    today = timezone.localdate()
    return adhoc.item_register(
        by=office, kind=Plan.Source.INSTRUCTION, title=title, lead=[LEAD],
        supporting=[SUPPORTING], doc_number="市长批示〔2026〕12号", asked_by="王市长",
        deadline_on=today + timedelta(days=days), reports_once=once)


def test_it_registers_an_item_in_the_office_container_for_the_source_and_year(people):
    task = register(people["office"])
    plan = task.plan
    assert plan.source_kind == Plan.Source.INSTRUCTION and plan.is_container
    assert str(timezone.localdate().year) in plan.title and plan.state == Plan.State.DRAFT
    assert [a.name for a in task.lead_agencies()] == [LEAD]
    assert [a.name for a in task.supporting_agencies()] == [SUPPORTING]
    assert (task.doc_number, task.asked_by, task.reports_once) == (
        "市长批示〔2026〕12号", "王市长", True)
    # its own period: from today to the deadline, due on the deadline
    own = ReportingPeriod.objects.get(task=task)
    assert (own.starts_on, own.ends_on, own.due_on) == (
        timezone.localdate(), task.deadline_on, task.deadline_on)
    # the container has monthly periods; a second item goes into the same container
    assert plan.periods.filter(task=None).count() == 12
    assert register(people["office"], title="第二项").plan_id == plan.pk


def test_an_agency_or_a_leader_cannot_register_and_a_past_deadline_is_refused(people):
    with pytest.raises(WorkflowError):
        register(people["lead"])
    with pytest.raises(WorkflowError, match="deadline|时限"):
        register(people["office"], days=-1)
    with pytest.raises(WorkflowError):
        adhoc.item_register(by=people["office"], kind=Plan.Source.INSTRUCTION, title="x",
                            lead=["没有这个单位"])
    assert not Task.objects.exists()


def test_a_once_item_owes_one_report_due_on_its_deadline_and_runs_a_whole_period(people):
    office, lead = people["office"], people["lead"]
    task = register(office)
    plan = task.plan
    assert ledger(plan_ids=[plan.pk]).items == []  # not dispatched: nothing owed
    outcome = adhoc.adhoc_dispatch(plan=plan, by=office)
    plan.refresh_from_db()
    assert plan.state == Plan.State.DISPATCHED and outcome.assignments == 2
    items = ledger(plan_ids=[plan.pk], supporting=True)
    assert [(i.task_id, i.due_on) for i in items.items] == [(task.pk, task.deadline_on)]
    assert {o.role for o in items.obligations} == {"lead", "supporting"}
    own = ReportingPeriod.objects.get(task=task)
    # the container's monthly periods are not this item's
    monthly = plan.periods.filter(task=None).order_by("due_on").last()
    with pytest.raises(WorkflowError):
        services.report_save(task=task, period=monthly, by=lead, data={"progress": "x"})
    # the agency sees it in 我的任务 and reports; the office verifies; the item is 办结
    client_page = reverse("workflow:task", args=[task.pk])
    report = services.report_save(task=task, period=own, by=lead,
                                  data={"progress": "已完成整治。", "completion": "completed"})
    services.report_submit(report=report, by=lead)
    assert ledger(plan_ids=[plan.pk]).items[0].submitted
    services.report_verify(report=report, by=office)
    task.refresh_from_db()
    assert task.state == Task.State.VERIFIED and client_page


def test_a_monthly_item_owes_the_container_periods_and_items_after_dispatch_wait(people):
    office = people["office"]
    first = register(office)
    adhoc.adhoc_dispatch(plan=first.plan, by=office)
    later = register(office, once=False, title="按月报送的会议议定事项")
    assert not Assignment.objects.filter(task=later).exists()
    assert adhoc.pending_items(first.plan).get() == later
    outcome = adhoc.adhoc_dispatch(plan=first.plan, by=office)
    assert outcome.assignments == 2
    with pytest.raises(WorkflowError):  # nothing left to dispatch
        adhoc.adhoc_dispatch(plan=first.plan, by=office)
    book = ledger(plan_ids=[first.plan_id])
    mine = [i for i in book.items if i.task_id == later.pk]
    # every monthly period due from today on, and never the first item's own period
    assert mine and all(i.period.task_id is None for i in mine)
    assert all(i.period.task_id == first.pk for i in book.items if i.task_id == first.pk)


def test_the_dashboard_and_the_task_list_filter_by_source(client, people):
    office = people["office"]
    task = register(office)
    adhoc.adhoc_dispatch(plan=task.plan, by=office)
    today = timezone.localdate()
    titles = [f.plan.title for f, _links in office_dashboard(office, today)["plans"]]
    assert task.plan.title in titles
    only_items = office_dashboard(office, today, source="items")
    assert [f.plan.pk for f, _links in only_items["plans"]] == [task.plan_id]
    assert office_dashboard(office, today, source=Plan.Source.PLAN)["plans"] == []
    client.force_login(office)
    page = client.get(reverse("supervision:office"), {"source": "instruction"})
    assert page.status_code == 200 and task.plan.title in page.content.decode()
    listed = client.get(reverse("supervision:all-tasks"), {"source": "instruction"})
    assert task.content[:10] in listed.content.decode()
    listed = client.get(reverse("supervision:all-tasks"), {"source": "meeting"})
    assert task.content[:10] not in listed.content.decode()
    # the once item owes its own period: the list counts it as owing, not the month's
    monthly = register(office, once=False, title="按月报送的事项")
    adhoc.adhoc_dispatch(plan=task.plan, by=office)
    owing = client.get(reverse("supervision:all-tasks"), {"source": "instruction", "owed": "yes"})
    assert task.content[:10] in owing.content.decode()
    assert monthly.content in owing.content.decode()


def test_the_office_registers_and_dispatches_on_its_pages(client, people):
    office = people["office"]
    client.force_login(office)
    assert client.get(reverse("workflow:item-new")).status_code == 200
    deadline = timezone.localdate() + timedelta(days=20)
    response = client.post(reverse("workflow:item-new"), {
        "kind": "meeting", "title": "市政府常务会议议定：推进农村公路建设",
        "doc_number": "常务会议纪要〔2026〕5号", "asked_by": "", "lead": LEAD,
        "supporting": "", "rhythm": "once", "deadline_on": deadline.isoformat()})
    task = Task.objects.get(content__startswith="市政府常务会议议定")
    assert response.status_code == 302 and response["Location"] == reverse(
        "plans:detail", args=[task.plan_id])
    confirm = client.get(reverse("workflow:dispatch-confirm", args=[task.plan_id]))
    assert confirm.status_code == 200
    client.post(reverse("workflow:dispatch", args=[task.plan_id]))
    assert Assignment.objects.filter(task=task, agency__name=LEAD, role="lead").exists()
    # the lead agency finds it in 我的任务
    client.force_login(people["lead"])
    assert task.content[:10] in client.get(reverse("workflow:my-tasks")).content.decode()
    # once without a deadline is refused by the form
    client.force_login(office)
    response = client.post(reverse("workflow:item-new"), {
        "kind": "meeting", "title": "无期限", "lead": LEAD, "rhythm": "once"})
    assert response.status_code == 200 and not Task.objects.filter(content="无期限").exists()


def test_an_instruction_becomes_an_item_in_one_step(client):
    cast = build_cast()
    instruction = services.instruction_create(
        task=cast.task, by=cast.leader, text="请农业农村局牵头，月底前拿出整改方案。")
    client.force_login(cast.office)
    task_page = client.get(reverse("workflow:task", args=[cast.task.pk])).content.decode()
    register_url = f"{reverse('workflow:item-new')}?instruction={instruction.pk}"
    assert register_url.replace("&", "&amp;") in task_page
    form = client.get(register_url)
    assert form.status_code == 200
    initial = form.context["form"].initial
    assert initial["title"] == instruction.text and initial["kind"] == "instruction"
    assert LEAD in initial["lead"] and initial["asked_by"]
    deadline = timezone.localdate() + timedelta(days=10)
    client.post(reverse("workflow:item-new"), {
        **{k: v for k, v in initial.items() if v is not None}, "rhythm": "once",
        "deadline_on": deadline.isoformat(), "doc_number": ""})
    instruction.refresh_from_db()
    item = instruction.became_task
    assert item is not None and item.content == instruction.text
    assert item.plan.source_kind == Plan.Source.INSTRUCTION and item.asked_by
    # another office's staff cannot open the prefilled form for this instruction
    client.force_login(person("office9", "第九办公室", Role.OFFICE_STAFF))
    assert client.get(register_url).status_code == 404
    assert Instruction.objects.count() == 1
