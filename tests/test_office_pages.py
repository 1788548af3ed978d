"""The office's pages: review queue, report, verify/return/reopen, instructions, reassignment,
dispatch and receipts; leaders read, other offices see nothing.

Assertions read states, rows and context, not English wording.
"""
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, AgencyGroup, Contact, StaffProfile
from lib.workdays import working_days_between
from notifications.models import Notification
from tasks.models import Plan, Task, TaskAgency
from tasks.services import plan_import
from tests.seeds import seed_bytes, seed_path
from workflow import services
from workflow.models import Assignment, Instruction, ProgressReport, ReportingPeriod

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

Role = StaffProfile.Role
LEAD = TaskAgency.Role.LEAD
OFFICE_NAME = "市市场监管局(市知识产权局)"  # hosts the office of seed 001's leading group
AGRICULTURE = "市农业农村局"
QUEUE_URL = reverse("workflow:review")


def _user(username: str, agency: Agency, role: str) -> User:
    user = User.objects.create_user(username, password="not-used-here")
    services.staff_profile_save(user=user, agency=agency, role=role)
    return user


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _import(number: str, office_agency_id: int | None = None) -> Plan:
    return plan_import(data=seed_bytes(number), source_name=seed_path(number).name,
                       office_agency_id=office_agency_id).plan


class Cast:
    """Seed 001 imported (not yet dispatched) and the people around it."""

    def __init__(self):
        self.plan = _import("001")
        self.office = self.plan.office_agency
        assert self.office.name == OFFICE_NAME
        self.clerk = _user("clerk", self.office, Role.OFFICE_STAFF)
        self.director = _user("director", self.office, Role.OFFICE_DIRECTOR)
        self.leader = _user("leader", self.office, Role.LEADER)
        self.agriculture = Agency.objects.get(name=AGRICULTURE)
        self.reporter = _user("reporter", self.agriculture, Role.REPORTER)
        self.period = None
        self._reporters = {self.agriculture.pk: self.reporter}

    def dispatch(self) -> "Cast":
        today = timezone.localdate()
        self.period = ReportingPeriod.objects.create(
            plan=self.plan, label="2024Q1", starts_on=date(2024, 1, 1),
            ends_on=date(2024, 3, 31), due_on=today + timedelta(days=30),
        )
        services.plan_dispatch(plan=self.plan, by=self.clerk)
        return self

    def lead_tasks(self, agency: Agency | None = None) -> list[Task]:
        """Tasks the agency (by default: any agency) leads, in plan order."""
        assignments = Assignment.objects.filter(task__plan=self.plan, role=LEAD, active=True)
        if agency is not None:
            assignments = assignments.filter(agency=agency)
        seen, tasks = set(), []
        for assignment in assignments.select_related("task").order_by("task__order"):
            if assignment.task_id not in seen:
                seen.add(assignment.task_id)
                tasks.append(assignment.task)
        return tasks

    def reporter_for(self, task: Task) -> User:
        lead = Assignment.objects.filter(task=task, role=LEAD, active=True).first().agency
        if lead.pk not in self._reporters:
            self._reporters[lead.pk] = _user(f"reporter-{lead.pk}", lead, Role.REPORTER)
        return self._reporters[lead.pk]

    def submit(self, task: Task, completion: str = ProgressReport.Completion.COMPLETED):
        by = self.reporter_for(task)
        report = services.report_save(task=task, period=self.period, by=by, data={
            "progress": "已完成年度目标。", "completion": completion,
        })
        return services.report_submit(report=report, by=by)


@pytest.fixture
def cast() -> Cast:
    return Cast()


@pytest.fixture
def dispatched(cast) -> Cast:
    return cast.dispatch()


@pytest.fixture
def report(dispatched) -> ProgressReport:
    task = dispatched.lead_tasks(dispatched.agriculture)[0]
    return dispatched.submit(task)


@pytest.fixture
def other_office(db):
    """A second plan (seed 003, no leading group) supervised by another office."""
    other = Agency.objects.create(name="槐荫区督查室")
    plan = _import("003", office_agency_id=other.pk)
    return {"agency": other, "plan": plan, "clerk": _user("other-clerk", other, Role.OFFICE_STAFF)}


def _messages(response) -> list[str]:
    return [m.level_tag for m in response.context["messages"]]


# ---- review queue ---------------------------------------------------------------------------

def test_the_queue_lists_submitted_reports_for_the_office(dispatched, report):
    response = _client(dispatched.clerk).get(QUEUE_URL)

    assert response.status_code == 200
    assert response.context["reports"] == [report]
    html = response.content.decode()
    assert reverse("workflow:verify", args=[report.pk]) in html
    assert reverse("workflow:return", args=[report.pk]) in html
    assert AGRICULTURE in html


def test_the_queue_refuses_a_reporter_and_a_leader(dispatched, report):
    assert _client(dispatched.reporter).get(QUEUE_URL).status_code == 403
    assert _client(dispatched.leader).get(QUEUE_URL).status_code == 403


def test_the_queue_sends_anonymous_users_to_log_in(client):
    response = client.get(QUEUE_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_queue_runs_the_same_queries_for_one_and_five_reports(dispatched):
    tasks = dispatched.lead_tasks()
    assert len(tasks) >= 5
    office = _client(dispatched.clerk)
    dispatched.submit(tasks[0])
    office.get(QUEUE_URL)  # warm up the session and the content types

    counts = {}
    for more in ([], tasks[1:5]):
        for task in more:
            dispatched.submit(task)
        with CaptureQueriesContext(connection) as queries:
            response = office.get(QUEUE_URL)
        counts[len(response.context["reports"])] = len(queries)

    assert set(counts) == {1, 5}
    assert counts[1] == counts[5]


def test_the_queue_is_oldest_first(dispatched):
    first, second = dispatched.lead_tasks()[:2]
    older = dispatched.submit(second)
    newer = dispatched.submit(first)
    ProgressReport.objects.filter(pk=older.pk).update(
        submitted_at=timezone.now() - timedelta(days=2))

    response = _client(dispatched.clerk).get(QUEUE_URL)

    assert response.context["reports"] == [older, newer]


# ---- verify, return, reopen -----------------------------------------------------------------

def test_verify_from_the_queue_verifies_the_report_and_the_task(dispatched, report):
    response = _client(dispatched.clerk).post(
        reverse("workflow:verify", args=[report.pk]), {"comment": "", "next": QUEUE_URL})

    assert response.status_code == 302
    assert response["Location"] == QUEUE_URL
    report.refresh_from_db()
    assert report.state == ProgressReport.State.VERIFIED
    assert Task.objects.get(pk=report.task_id).state == Task.State.VERIFIED


def test_verifying_a_report_still_in_progress_keeps_the_task_open(dispatched):
    task = dispatched.lead_tasks(dispatched.agriculture)[0]
    report = dispatched.submit(task, ProgressReport.Completion.IN_PROGRESS)

    _client(dispatched.clerk).post(reverse("workflow:verify", args=[report.pk]))

    report.refresh_from_db()
    assert report.state == ProgressReport.State.VERIFIED
    assert Task.objects.get(pk=task.pk).state == Task.State.REPORTING


def test_verify_ignores_a_next_to_another_site(dispatched, report):
    response = _client(dispatched.clerk).post(
        reverse("workflow:verify", args=[report.pk]), {"next": "https://example.com/"})

    assert response["Location"] == reverse("workflow:report", args=[report.pk])


def test_return_without_a_reason_is_refused(dispatched, report):
    office = _client(dispatched.clerk)

    response = office.post(reverse("workflow:return", args=[report.pk]),
                           {"reason": "  ", "next": QUEUE_URL})

    assert response["Location"] == QUEUE_URL
    report.refresh_from_db()
    assert report.state == ProgressReport.State.SUBMITTED
    assert _messages(office.get(QUEUE_URL)) == ["error"]


def test_it_returns_with_a_reason_and_the_agency_resubmits(dispatched, report):
    _client(dispatched.clerk).post(reverse("workflow:return", args=[report.pk]),
                                   {"reason": "请补充数据", "next": QUEUE_URL})

    report.refresh_from_db()
    assert report.state == ProgressReport.State.RETURNED
    assert report.return_reason == "请补充数据"
    assert Notification.objects.filter(recipient=dispatched.reporter).exists()
    # The agency revises and submits again; the report is back in the queue.
    services.report_submit(report=report, by=dispatched.reporter)
    assert report.state == ProgressReport.State.SUBMITTED
    response = _client(dispatched.clerk).get(QUEUE_URL)
    assert response.context["reports"] == [report]


def test_a_stale_verify_says_so_and_changes_nothing(dispatched, report):
    office = _client(dispatched.clerk)
    office.post(reverse("workflow:return", args=[report.pk]), {"reason": "再核实"})

    response = office.post(reverse("workflow:verify", args=[report.pk]), {"next": QUEUE_URL})

    assert response["Location"] == QUEUE_URL
    report.refresh_from_db()
    assert report.state == ProgressReport.State.RETURNED
    assert _messages(office.get(QUEUE_URL)) == ["success", "error"]


def test_reopen_needs_a_reason_and_moves_the_task_back_to_reporting(dispatched, report):
    office = _client(dispatched.clerk)
    office.post(reverse("workflow:verify", args=[report.pk]))
    task = Task.objects.get(pk=report.task_id)
    assert task.state == Task.State.VERIFIED
    url = reverse("workflow:reopen", args=[task.pk])

    office.post(url, {"reason": ""})
    task.refresh_from_db()
    assert task.state == Task.State.VERIFIED

    response = office.post(url, {"reason": "发现新问题"})
    assert response["Location"] == reverse("workflow:task", args=[task.pk])
    task.refresh_from_db()
    assert task.state == Task.State.REPORTING


def test_the_report_page_shows_the_report_and_its_history(dispatched, report):
    response = _client(dispatched.clerk).get(reverse("workflow:report", args=[report.pk]))

    assert response.status_code == 200
    context = response.context
    assert context["report"] == report
    assert context["can_verify"] and context["can_return"]
    assert not context["can_instruct"]  # office staff, not the director
    assert [entry.state for entry in context["log"]] == [ProgressReport.State.SUBMITTED]
    assert [row["indicator"] for row in context["indicators"]] == list(
        report.task.indicators.all())
    html = response.content.decode()
    assert reverse("workflow:verify", args=[report.pk]) in html
    assert reverse("workflow:instruct", args=[report.task_id]) not in html


def test_the_report_page_offers_no_review_to_its_agency(dispatched, report):
    response = _client(dispatched.reporter).get(reverse("workflow:report", args=[report.pk]))

    assert response.status_code == 200
    assert not response.context["can_verify"]
    assert reverse("workflow:verify", args=[report.pk]) not in response.content.decode()


# ---- another office, leaders, POST only -----------------------------------------------------

def test_another_offices_report_and_plan_answer_404(dispatched, report, other_office):
    stranger = _client(other_office["clerk"])
    plan = dispatched.plan
    assignment = Assignment.objects.filter(task__plan=plan).first()

    assert stranger.get(reverse("workflow:report", args=[report.pk])).status_code == 404
    assert stranger.post(reverse("workflow:verify", args=[report.pk])).status_code == 404
    assert stranger.post(reverse("workflow:return", args=[report.pk]),
                         {"reason": "x"}).status_code == 404
    assert stranger.post(reverse("workflow:reopen", args=[report.task_id]),
                         {"reason": "x"}).status_code == 404
    assert stranger.post(reverse("workflow:instruct", args=[report.task_id]),
                         {"text": "x"}).status_code == 404
    assert stranger.get(reverse("workflow:reassign", args=[assignment.pk])).status_code == 404
    assert stranger.get(reverse("plans:detail", args=[plan.pk])).status_code == 404
    assert stranger.post(reverse("workflow:dispatch", args=[plan.pk])).status_code == 404
    assert stranger.get(reverse("workflow:receipts", args=[plan.pk])).status_code == 404
    # Its own queue and plan list hold only its own plan.
    assert stranger.get(QUEUE_URL).context["reports"] == []
    assert list(stranger.get(reverse("plans:list")).context["plans"]) == [other_office["plan"]]
    report.refresh_from_db()
    assert report.state == ProgressReport.State.SUBMITTED


def test_the_office_does_not_see_another_offices_plan(dispatched, other_office):
    office = _client(dispatched.clerk)
    plan = other_office["plan"]

    assert office.get(reverse("plans:detail", args=[plan.pk])).status_code == 404
    assert list(office.get(reverse("plans:list")).context["plans"]) == [dispatched.plan]


@pytest.mark.parametrize("name", ["verify", "return", "reopen", "instruct", "dispatch"])
def test_post_only_urls_reject_get(dispatched, report, name):
    pk = {"verify": report.pk, "return": report.pk, "reopen": report.task_id,
          "instruct": report.task_id, "dispatch": dispatched.plan.pk}[name]

    response = _client(dispatched.clerk).get(reverse(f"workflow:{name}", args=[pk]))

    assert response.status_code == 405


def test_a_leader_reads_the_plan_but_changes_nothing(dispatched, report):
    leader = _client(dispatched.leader)
    plan = dispatched.plan

    page = leader.get(reverse("plans:detail", args=[plan.pk]))
    assert page.status_code == 200
    assert page.context["can_supervise"] is False
    html = page.content.decode()
    assert reverse("workflow:dispatch", args=[plan.pk]) not in html
    assert reverse("workflow:receipts", args=[plan.pk]) not in html
    listing = leader.get(reverse("plans:list"))
    assert list(listing.context["plans"]) == [plan]
    assert reverse("plans:import") not in listing.content.decode()

    assert leader.post(reverse("workflow:verify", args=[report.pk])).status_code == 403
    assert leader.post(reverse("workflow:return", args=[report.pk]),
                       {"reason": "x"}).status_code == 403
    assert leader.post(reverse("workflow:dispatch", args=[plan.pk])).status_code == 403
    assert leader.get(reverse("workflow:receipts", args=[plan.pk])).status_code == 403
    report.refresh_from_db()
    assert report.state == ProgressReport.State.SUBMITTED


def test_a_reporter_cannot_act_as_the_office(dispatched, report):
    reporter = _client(dispatched.reporter)

    assert reporter.post(reverse("workflow:verify", args=[report.pk])).status_code == 403
    assert reporter.post(reverse("workflow:instruct", args=[report.task_id]),
                         {"text": "x"}).status_code == 403
    assert reporter.get(reverse("plans:list")).status_code == 403
    assert reporter.get(reverse("plans:detail", args=[dispatched.plan.pk])).status_code == 404


# ---- instructions ---------------------------------------------------------------------------

def test_a_leaders_instruction_appears_on_the_task_and_notifies_the_lead_agency(
        dispatched, report):
    task = report.task
    colleague = _user("colleague", dispatched.agriculture, Role.HEAD)
    leader = _client(dispatched.leader)

    response = leader.post(reverse("workflow:instruct", args=[task.pk]),
                           {"text": "抓紧推进", "report": str(report.pk)})

    assert response["Location"] == reverse("workflow:task", args=[task.pk])
    instruction = Instruction.objects.get()
    assert (instruction.task, instruction.report, instruction.author) == (
        task, report, dispatched.leader)
    notified = set(Notification.objects.values_list("recipient", flat=True))
    assert {dispatched.reporter.pk, colleague.pk} <= notified
    assert dispatched.leader.pk not in notified
    page = _client(dispatched.clerk).get(reverse("workflow:report", args=[report.pk]))
    assert page.context["instructions"] == [instruction]
    task_page = _client(dispatched.reporter).get(reverse("workflow:task", args=[task.pk]))
    assert "抓紧推进" in task_page.content.decode()


def test_the_director_may_instruct_and_office_staff_may_not(dispatched, report):
    url = reverse("workflow:instruct", args=[report.task_id])

    assert _client(dispatched.clerk).post(url, {"text": "x"}).status_code == 403
    _client(dispatched.director).post(url, {"text": "请牵头单位加快进度"})

    assert Instruction.objects.get().author == dispatched.director


def test_an_empty_instruction_is_refused(dispatched, report):
    _client(dispatched.leader).post(reverse("workflow:instruct", args=[report.task_id]),
                                    {"text": " "})
    assert not Instruction.objects.exists()


def test_an_instruction_on_another_tasks_report_is_404(dispatched, report):
    other_task = dispatched.lead_tasks()[-1]
    assert other_task.pk != report.task_id

    response = _client(dispatched.leader).post(
        reverse("workflow:instruct", args=[other_task.pk]), {"text": "x", "report": report.pk})

    assert response.status_code == 404
    assert not Instruction.objects.exists()


# ---- reassign -------------------------------------------------------------------------------

def test_reassign_moves_the_task_to_another_agency(dispatched):
    task = dispatched.lead_tasks(dispatched.agriculture)[0]
    old = Assignment.objects.get(task=task, agency=dispatched.agriculture, active=True)
    education = Agency.objects.create(name="市教育局")
    newcomer = _user("newcomer", education, Role.REPORTER)
    office = _client(dispatched.clerk)
    url = reverse("workflow:reassign", args=[old.pk])

    form = office.get(url, {"q": "教育"})
    assert form.status_code == 200
    assert list(form.context["form"].fields["agency"].queryset) == [education]

    response = office.post(url, {"agency": education.pk, "reason": "职能调整"})

    assert response["Location"] == reverse("workflow:task", args=[task.pk])
    old.refresh_from_db()
    assert old.active is False and old.ended_at is not None
    new = Assignment.objects.get(task=task, active=True, agency=education)
    assert new.role == LEAD
    task_url = reverse("workflow:task", args=[task.pk])
    assert _client(newcomer).get(task_url).status_code == 200
    assert _client(dispatched.reporter).get(task_url).status_code == 404


def test_reassign_without_a_reason_changes_nothing(dispatched):
    old = Assignment.objects.filter(task__plan=dispatched.plan, active=True).first()
    target = Agency.objects.create(name="市教育局")

    response = _client(dispatched.clerk).post(reverse("workflow:reassign", args=[old.pk]),
                                              {"agency": target.pk, "reason": ""})

    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    old.refresh_from_db()
    assert old.active is True


def test_an_ended_assignment_cannot_be_reassigned_again(dispatched):
    old = Assignment.objects.filter(task__plan=dispatched.plan, active=True).first()
    services.assignment_reassign(assignment=old, to_agency=Agency.objects.create(name="市教育局"),
                                 by=dispatched.clerk, reason="职能调整")

    response = _client(dispatched.clerk).get(reverse("workflow:reassign", args=[old.pk]))

    assert response["Location"] == reverse("workflow:task", args=[old.task_id])


def test_a_leader_may_not_reassign(dispatched):
    old = Assignment.objects.filter(task__plan=dispatched.plan, active=True).first()
    assert _client(dispatched.leader).get(
        reverse("workflow:reassign", args=[old.pk])).status_code == 403


# ---- dispatch and receipts ------------------------------------------------------------------

def test_dispatch_refuses_a_plan_with_tasks_needing_a_lead_and_lists_them(cast, english):
    plan = _import("000", office_agency_id=cast.office.pk)
    needing = list(plan.tasks.filter(needs_lead=True).order_by("order"))
    assert needing
    office = _client(cast.clerk)

    response = office.post(reverse("workflow:dispatch", args=[plan.pk]))

    assert response["Location"] == reverse("plans:detail", args=[plan.pk])
    plan.refresh_from_db()
    assert plan.state == Plan.State.DRAFT
    assert not Assignment.objects.filter(task__plan=plan).exists()
    page = office.get(response["Location"])
    [message] = list(page.context["messages"])
    assert message.level_tag == "error"
    for task in needing:
        assert task.content[:30] in str(message)


def test_dispatching_creates_the_assignments(cast):
    office = _client(cast.clerk)
    plan = cast.plan
    page = office.get(reverse("plans:detail", args=[plan.pk]))
    assert reverse("workflow:dispatch", args=[plan.pk]) in page.content.decode()

    response = office.post(reverse("workflow:dispatch", args=[plan.pk]),
                           {"without_periods": "1"})

    plan.refresh_from_db()
    assert plan.state == Plan.State.DISPATCHED
    count = Assignment.objects.filter(task__plan=plan).count()
    assert count >= plan.tasks.count()
    page = office.get(response["Location"])
    assert [m.level_tag for m in page.context["messages"]][0] == "success"
    html = page.content.decode()
    assert reverse("workflow:dispatch", args=[plan.pk]) not in html
    assert reverse("workflow:receipts", args=[plan.pk]) in html
    assert reverse("workflow:task", args=[plan.tasks.first().pk]) in html


def test_dispatch_warns_of_agency_groups_without_members(cast):
    plan = _import("000", office_agency_id=cast.office.pk)
    for task in plan.tasks.filter(needs_lead=True):
        TaskAgency.objects.create(task=task, agency=cast.agriculture, role=LEAD)
    plan.tasks.update(needs_lead=False)
    empty, _created = AgencyGroup.objects.get_or_create(name="各县(市、区)人民政府")
    empty.members.clear()
    task = plan.tasks.first()
    if not task.group_links.filter(group=empty).exists():
        task.group_links.create(group=empty)
    office = _client(cast.clerk)
    assert empty in office.get(reverse("plans:detail", args=[plan.pk])).context["empty_groups"]

    response = office.post(reverse("workflow:dispatch", args=[plan.pk]),
                           {"without_periods": "1"})

    page = office.get(response["Location"])
    assert [m.level_tag for m in page.context["messages"]] == ["success", "warning"]
    assert empty.name in str(list(page.context["messages"])[1])


def test_receipts_list_unacknowledged_assignments_past_the_working_days(dispatched):
    plan = dispatched.plan
    live = Assignment.objects.filter(task__plan=plan, active=True)
    late = live.filter(agency=dispatched.agriculture)
    Assignment.objects.filter(pk__in=late.values("pk")).update(
        created_at=timezone.now() - timedelta(days=14))
    acknowledged = late.first()
    services.assignment_acknowledge(assignment=acknowledged, by=dispatched.reporter)
    Contact.objects.create(agency=dispatched.agriculture, person="张三", phone="0851-1234567")

    response = _client(dispatched.clerk).get(reverse("workflow:receipts", args=[plan.pk]))

    assert response.status_code == 200
    [group] = response.context["groups"]
    assert group["agency"] == dispatched.agriculture
    shown = {a.pk for a in group["assignments"]}
    assert shown == set(late.exclude(pk=acknowledged.pk).values_list("pk", flat=True))
    assert all(a.working_days >= 9 for a in group["assignments"])
    assert [c.person for c in group["contacts"]] == ["张三"]
    assert response.context["waiting"] == live.exclude(agency=dispatched.agriculture).count()


# A fortnight without public holidays (2024-06-10 was 端午节: China's calendar, with its
# holidays and make-up days, is tested in test_periods_and_reminders.py).
@pytest.mark.parametrize(("start", "end", "days"), [
    (date(2024, 6, 17), date(2024, 6, 17), 0),  # the same Monday
    (date(2024, 6, 17), date(2024, 6, 20), 3),  # Monday → Thursday
    (date(2024, 6, 21), date(2024, 6, 24), 1),  # Friday → Monday
    (date(2024, 6, 22), date(2024, 6, 23), 0),  # Saturday → Sunday
    (date(2024, 6, 17), date(2024, 7, 1), 10),  # two weeks
    (date(2024, 6, 19), date(2024, 6, 17), 0),  # backwards
])
def test_working_days_between_counts_monday_to_friday(start, end, days):
    assert working_days_between(start, end) == days


# ---- the task page's office block -----------------------------------------------------------

def _actions(user, task, report=None, period=None) -> str:
    request = RequestFactory().get(reverse("workflow:task", args=[task.pk]))
    request.user = user
    return render_to_string("workflow/_office_actions.html", {
        "task": task, "report": report, "period": period, "user": user,
        "assignments": list(task.assignments.select_related("agency")),
    }, request=request)


def test_the_office_block_offers_review_and_reassignment_to_the_office(dispatched, report):
    task = report.task
    html = _actions(dispatched.clerk, task, report, dispatched.period)

    assert reverse("workflow:verify", args=[report.pk]) in html
    assert reverse("workflow:return", args=[report.pk]) in html
    assert reverse("workflow:reopen", args=[task.pk]) not in html  # not verified yet
    assert reverse("workflow:instruct", args=[task.pk]) not in html  # staff, not director
    for assignment in task.assignments.filter(active=True):
        assert reverse("workflow:reassign", args=[assignment.pk]) in html

    services.report_verify(report=report, by=dispatched.clerk)
    task.refresh_from_db()
    html = _actions(dispatched.director, task, report, dispatched.period)
    assert reverse("workflow:reopen", args=[task.pk]) in html
    assert reverse("workflow:verify", args=[report.pk]) not in html
    assert reverse("workflow:instruct", args=[task.pk]) in html


def test_the_office_block_gives_leaders_the_instruction_form_only(dispatched, report):
    html = _actions(dispatched.leader, report.task, report, dispatched.period)

    assert reverse("workflow:instruct", args=[report.task_id]) in html
    assert reverse("workflow:verify", args=[report.pk]) not in html
    assert "workflow:reassign" not in html and "/reassign/" not in html


def test_the_office_block_is_empty_for_agencies_and_other_offices(dispatched, report,
                                                                 other_office):
    assert _actions(dispatched.reporter, report.task, report).strip() == ""
    assert _actions(other_office["clerk"], report.task, report).strip() == ""


def test_the_task_page_carries_the_office_block(dispatched, report):
    task = report.task
    url = reverse("workflow:task", args=[task.pk])

    office = _client(dispatched.clerk).get(url, {"period": dispatched.period.pk})
    leader = _client(dispatched.leader).get(url, {"period": dispatched.period.pk})
    agency = _client(dispatched.reporter).get(url, {"period": dispatched.period.pk})

    assert office.status_code == leader.status_code == agency.status_code == 200
    lead = Assignment.objects.get(task=task, agency=dispatched.agriculture, active=True)
    reassign = reverse("workflow:reassign", args=[lead.pk])
    assert reassign in office.content.decode()
    assert reverse("workflow:verify", args=[report.pk]) in office.content.decode()
    assert reassign not in leader.content.decode()
    assert reverse("workflow:instruct", args=[task.pk]) in leader.content.decode()
    assert reassign not in agency.content.decode()
    assert reverse("workflow:instruct", args=[task.pk]) not in agency.content.decode()
