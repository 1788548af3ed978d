"""An agency reporter and the office run one report through a whole cycle in a real browser,
on seed 001 dispatched: draft with an indicator value → attachment → submit → return with a
reason → revise and resubmit → verify; the plan dashboard's counts and the indicator's
progress follow each step."""
import pytest

from tests.cast import build_cast
from workflow.models import IndicatorValue, ProgressReport

pytestmark = pytest.mark.django_db(transaction=True)

RETURN_REASON = "请补充协同运用的具体品牌"
# The PDF signature is what the upload check reads; the rest is an ordinary small file.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _figures(page, dashboard_url: str, indicator_pk: int) -> dict:
    """What the plan dashboard shows for the report states, lights and one indicator."""
    page.goto(dashboard_url)
    row = f"#indicator-{indicator_pk}"
    return {
        "verified": page.inner_text("#report-state-verified"),
        "submitted": page.inner_text("#report-state-submitted"),
        "returned": page.inner_text("#report-state-returned"),
        "green": page.inner_text("#light-green"),
        "task verified": page.inner_text("#task-state-verified"),
        "latest": page.inner_text(f"{row} td:nth-of-type(3)").split()[0],
        "reached": page.inner_text(f"{row} td:nth-of-type(4)"),
        "unverified badge": page.locator(f"{row} .badge--warn").count(),
    }


def test_report_attach_return_resubmit_verify_moves_the_dashboard(login, live_server, shoot,
                                                                   tmp_path):
    cast = build_cast()  # the period is due in 2099: a report sent now is on time
    indicator = cast.plan.indicators.get(seq=3)  # 地理标志数: 80 件 by the end of the term
    cast.task.indicators.add(indicator)
    task_url = f"{live_server.url}/tasks/{cast.task.pk}/"
    dashboard_url = f"{live_server.url}/supervision/plans/{cast.plan.pk}/dashboard/"
    office = login("office")
    before = _figures(office, dashboard_url, indicator.pk)
    assert before == {"verified": "0", "submitted": "0", "returned": "0", "green": "0",
                      "task verified": "0", "latest": "—", "reached": "—",
                      "unverified badge": 0}

    agency = login("lead")
    assert "/my/" in agency.url  # a reporter lands on 我的任务
    shoot(agency, "agency-01-my-tasks")
    agency.click(f"a[href^='/tasks/{cast.task.pk}/']")
    agency.wait_for_load_state()
    agency.fill("textarea[name=progress]", "已组织成员单位开展地理标志协同运用。")
    agency.check("input[name=completion][value=completed]")
    agency.locator("input[name^=indicator_]").fill("12")
    shoot(agency, "agency-02-report-form", centre="#report-indicators")
    agency.click("#report-save")
    agency.wait_for_load_state()
    attachment = tmp_path / "协同运用情况.pdf"
    attachment.write_bytes(PDF)
    agency.set_input_files("#report-upload-file", str(attachment))
    agency.click("#report-upload button[type=submit]")
    agency.wait_for_load_state()
    assert "协同运用情况.pdf" in agency.inner_text("ul.attachments")
    shoot(agency, "agency-03-attachment", centre="#report-upload")
    agency.click("#report-submit")
    agency.wait_for_load_state()
    report = ProgressReport.objects.get(task=cast.task, period=cast.period)
    assert report.state == "submitted"
    assert [a.name for a in report.attachments.all()] == ["协同运用情况.pdf"]
    submitted = _figures(office, dashboard_url, indicator.pk)
    assert (submitted["submitted"], submitted["green"], submitted["latest"],
            submitted["unverified badge"]) == ("1", "1", "12", 1)

    office.goto(f"{live_server.url}/review/")
    shoot(office, "office-06-review-queue")
    office.click(f"a[href$='/reports/{report.pk}/']")
    office.wait_for_load_state()
    with office.expect_download() as download:
        office.click("main a.filename")
    assert download.value.suggested_filename == "协同运用情况.pdf"
    assert open(download.value.path(), "rb").read() == PDF
    office.goto(f"{live_server.url}/review/")
    office.fill(f"#return-reason-{report.pk}", RETURN_REASON)
    office.click(f"form[action$='/reports/{report.pk}/return/'] button")
    office.wait_for_load_state()
    report.refresh_from_db()
    assert (report.state, report.return_reason) == ("returned", RETURN_REASON)
    returned = _figures(office, dashboard_url, indicator.pk)
    assert (returned["returned"], returned["submitted"], returned["green"]) == ("1", "0", "0")

    agency.goto(task_url)
    assert RETURN_REASON in agency.inner_text("#return-reason")
    shoot(agency, "agency-04-returned")
    agency.fill("textarea[name=progress]", "已开展地理标志协同运用,培育“遵义红”等品牌。")
    agency.click("#report-submit")
    agency.wait_for_load_state()
    report.refresh_from_db()
    assert report.state == "submitted"

    office.goto(f"{live_server.url}/review/")
    office.click(f"#verify-{report.pk}")
    office.wait_for_load_state()
    office.click("#verify-confirm")
    office.wait_for_load_state()
    report.refresh_from_db()
    cast.task.refresh_from_db()
    assert (report.state, cast.task.state) == ("verified", "verified")
    office.goto(task_url)
    shoot(office, "office-07-task-verified")
    timeline = office.inner_text("main")
    assert timeline.count("→") >= 6  # four report transitions and two task transitions
    assert IndicatorValue.objects.get(period=cast.period).value == 12

    after = _figures(office, dashboard_url, indicator.pk)
    # 12 of 80 件 (no baseline): 15% of the target reached
    assert after == {"verified": "1", "submitted": "0", "returned": "0", "green": "1",
                     "task verified": "1", "latest": "12", "reached": "15.0",
                     "unverified badge": 0}
    shoot(office, "office-08-dashboard-after-verify", centre=f"#indicator-{indicator.pk}")


def test_uploading_a_file_keeps_and_saves_what_was_typed(login, live_server, tmp_path):
    """Issue 11 §2: the lead types a report (nothing saved yet), then uploads a file: the page
    comes back with the file attached and every field as typed, and the draft holds them."""
    cast = build_cast()
    agency = login("lead")
    agency.goto(f"{live_server.url}/tasks/{cast.task.pk}/")
    assert not ProgressReport.objects.filter(task=cast.task).exists()
    agency.fill("#report-progress", "已完成地理标志产品保护培训两场。")
    agency.check("input[name=completion][value=completed]")
    agency.fill("#report-problems", "基层人手不足。")
    agency.fill("#report-next-steps", "下月开展执法检查。")
    attachment = tmp_path / "培训签到表.pdf"
    attachment.write_bytes(PDF)
    agency.set_input_files("#report-upload-file", str(attachment))
    agency.click("#report-upload button[type=submit]")
    agency.wait_for_load_state()

    assert "培训签到表.pdf" in agency.inner_text("#report-upload ul.attachments")
    assert agency.input_value("#report-progress") == "已完成地理标志产品保护培训两场。"
    assert agency.input_value("#report-problems") == "基层人手不足。"
    assert agency.input_value("#report-next-steps") == "下月开展执法检查。"
    assert agency.is_checked("input[name=completion][value=completed]")
    report = ProgressReport.objects.get(task=cast.task, period=cast.period)
    assert (report.state, report.progress, report.problems, report.next_steps,
            report.completion) == ("draft", "已完成地理标志产品保护培训两场。", "基层人手不足。",
                                   "下月开展执法检查。", "completed")
    assert [a.name for a in report.attachments.all()] == ["培训签到表.pdf"]

    # Typed again after a save, then a second file: the new text is kept too.
    agency.fill("#report-progress", "已完成培训三场。")
    agency.set_input_files("#report-upload-file", str(attachment))
    agency.click("#report-upload button[type=submit]")
    agency.wait_for_load_state()
    assert agency.input_value("#report-progress") == "已完成培训三场。"
    report.refresh_from_db()
    assert (report.progress, report.attachments.count()) == ("已完成培训三场。", 2)
