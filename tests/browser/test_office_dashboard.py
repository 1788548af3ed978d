"""The office's morning in a real browser: it lands on the dashboard, opens the plan, follows
the red count to the overdue list and the period's red count to the filtered task list, and
sends a 催办, which the lead agency then reads.

The period fell due on 2 November 2026 and the agencies were assigned on 1 October, so every
lead report not sent is red whatever day the suite runs; one task is verified (green).
"""
from datetime import date, datetime, time

import pytest
from django.utils import timezone

from tests.cast import build_cast
from workflow import services
from workflow.levels import level_name
from workflow.models import Assignment, Escalation

pytestmark = pytest.mark.django_db(transaction=True)

DUE = date(2026, 11, 2)
URGE_TEXT = "请于本周五前报送第4季度进展情况。"


def _dispatched_long_ago(cast):
    moment = timezone.make_aware(datetime.combine(date(2026, 10, 1), time(9)))
    Assignment.objects.filter(task__plan=cast.plan).update(created_at=moment)


def _verified_task(cast):
    """Another task led by the same agency, reported (late) and verified by the office."""
    task = (Assignment.objects.filter(task__plan=cast.plan, agency=cast.lead.profile.agency,
                                      role="lead", active=True)
            .exclude(task=cast.task).select_related("task").first().task)
    report = services.report_save(task=task, period=cast.period, by=cast.lead,
                                  data={"progress": "已完成。", "completion": "completed"})
    services.report_submit(report=report, by=cast.lead)
    services.report_verify(report=report, by=cast.office)
    return task


def test_office_follows_the_red_count_to_the_list_and_sends_an_urge(login, live_server, shoot):
    cast = build_cast(due_on=DUE)
    _dispatched_long_ago(cast)
    green_task = _verified_task(cast)
    owed = Assignment.objects.filter(task__plan=cast.plan, role="lead", active=True) \
        .values("task").distinct().count()

    office = login("office")
    assert office.url.endswith("/supervision/dashboard/")  # the office lands on the dashboard
    shoot(office, "office-01-dashboard")
    office.click(f"#plan-{cast.plan.pk} th a")
    office.wait_for_load_state()
    assert office.url.endswith(f"/supervision/plans/{cast.plan.pk}/dashboard/")
    red = int(office.inner_text("#light-red"))
    assert red == owed - 1  # all owed reports are overdue but the verified one
    assert office.inner_text("#light-green") == "1"
    # The charts drew under the Content-Security-Policy (local ECharts, no inline script),
    # and a tooltip (drawn on the canvas, not as HTML with inline styles) shows on hover.
    for chart in ("#chart-lights", "#chart-sections"):
        office.wait_for_selector(f"{chart} canvas", state="attached", timeout=10_000)
    assert "charts-on" in office.eval_on_selector("html", "e => e.className")
    office.hover("#chart-lights canvas", position={"x": 150, "y": 120})
    shoot(office, "office-02-plan-dashboard")

    office.click("#light-red")  # the red total opens the overdue list, every open period
    office.wait_for_load_state()
    assert office.url.endswith(f"/plans/{cast.plan.pk}/overdue/")
    assert str(red) in office.inner_text("#overdue-caption")
    office.go_back()
    office.click(f"#period-{cast.period.pk}-red")  # the period's red count: the task list
    office.wait_for_load_state()
    assert "light=red" in office.url
    rows = office.locator("table.table--tasks tbody tr")
    assert str(red) in office.inner_text("#tasks-caption")
    assert rows.count() == min(red, 50)
    assert office.locator("table.table--tasks tbody tr.row--overdue").count() == rows.count()
    assert office.locator(f"#task-{green_task.pk}").count() == 0
    list_url = office.url
    shoot(office, "office-03-red-list")

    office.click(f"#task-{cast.task.pk} a[href$='#office-actions-heading']")
    office.wait_for_load_state()
    assert f"/tasks/{cast.task.pk}/" in office.url
    office.check("#escalate-form input[name=kind][value=urge]")
    office.fill("#office-escalate-text", URGE_TEXT)
    shoot(office, "office-04-urge", centre="#escalate-form")
    office.click("#escalate-form button[type=submit]")
    office.wait_for_load_state()
    escalation = Escalation.objects.get(task=cast.task)
    assert (escalation.kind, escalation.by, escalation.period, escalation.text) == \
        ("urge", cast.office, cast.period, URGE_TEXT)
    cast.task.refresh_from_db()
    assert cast.task.escalation_level == escalation.level >= 1
    assert "催办" in office.inner_text(".messages")
    shoot(office, "office-05-urged")

    office.goto(list_url)
    # the level by its name on the plan's ladder (提醒/催办/督办/通报), not a number
    name = level_name(cast.plan.pk, escalation.level)
    assert name and not name.isdigit()
    assert name in office.locator(f"#task-{cast.task.pk}").inner_text()

    agency = login("lead")
    assert agency.locator("#unread-notifications .badge").count() == 1
    agency.click("#unread-notifications")
    agency.wait_for_load_state()
    assert "催办" in agency.inner_text("main")
    shoot(agency, "agency-05-urge-received")
