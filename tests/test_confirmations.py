"""Confirmations that say what will happen (dispatch, closing a period, verifying from the
queue), and the director reopening a closed period with a reason.

The figures a confirmation announces are checked against what the action then really does,
counted in the test from the rows."""
from datetime import date

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_fsm_log.models import StateLog

from agencies.models import StaffProfile
from tasks.models import Plan, TaskAgency
from tasks.services import plan_import
from tests.cast import build_cast, person
from tests.seeds import seed_bytes, seed_path
from workflow import services
from workflow.errors import WorkflowError
from workflow.models import Assignment, ProgressReport, ReportingPeriod
from workflow.periods import period_close, period_reopen

pytestmark = [pytest.mark.django_db]

Role = StaffProfile.Role
LEAD = TaskAgency.Role.LEAD
OFFICE = "市市场监管局(市知识产权局)"


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _draft_plan():
    plan = plan_import(data=seed_bytes("001"), source_name=seed_path("001").name).plan
    ReportingPeriod.objects.create(plan=plan, label="第4季度", starts_on=date(2026, 10, 1),
                                   ends_on=date(2026, 12, 31), due_on=date(2099, 1, 10))
    return plan


def _submit(cast):
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "已完成年度目标。", "completion": "ongoing"})
    return services.report_submit(report=report, by=cast.lead)


# ---- dispatch --------------------------------------------------------------------------------

def test_dispatch_confirmation_announces_what_the_dispatch_creates():
    plan = _draft_plan()
    office = person("office", OFFICE, Role.OFFICE_STAFF)
    reporter = person("reporter", "市农业农村局", Role.REPORTER)
    client = _client(office)
    page = client.get(reverse("workflow:dispatch-confirm", args=[plan.pk]))
    assert page.status_code == 200
    preview = page.context["preview"]
    plan.refresh_from_db()
    assert plan.state == Plan.State.DRAFT  # the confirmation changes nothing
    assert not Assignment.objects.filter(task__plan=plan).exists()
    html = page.content.decode()
    assert f'action="{reverse("workflow:dispatch", args=[plan.pk])}"' in html

    client.post(reverse("workflow:dispatch", args=[plan.pk]))
    made = Assignment.objects.filter(task__plan=plan)
    assert preview.assignments == made.count() > 0
    assert preview.leads == made.filter(role=LEAD).count()
    assert preview.supporting == made.exclude(role=LEAD).count()
    agencies = set(made.values_list("agency_id", flat=True))
    assert preview.agencies == len(agencies)
    people = StaffProfile.objects.filter(
        agency_id__in=agencies, role__in=[Role.REPORTER, Role.HEAD], user__is_active=True).count()
    assert preview.people == people == 1  # the reporter of 市农业农村局
    assert reporter.profile.agency_id in agencies


def test_the_plan_page_asks_before_dispatching():
    plan = _draft_plan()
    office = person("office", OFFICE, Role.OFFICE_STAFF)
    html = _client(office).get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert reverse("workflow:dispatch-confirm", args=[plan.pk]) in html
    assert f'method="post" action="{reverse("workflow:dispatch", args=[plan.pk])}"' not in html


def test_dispatch_confirmation_follows_the_office_pages_access_rules():
    plan = _draft_plan()
    url = reverse("workflow:dispatch-confirm", args=[plan.pk])
    stranger = person("stranger", "某县人民政府", Role.OFFICE_STAFF)
    assert _client(stranger).get(url).status_code == 404
    assert _client(person("reporter", "市农业农村局", Role.REPORTER)).get(url).status_code == 404
    office = person("office", OFFICE, Role.OFFICE_STAFF)
    services.plan_dispatch(plan=plan, by=office)
    leader = person("leader", "市人民政府", Role.LEADER)
    assert _client(leader).get(url).status_code == 403
    # Once dispatched, the confirmation sends back to the plan.
    assert _client(office).get(url).status_code == 302


def test_dispatch_confirmation_rejects_post():
    plan = _draft_plan()
    office = person("office", OFFICE, Role.OFFICE_STAFF)
    response = _client(office).post(reverse("workflow:dispatch-confirm", args=[plan.pk]))
    assert response.status_code == 405
    assert not Assignment.objects.filter(task__plan=plan).exists()


# ---- closing a period ------------------------------------------------------------------------

def test_close_confirmation_counts_the_missing_reports():
    cast = build_cast()
    _submit(cast)
    client = _client(cast.office)
    page = client.get(reverse("workflow:period-close-confirm", args=[cast.period.pk]))
    assert page.status_code == 200
    cast.period.refresh_from_db()
    assert cast.period.closed_at is None  # the confirmation closes nothing
    led = set(Assignment.objects.filter(task__plan=cast.plan, role=LEAD)
              .values_list("task_id", flat=True))
    submitted = set(ProgressReport.objects.filter(period=cast.period, state="submitted")
                    .values_list("task_id", flat=True))
    assert submitted == {cast.task.pk}
    missing = page.context["missing"]
    assert len(missing) == len(led - submitted) > 0
    assert cast.task.pk not in {row["task"].pk for row in missing}

    client.post(reverse("workflow:period-close", args=[cast.period.pk]))
    cast.period.refresh_from_db()
    assert cast.period.closed_at is not None
    log = StateLog.objects.for_(cast.period).get()
    assert (log.transition, log.by) == ("close", cast.office)


def test_the_plan_page_asks_before_closing():
    cast = build_cast()
    html = _client(cast.office).get(reverse("plans:detail", args=[cast.plan.pk])).content.decode()
    assert reverse("workflow:period-close-confirm", args=[cast.period.pk]) in html
    assert f'action="{reverse("workflow:period-close", args=[cast.period.pk])}"' not in html


def test_close_confirmation_follows_the_office_pages_access_rules():
    cast = build_cast()
    url = reverse("workflow:period-close-confirm", args=[cast.period.pk])
    assert _client(cast.outsider).get(url).status_code == 404
    assert _client(cast.lead).get(url).status_code == 404
    assert _client(cast.leader).get(url).status_code == 403


# ---- verifying from the queue ------------------------------------------------------------------

def test_verifying_from_the_queue_asks_first():
    cast = build_cast()
    report = _submit(cast)
    client = _client(cast.office)
    queue = client.get(reverse("workflow:review")).content.decode()
    confirm_url = reverse("workflow:verify-confirm", args=[report.pk])
    assert confirm_url in queue
    assert f'action="{reverse("workflow:verify", args=[report.pk])}"' not in queue
    page = client.get(confirm_url)
    assert page.status_code == 200 and page.context["closes_task"] is False
    report.refresh_from_db()
    assert report.state == ProgressReport.State.SUBMITTED
    client.post(reverse("workflow:verify", args=[report.pk]), {"next": reverse("workflow:review")})
    report.refresh_from_db()
    assert report.state == ProgressReport.State.VERIFIED


def test_verify_confirmation_says_the_task_closes_when_the_report_claims_completion():
    cast = build_cast()
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "已完成。", "completion": "completed"})
    services.report_submit(report=report, by=cast.lead)
    page = _client(cast.office).get(reverse("workflow:verify-confirm", args=[report.pk]))
    assert page.context["closes_task"] is True


def test_verify_confirmation_follows_the_access_rules():
    cast = build_cast()
    report = _submit(cast)
    url = reverse("workflow:verify-confirm", args=[report.pk])
    assert _client(cast.outsider).get(url).status_code == 404
    assert _client(cast.leader).get(url).status_code == 403
    services.report_verify(report=report, by=cast.office)
    assert _client(cast.office).get(url).status_code == 302  # nothing left to verify


# ---- reopening a period ------------------------------------------------------------------------

def test_the_director_reopens_a_closed_period_with_a_reason():
    cast = build_cast()
    period_close(cast.period, cast.office)
    client = _client(cast.director)
    plan_page = client.get(reverse("plans:detail", args=[cast.plan.pk])).content.decode()
    url = reverse("workflow:period-reopen", args=[cast.period.pk])
    assert url in plan_page
    client.post(url, {"reason": "农业农村局报告系统故障，延期补报。"})
    cast.period.refresh_from_db()
    assert cast.period.closed_at is None
    log = StateLog.objects.for_(cast.period).order_by("pk").last()
    assert (log.transition, log.by, log.description) == (
        "reopen", cast.director, "农业农村局报告系统故障，延期补报。")
    # The reopened period takes reports again.
    assert _submit(cast).state == ProgressReport.State.SUBMITTED
    timeline = client.get(url).context["timeline"]
    assert [e.transition for e in timeline] == ["close", "reopen"]


def test_reopening_needs_a_reason():
    cast = build_cast()
    period_close(cast.period, cast.office)
    _client(cast.director).post(reverse("workflow:period-reopen", args=[cast.period.pk]),
                                {"reason": "  "})
    cast.period.refresh_from_db()
    assert cast.period.closed_at is not None
    assert not StateLog.objects.for_(cast.period).filter(transition="reopen").exists()


def test_only_the_director_may_reopen():
    cast = build_cast()
    period_close(cast.period, cast.office)
    url = reverse("workflow:period-reopen", args=[cast.period.pk])
    office = _client(cast.office)
    assert url not in office.get(reverse("plans:detail", args=[cast.plan.pk])).content.decode()
    assert office.post(url, {"reason": "想改"}).status_code == 403
    assert _client(cast.leader).post(url, {"reason": "想改"}).status_code == 403
    assert _client(cast.outsider).post(url, {"reason": "想改"}).status_code == 404
    with pytest.raises(WorkflowError):
        period_reopen(cast.period, cast.office, "想改")
    # A director of another office cannot reopen it either.
    other = person("other-director", "某县人民政府", Role.OFFICE_DIRECTOR)
    assert _client(other).post(url, {"reason": "想改"}).status_code == 404
    with pytest.raises(WorkflowError):
        period_reopen(cast.period, other, "想改")
    cast.period.refresh_from_db()
    assert cast.period.closed_at is not None


def test_the_close_confirmation_costs_the_same_queries_however_many_reports_are_in():
    cast = build_cast()
    led = [a.task for a in Assignment.objects.filter(
        agency=cast.lead.profile.agency, role=LEAD, active=True)
        .select_related("task").order_by("task__order")]
    assert len(led) == 3  # 市农业农村局 leads three tasks of seed 001

    def submit(task):
        report = services.report_save(task=task, period=cast.period, by=cast.lead,
                                      data={"progress": "已完成调研。"})
        services.report_submit(report=report, by=cast.lead)

    client = _client(cast.office)
    url = reverse("workflow:period-close-confirm", args=[cast.period.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as none_in:
        before = len(client.get(url).context["missing"])
    for task in led[:3]:
        submit(task)
    with CaptureQueriesContext(connection) as three_in:
        assert len(client.get(url).context["missing"]) == before - 3
    assert len(three_in) == len(none_in)
