"""立项 in a real browser (issue 16 §2): the office registers a leader's 批示 as an item that
reports once by its deadline, dispatches it; the lead agency finds it in 我的任务, reports and
submits; the office verifies from the review queue; the dashboard filtered by source counts it."""
from datetime import timedelta

import pytest
from django.utils import timezone

from agencies.models import StaffProfile
from tasks.models import Task
from tests.cast import OFFICE, person
from workflow.models import ProgressReport

pytestmark = pytest.mark.django_db(transaction=True)
Role = StaffProfile.Role
LEAD = "市农业农村局"
TITLE = "落实市长批示：整治农贸市场周边交通秩序"


def test_an_item_runs_through_its_period(login, live_server):
    person("office", OFFICE, Role.OFFICE_STAFF)
    person("lead", LEAD, Role.REPORTER)
    deadline = timezone.localdate() + timedelta(days=30)

    office = login("office")
    office.goto(f"{live_server.url}/items/new/")
    office.select_option("select[name=kind]", "instruction")
    office.fill("textarea[name=title]", TITLE)
    office.fill("input[name=doc_number]", "市长批示〔2026〕12号")
    office.fill("input[name=asked_by]", "王市长")
    office.fill("input[name=lead]", LEAD)
    office.check("input[name=rhythm][value=once]")
    office.fill("input[name=deadline_on]", deadline.isoformat())
    office.click("#item-register")
    office.wait_for_load_state()
    task = Task.objects.get(content=TITLE)
    assert f"/plans/{task.plan_id}/" in office.url
    office.click("#dispatch-form button")
    office.wait_for_load_state()
    office.click("#dispatch-confirm")
    office.wait_for_load_state()
    task.plan.refresh_from_db()
    assert task.plan.state == "dispatched"

    agency = login("lead")
    assert TITLE[:10] in agency.inner_text("main")  # 我的任务
    agency.goto(f"{live_server.url}/tasks/{task.pk}/")
    assert "市长批示〔2026〕12号" in agency.inner_text("#item-source")
    agency.fill("textarea[name=progress]", "已完成整治，交通秩序明显好转。")
    agency.check("input[name=completion][value=completed]")
    agency.click("#report-submit")
    agency.wait_for_load_state()
    report = ProgressReport.objects.get(task=task)
    assert report.state == "submitted" and report.period.due_on == deadline

    office.goto(f"{live_server.url}/review/")
    office.click(f"#verify-{report.pk}")
    office.wait_for_load_state()
    office.click("#verify-confirm")
    office.wait_for_load_state()
    task.refresh_from_db()
    assert task.state == "verified"
    office.goto(f"{live_server.url}/supervision/dashboard/?source=instruction")
    row = office.inner_text(f"#plan-{task.plan_id}")
    assert task.plan.title in row
