"""A whole reporting period on the demo data (`manage.py load_demo`), run from the dashboard in
a real browser: the past period's history is red and green, this month yellow (due in three
working days); an agency reports; the office
verifies from the review queue linked on the dashboard, generates the period's bulletin and
closes the period; a leader reads the dashboard and downloads the bulletin, and can act on
nothing but instructions."""
import docx
import openpyxl
import pytest
from django.core.management import call_command

from tasks.models import Plan, Task
from workflow.management.commands.load_demo import DEMO_USERS, OFFICE
from workflow.models import Assignment, ProgressReport, ReportingPeriod

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORDS = {username: password for username, password, *_ in DEMO_USERS}


def _demo_login(login, username):
    return login(username, PASSWORDS[username])


def _count(page, selector: str) -> int:
    return int(page.inner_text(selector))


def test_a_whole_period_on_the_demo_data(login, live_server, shoot, tmp_path):
    call_command("load_demo", stdout=open(tmp_path / "load_demo.txt", "w"))
    plan = Plan.objects.get()
    period = ReportingPeriod.objects.filter(plan=plan).order_by("starts_on").last()  # this month
    dashboard_url = f"{live_server.url}/supervision/plans/{plan.pk}/dashboard/"

    office = _demo_login(login, "office")
    office.goto(dashboard_url)
    # The history's past period is red, this month yellow, the reports already in green.
    before = {light: _count(office, f"#light-{light}") for light in ("red", "yellow", "green")}
    assert all(before.values()), before
    shoot(office, "demo-01-plan-dashboard")

    task = (Task.objects.filter(plan=plan, assignments__agency__name=OFFICE,
                                assignments__role="lead", state="assigned")
            .exclude(reports__period=period).order_by("order").first())
    agency = _demo_login(login, "shichang")
    agency.goto(f"{live_server.url}/tasks/{task.pk}/?period={period.pk}")
    agency.fill("#report-progress", "本月完成知识产权质押融资培训1场。")
    agency.click("#report-submit")
    agency.wait_for_load_state()
    report = ProgressReport.objects.get(task=task, period=period)
    assert report.state == "submitted"

    office.goto(dashboard_url)
    assert _count(office, "#light-green") == before["green"] + 1  # submitted on time
    assert _count(office, "#light-yellow") == before["yellow"] - 1
    verified_before = _count(office, "#report-state-verified")
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
    assert _count(office, "#report-state-verified") == verified_before + 1
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
    owed = Assignment.objects.filter(task__plan=plan, role="lead", active=True) \
        .values("task").distinct().count() - plan.tasks.filter(state="verified").count()
    sent = ProgressReport.objects.filter(period=period, state__in=["submitted", "verified"])
    # tasks, due, on time, late, missing, returned, verified
    assert [summary[f"B{n}"].value for n in range(6, 13)] == \
        [plan.tasks.count(), owed, sent.count(), 0, owed - sent.count(), 0, 1]

    office.goto(dashboard_url)
    office.click("#plan-link")
    office.wait_for_load_state()
    office.click(f"#close-period-{period.pk}")
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
    # The dashboard links the open period's bulletins (the past one now); this month's:
    leader.goto(f"{live_server.url}/supervision/periods/{period.pk}/bulletins/")
    assert leader.locator("#bulletin-generate").count() == 0
    with leader.expect_download() as download:
        leader.click("#bulletins tbody tr:first-child a[href$='.docx/']")
    path = tmp_path / "bulletin.docx"
    download.value.save_as(path)
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    assert f"按时报送{sent.count()}份，迟报0份，未报送{owed - sent.count()}份" in text
    leader.goto(dashboard_url)
    leader.click("#assessment-link")
    leader.wait_for_load_state()
    assert leader.locator("#ranking-caption").count() == 1  # reads the ranking…
    assert leader.locator("form[action$='/weights/']").count() == 0  # …cannot set the weights
    leader.goto(f"{live_server.url}/tasks/{task.pk}/")
    assert leader.locator("#escalate-form").count() == 0
    assert leader.locator("form[action$='/instruct/']").count() == 1  # 批示 stays possible
