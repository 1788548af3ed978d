"""我的任务 on a phone 390 px wide (issue 11 §3): each task a card whose report state and
action button show without sideways scrolling — neither the page nor a table region scrolls."""
from datetime import date

import pytest
from django.urls import reverse

from tests.cast import build_cast
from workflow import services

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.dates]

PHONE = {"width": 390, "height": 844}


def test_my_tasks_shows_each_rows_state_and_button_on_a_390px_phone(login, live_server, shoot):
    cast = build_cast(due_on=date(2000, 1, 10))  # every report overdue: red badges
    first = cast.task
    report = services.report_save(task=first, period=cast.period, by=cast.lead,
                                  data={"progress": "已组织开展协同运用。"})
    services.report_return(report=services.report_submit(report=report, by=cast.lead),
                           by=cast.office, reason="请补充具体品牌。")
    page = login("lead", viewport=PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page.goto(f"{live_server.url}{reverse('workflow:my-tasks')}")
    page.wait_for_load_state("load")

    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    rows = page.locator("#task-list tbody tr")
    assert rows.count() == 3
    for i in range(rows.count()):
        row = rows.nth(i)
        for part in ("td.row-state .badge", "td.row-action .button"):
            element = row.locator(part).first
            element.scroll_into_view_if_needed()
            assert element.is_visible(), (i, part)
            box = element.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (i, part, box)
            if "button" in part:
                assert box["height"] >= 24 and box["width"] >= 24  # a touch target
        # the table is not scrolled sideways inside its region either
        wrap = page.locator(".table-wrap").first
        assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth + 1"), "the cards scroll"
    # the returned report comes first, its button opens the report form
    first_row = rows.first
    assert "已退回" in first_row.locator("td.row-state").inner_text()
    button = first_row.locator("td.row-action .button")
    assert button.inner_text() == "填写报告"
    assert button.get_attribute("href").endswith(f"?period={cast.period.pk}#report")
    assert "逾期" in rows.nth(1).locator("td.row-state").inner_text()
    # unacknowledged tasks offer 签收 on the card too
    ack = first_row.locator("td.row-ack button")
    if ack.count():
        box = ack.bounding_box()
        assert box["x"] + box["width"] <= PHONE["width"]
    shoot(page, "phone-04-my-tasks-cards")

    with page.expect_navigation():
        button.tap()
    assert page.url.endswith("#report")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
