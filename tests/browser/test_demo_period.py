"""A whole reporting period on the demo data (`manage.py load_demo`), run from the dashboard in
a real browser: everything is yellow (due in three working days); an agency reports; the office
verifies from the review queue linked on the dashboard, generates the period's bulletin and
closes the period; a leader reads the dashboard and downloads the bulletin, and can act on
nothing but instructions."""
import docx
import openpyxl
import pytest
from django.core.management import call_command

from tasks.models import Plan
from workflow.management.commands.load_demo import DEMO_USERS
from workflow.models import Assignment, ProgressReport, ReportingPeriod

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORDS = {username: password for username, password, *_ in DEMO_USERS}


def _demo_login(login, username):
    return login(username, PASSWORDS[username])


def test_a_whole_period_on_the_demo_data(login, live_server, shoot, tmp_path):
    call_command("load_demo", stdout=open(tmp_path / "load_demo.txt", "w"))
    plan = Plan.objects.get()
    period = ReportingPeriod.objects.get(plan=plan)
    owed = Assignment.objects.filter(task__plan=plan, role="lead", active=True) \
        .values("task").distinct().count()
    dashboard_url = f"{live_server.url}/supervision/plans/{plan.pk}/dashboard/"

    office = _demo_login(login, "office")
    office.goto(dashboard_url)
    assert (office.inner_text("#light-yellow"), office.inner_text("#light-red")) == \
        (str(owed), "0")
    shoot(office, "demo-01-plan-dashboard")

    task = (Assignment.objects.filter(task__plan=plan, agency__name="市农业农村局", role="lead")
            .select_related("task").order_by("task__order").first().task)
    agency = _demo_login(login, "nongye")
    agency.click(f"main a[href^='/tasks/{task.pk}/']")
    agency.wait_for_load_state()
    agency.fill("#report-progress", "本月完成农产品地理标志培育2件。")
    agency.click("#report-submit")
    agency.wait_for_load_state()
    report = ProgressReport.objects.get(task=task, period=period)
    assert report.state == "submitted"

    office.goto(dashboard_url)
    assert office.inner_text("#light-green") == "1"  # submitted on time
    office.click("#review-link")
    office.wait_for_load_state()
    office.click(f"#verify-{report.pk}")  # the queue asks first: a confirmation page
    office.wait_for_load_state()
    report.refresh_from_db()
    assert report.state == "submitted"
    office.click("#verify-confirm")
    office.wait_for_load_state()
    report.refresh_from_db()
    assert report.state == "verified"

    office.goto(dashboard_url)
    assert (office.inner_text("#report-state-verified"), office.inner_text("#light-yellow")) \
        == ("1", str(owed - 1))
    office.click("#bulletins-link")
    office.wait_for_load_state()
    office.click("#bulletin-generate")
    office.wait_for_load_state()
    shoot(office, "office-09-bulletins")
    with office.expect_download() as download:
        office.click("#bulletins tbody tr:first-child a[href$='.xlsx/']")
    path = tmp_path / "bulletin.xlsx"
    download.value.save_as(path)
    summary = openpyxl.load_workbook(path)["概况"]
    # tasks, due, on time, late, missing, returned, verified
    assert [summary[f"B{n}"].value for n in range(6, 13)] == \
        [plan.tasks.count(), owed, 1, 0, owed - 1, 0, 1]

    office.goto(dashboard_url)
    office.click("#plan-link")
    office.wait_for_load_state()
    office.click("a[id^='close-period-']")
    office.wait_for_load_state()
    office.click("#close-confirm")
    office.wait_for_load_state()
    period.refresh_from_db()
    assert period.closed_at is not None

    leader = _demo_login(login, "leader")
    assert leader.url.endswith("/supervision/dashboard/")
    leader.click(f"#plan-{plan.pk} th a")
    leader.wait_for_load_state()
    assert leader.locator("#review-link, #overdue-link").count() == 0  # read-only
    shoot(leader, "leader-01-plan-dashboard")
    leader.click("#bulletins-link")
    leader.wait_for_load_state()
    assert leader.locator("#bulletin-generate").count() == 0
    with leader.expect_download() as download:
        leader.click("#bulletins tbody tr:first-child a[href$='.docx/']")
    path = tmp_path / "bulletin.docx"
    download.value.save_as(path)
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert f"按时报送1份，逾期报送0份，未报送{owed - 1}份" in text
    leader.goto(dashboard_url)
    leader.click("#assessment-link")
    leader.wait_for_load_state()
    assert leader.locator("#ranking-caption").count() == 1  # reads the ranking…
    assert leader.locator("form[action$='/weights/']").count() == 0  # …cannot set the weights
    leader.goto(f"{live_server.url}/tasks/{task.pk}/")
    assert leader.locator("#escalate-form").count() == 0
    assert leader.locator("form[action$='/instruct/']").count() == 1  # 批示 stays possible
