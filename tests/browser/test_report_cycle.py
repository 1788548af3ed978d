"""An agency reporter and the office go through report → return → resubmit → verify in a
real browser, on seed 001 dispatched."""
import pytest

from tests.cast import build_cast
from workflow.models import IndicatorValue, ProgressReport

pytestmark = pytest.mark.django_db(transaction=True)


def test_report_return_resubmit_verify(login, live_server, shoot):
    cast = build_cast()
    cast.task.indicators.add(cast.plan.indicators.get(seq=3))  # 地理标志数, reported once
    task_url = f"{live_server.url}/tasks/{cast.task.pk}/"
    agency = login("lead")
    assert "/my/" in agency.url  # a reporter lands on 我的任务
    shoot(agency, "01-my-tasks")
    agency.goto(task_url)
    agency.fill("textarea[name=progress]", "已组织成员单位开展地理标志协同运用。")
    agency.check("input[name=completion][value=completed]")
    agency.locator("input[name^=indicator_]").fill("12")
    shoot(agency, "02-report-form")
    agency.click("#report-submit")
    agency.wait_for_load_state()
    report = ProgressReport.objects.get(task=cast.task, period=cast.period)
    assert report.state == "submitted"

    office = login("office")
    office.goto(f"{live_server.url}/review/")
    shoot(office, "03-review-queue")
    office.fill(f"#return-reason-{report.pk}", "请补充协同运用的具体品牌")
    office.click(f"form[action$='/reports/{report.pk}/return/'] button")
    office.wait_for_load_state()
    report.refresh_from_db()
    assert (report.state, report.return_reason) == ("returned", "请补充协同运用的具体品牌")

    agency.goto(task_url)
    assert "请补充协同运用的具体品牌" in agency.inner_text("main")
    agency.fill("textarea[name=progress]", "已开展地理标志协同运用,培育“遵义红”等品牌。")
    agency.click("#report-submit")
    agency.wait_for_load_state()
    report.refresh_from_db()
    assert report.state == "submitted"

    office.goto(f"{live_server.url}/review/")
    office.click(f"form[action$='/reports/{report.pk}/verify/'] button")
    office.wait_for_load_state()
    report.refresh_from_db()
    cast.task.refresh_from_db()
    assert (report.state, cast.task.state) == ("verified", "verified")
    office.goto(task_url)
    shoot(office, "04-task-verified")
    timeline = office.inner_text("main")
    assert timeline.count("→") >= 6  # four report transitions and two task transitions
    assert IndicatorValue.objects.get(period=cast.period).value == 12
