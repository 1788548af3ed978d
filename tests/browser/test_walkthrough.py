"""Issue 11, done: one person runs seed 003 (槐荫区) from the upload to the bulletin in a real
browser, on the office's and agencies' own pages, never opening the admin.

The office imports the plan, ticking two of its 保障措施 items to track them too (they have no
responsibility note, so no lead); names their lead on the leads page; sets yearly reporting
periods; dispatches after the confirmation; registers the lead agency's reporter, who sets a
password from the emailed link and logs in. The agency acknowledges its tasks and reports on
both; the office returns one, the agency revises and resubmits it, the office verifies both,
closes the period and downloads its bulletin. Each step is photographed for docs/office.md
(`make screenshots`)."""
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import docx
import pytest
import time_machine

from agencies.models import StaffProfile
from notifications.models import OutboxMessage
from tasks.models import Plan, Task
from tests.cast import person
from tests.seeds import seed_path
from workflow.models import Assignment, ProgressReport

pytestmark = pytest.mark.django_db(transaction=True)

OFFICE = "区市场监管局"  # 槐荫区's 市场监管局 hosts the office and leads the plan's tasks
COURT = "区法院"
RETURN_REASON = "请补充审结案件的具体数量。"
# Two of 四、保障措施's items, which name no agency: the office tracks them too, led by the court.
SAFEGUARDS = ["健全区域知识产权保护体系", "全面加强知识产权宣传培训"]
PROGRESS = ["本年度审结知识产权案件12件。", "开展知识产权宣传周进企业活动3场。"]


@pytest.fixture(autouse=True)
def early_2026():
    """The plan runs 2022–2025: the office takes it on in its last year, on 2026-01-05, before
    the 2025 report falls due (an agency owes only periods due after it was assigned)."""
    moment = datetime(2026, 1, 5, 10, tzinfo=ZoneInfo("Asia/Shanghai"))
    with time_machine.travel(moment, tick=True):
        yield


def test_seed_003_from_upload_to_bulletin_without_the_admin(browser, login, live_server, shoot,
                                                            tmp_path):
    person("office", OFFICE, StaffProfile.Role.OFFICE_STAFF)
    visited = []
    office = login("office")
    office.on("framenavigated", lambda frame: visited.append(frame.url))

    # 1. Import: upload, tick two 保障措施 items (no note: no lead yet), confirm.
    office.goto(f"{live_server.url}/plans/import/")
    office.set_input_files("input[name=file]", str(seed_path("003")))
    office.click("main form button[type=submit]")
    office.wait_for_load_state()
    for item in SAFEGUARDS:
        row = office.locator(f"tr.row--left-out:has-text('{item}')")
        assert "保障措施" in row.inner_text()
        row.locator("input[name=include]").check()
    office.click("#apply")
    office.wait_for_load_state()
    shoot(office, "walk-01-import-preview", centre=f"tr:has-text('{SAFEGUARDS[0]}')")
    office.click(".confirm-form button[type=submit]")
    office.wait_for_load_state()
    plan = Plan.objects.get()
    assert plan.tasks.count() == 8
    needing = list(plan.tasks.filter(needs_lead=True).order_by("order"))
    assert [any(item in t.content for item in SAFEGUARDS) for t in needing] == [True, True]

    # 2. Leads: the plan page's refusal links the leads page; both tasks get 区法院.
    office.click("#leads-link")
    office.wait_for_load_state()
    for task in needing:
        office.check(f"#task-{task.pk}")
    office.fill("#lead", COURT)
    shoot(office, "walk-02-leads")
    office.click("#bulk button[type=submit]")
    office.wait_for_load_state()
    assert not plan.tasks.filter(needs_lead=True).exists()

    # 3. Periods: yearly, due 10 working days after each year, from 2025 (its last year) on.
    office.click("#plan-periods-link")
    office.wait_for_load_state()
    office.select_option("select[name=frequency]", "yearly")
    office.fill("input[name=due_working_days]", "10")
    office.fill("input[name=first_on]", "2025-01-01")
    shoot(office, "walk-03-periods")
    office.click("#periods-form button[type=submit]")
    office.wait_for_load_state()
    period = plan.periods.order_by("starts_on").first()
    assert [p.label for p in plan.periods.all()] == ["2025年度"]

    # 4. Dispatch, after the confirmation says what it will do.
    office.goto(f"{live_server.url}/plans/{plan.pk}/")
    office.click("#dispatch-form button")
    office.wait_for_load_state()
    announced = int(re.search(r"\d+", office.inner_text("#preview-assignments")).group())
    shoot(office, "walk-04-dispatch-confirm")
    office.click("#dispatch-confirm")
    office.wait_for_load_state()
    plan.refresh_from_db()
    assert plan.state == "dispatched"
    assert Assignment.objects.filter(task__plan=plan).count() == announced

    # 5. People: the contacts page counts the assigned agencies with nobody registered; the
    # court's reporter is added there and sets a password from the emailed link.
    office.goto(f"{live_server.url}/plans/{plan.pk}/contacts/")
    court = Task.objects.get(pk=needing[0].pk).agency_links.get(role="lead").agency
    office.click(f"#agencies-without-people a[href='/agencies/{court.pk}/people/']")
    office.wait_for_load_state()
    office.fill("input[name=name]", "王芳")
    office.fill("input[name=email]", "wangfang@example.cn")
    office.fill("input[name=phone]", "13900000002")
    office.select_option("select[name=role]", "reporter")
    office.click("#person-form button[type=submit]")
    office.wait_for_load_state()
    assert "王芳" in office.inner_text("#agency-people")
    shoot(office, "walk-05-people")

    message = OutboxMessage.objects.get(to_email="wangfang@example.cn")
    link = re.search(r"(/accounts/reset/\S+/)", message.body_text).group(1)
    context = browser.new_context(locale="zh-CN")
    newcomer = context.new_page()
    newcomer.on("framenavigated", lambda frame: visited.append(frame.url))
    newcomer.goto(f"{live_server.url}{link}")
    newcomer.fill("input[name=new_password1]", "Wangfang-duban-2026!")
    newcomer.fill("input[name=new_password2]", "Wangfang-duban-2026!")
    newcomer.click("#password-set button[type=submit]")
    newcomer.wait_for_load_state()
    assert newcomer.locator("#password-set-done").count() == 1
    context.close()

    # 6. The agency logs in, acknowledges its two tasks and reports on both.
    agency = login("wangfang@example.cn", "Wangfang-duban-2026!")
    agency.on("framenavigated", lambda frame: visited.append(frame.url))
    agency.goto(f"{live_server.url}/my/")
    for _ in needing:
        agency.locator("form[action$='/acknowledge/'] button").first.click()
        agency.wait_for_load_state()
    assert not Assignment.objects.filter(agency=court, role="lead",
                                         acknowledged_at=None).exists()
    shoot(agency, "walk-06-my-tasks")
    for n, task in enumerate(needing):
        agency.goto(f"{live_server.url}/tasks/{task.pk}/?period={period.pk}")
        agency.fill("#report-progress", PROGRESS[n])
        if n == 0:
            shoot(agency, "walk-07-report", centre="#report-form")
        agency.click("#report-submit")
        agency.wait_for_load_state()
    reports = [ProgressReport.objects.get(task=t, period=period) for t in needing]
    assert [r.state for r in reports] == ["submitted", "submitted"]

    # 7. The office returns the first with a reason; the agency revises and resubmits it.
    office.goto(f"{live_server.url}/review/")
    office.fill(f"#return-reason-{reports[0].pk}", RETURN_REASON)
    shoot(office, "walk-08-review")
    office.click(f"form[action$='/reports/{reports[0].pk}/return/'] button")
    office.wait_for_load_state()
    reports[0].refresh_from_db()
    assert reports[0].state == "returned"
    agency.goto(f"{live_server.url}/tasks/{needing[0].pk}/?period={period.pk}")
    assert RETURN_REASON in agency.inner_text("#return-reason")
    agency.fill("#report-progress", "本年度审结知识产权案件12件，其中民事案件9件、刑事案件3件。")
    agency.click("#report-submit")
    agency.wait_for_load_state()
    reports[0].refresh_from_db()
    assert reports[0].state == "submitted"

    # 8. The office verifies both from the queue, each after its confirmation.
    for report in reports:
        office.goto(f"{live_server.url}/review/")
        office.click(f"#verify-{report.pk}")
        office.wait_for_load_state()
        office.click("#verify-confirm")
        office.wait_for_load_state()
        report.refresh_from_db()
        assert report.state == "verified"

    # 9. It closes the period (the confirmation counts what is missing) …
    office.goto(f"{live_server.url}/plans/{plan.pk}/")
    office.click(f"#close-period-{period.pk}")
    office.wait_for_load_state()
    assert office.locator("main table tbody tr").count() == 6  # the office's own six tasks
    shoot(office, "walk-09-close-confirm")
    office.click("#close-confirm")
    office.wait_for_load_state()
    period.refresh_from_db()
    assert period.is_closed

    # 10. … and generates and downloads the period's bulletin.
    office.goto(f"{live_server.url}/supervision/periods/{period.pk}/bulletins/")
    office.click("#bulletin-generate")
    office.wait_for_load_state()
    shoot(office, "walk-10-bulletin")
    with office.expect_download() as download:
        office.click("#bulletins tbody tr:first-child a[href$='.docx/']")
    path = tmp_path / "bulletin.docx"
    download.value.save_as(path)
    text = "\n".join(p.text for p in docx.Document(str(path)).paragraphs)
    # The court's two reports on time, one of them returned once; the office's six missing.
    assert "按时报送2份" in text and "退回修改1份" in text and "已审核2份" in text

    # Every page either of them opened was the site's own: none of the admin.
    assert len(visited) > 30 and not [url for url in visited if "/admin/" in url]
