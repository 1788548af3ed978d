"""Reporting periods, China's working days, reminders, escalation and 催办/督办.

Every date asserted here was checked against chinese_calendar itself (find_workday, get_workdays)
before it was written down: 2026 春节 is 02-15..02-23 with make-up Saturdays 02-14 and 02-28;
2025 国庆 is 10-01..10-08 with make-up days Sunday 09-28 and Saturday 10-11. chinese-calendar
1.11.0 knows 2004–2026: 2027 falls back to Monday–Friday.
"""
import logging
from datetime import date, datetime, time, timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lib import workdays
from lib.workdays import (
    add_working_days,
    calendar_covers,
    is_working_day,
    working_days_between,
)
from notifications.models import Notification
from tasks.models import Indicator, Plan, Task
from tasks.services import plan_import
from tests.cast import build_cast
from tests.seeds import seed_bytes, seed_path
from workflow import recipients as recipients_module
from workflow import selectors, services
from workflow.checks import W010, check_calendar_coverage
from workflow.escalation import task_escalate
from workflow.models import (
    Assignment,
    Escalation,
    EscalationTier,
    ReminderPolicy,
    ReportingPeriod,
    ReportingSchedule,
)
from workflow.periods import (
    period_close,
    periods_generate,
    plan_reminder_defaults,
    task_deadline_kind,
)
from workflow.reminders import (
    CONTRIBUTION_MISSING,
    ESCALATION,
    REPORT,
    RETURNED,
    SIGNOFF,
    UNACKNOWLEDGED,
    due_items,
    escalations_apply,
    users_without_email,
)
from workflow.services import WorkflowError
from workflow.sweep import reminders_sweep

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

D = date
DUE = D(2026, 3, 6)  # a Friday; the 7th working day before it is 02-26, counting 02-28 (调休)


# ---- working days ---------------------------------------------------------------------------

@pytest.mark.parametrize(("day", "working"), [
    (D(2026, 2, 13), True),    # Friday before 春节
    (D(2026, 2, 14), True),    # Saturday, make-up working day
    (D(2026, 2, 15), False),   # Sunday, holiday
    (D(2026, 2, 16), False),   # Monday … Friday: 春节 holidays
    (D(2026, 2, 20), False),
    (D(2026, 2, 23), False),   # Monday, still 春节
    (D(2026, 2, 24), True),
    (D(2026, 2, 28), True),    # Saturday, make-up working day
    (D(2025, 9, 28), True),    # Sunday, make-up working day before 国庆
    (D(2025, 10, 1), False),
    (D(2025, 10, 8), False),
    (D(2025, 10, 9), True),
    (D(2025, 10, 11), True),   # Saturday, make-up working day
    (D(2025, 10, 12), False),  # an ordinary Sunday
])
def test_it_follows_chinas_calendar(day, working):
    assert is_working_day(day) is working


def test_it_adds_and_counts_working_days_across_the_holidays():
    assert add_working_days(D(2026, 2, 13), 1) == D(2026, 2, 14)
    assert add_working_days(D(2026, 2, 14), 1) == D(2026, 2, 24)
    assert add_working_days(D(2026, 2, 24), -1) == D(2026, 2, 14)
    assert add_working_days(D(2026, 2, 24), -2) == D(2026, 2, 13)
    assert add_working_days(D(2025, 9, 30), 5) == D(2025, 10, 14)  # 10-09 10 11(六) 13 14
    assert add_working_days(D(2025, 9, 26), 1) == D(2025, 9, 28)   # Friday → make-up Sunday
    assert add_working_days(D(2026, 2, 16), 0) == D(2026, 2, 16)
    assert working_days_between(D(2026, 2, 13), D(2026, 2, 24)) == 2
    assert working_days_between(D(2025, 9, 30), D(2025, 10, 12)) == 3  # 10-09, 10-10, 10-11
    assert working_days_between(D(2026, 2, 24), D(2026, 2, 13)) == 0


def test_it_falls_back_to_monday_to_friday_for_an_unknown_year_and_warns_once(
        monkeypatch, caplog):
    monkeypatch.setattr(workdays, "_warned_years", set())
    assert calendar_covers(2026) and calendar_covers(2004)
    assert not calendar_covers(2027)
    with caplog.at_level(logging.WARNING, logger="duban.workdays"):
        assert is_working_day(D(2027, 1, 1))       # a Friday: the holiday is unknown
        assert not is_working_day(D(2027, 1, 2))   # Saturday
        assert add_working_days(D(2027, 1, 1), 1) == D(2027, 1, 4)
        assert working_days_between(D(2026, 12, 31), D(2027, 1, 4)) == 2
    warnings = [r for r in caplog.records if r.name == "duban.workdays"]
    assert len(warnings) == 1
    assert warnings[0].levelno == logging.WARNING and "2027" in warnings[0].getMessage()


def test_the_system_check_warns_of_due_dates_the_calendar_does_not_cover():
    plan = _plan()
    assert check_calendar_coverage() == []
    ReportingPeriod.objects.create(plan=plan, label="2027年第1季度", starts_on=D(2027, 1, 1),
                                   ends_on=D(2027, 3, 31), due_on=D(2027, 4, 8))
    [warning] = check_calendar_coverage()
    assert warning.id == W010 == "duban.W010"
    assert "2027" in warning.msg and plan.title in warning.msg


def test_the_schedules_admin_page_shows_the_same_warning(client):
    plan = _plan()
    ReportingPeriod.objects.create(plan=plan, label="2027年度", starts_on=D(2027, 1, 1),
                                   ends_on=D(2027, 12, 31), due_on=D(2028, 1, 10))
    client.force_login(User.objects.create_superuser("admin", password="x"))
    schedule = ReportingSchedule.objects.get(plan=plan)
    response = client.get(reverse("admin:workflow_reportingschedule_change", args=[schedule.pk]))
    assert response.status_code == 200
    [message] = [m for m in response.context["messages"] if m.level_tag == "warning"]
    assert "2028" in str(message)
    response = client.get(reverse("admin:tasks_plan_change", args=[plan.pk]))
    assert any("2028" in str(m) for m in response.context["messages"])


@pytest.mark.parametrize("model", ["reportingschedule", "reminderpolicy", "escalation",
                                   "reportingperiod"])
def test_the_workflow_admin_pages_open(client, model):
    cast = build_cast(due_on=DUE)
    _assign_on(cast, D(2026, 2, 2))
    escalations_apply(D(2026, 3, 11))
    client.force_login(User.objects.create_superuser("admin", password="x"))
    assert client.get(reverse(f"admin:workflow_{model}_changelist")).status_code == 200
    first = client.get(reverse(f"admin:workflow_{model}_changelist")).context["cl"].result_list[0]
    change = reverse(f"admin:workflow_{model}_change", args=[first.pk])
    assert client.get(change).status_code == 200


def test_the_admin_action_generates_the_periods(client):
    plan = _plan(start=D(2025, 7, 1), end=D(2026, 6, 30))
    client.force_login(User.objects.create_superuser("admin", password="x"))
    response = client.post(reverse("admin:tasks_plan_changelist"), {
        "action": "generate_reporting_periods", "_selected_action": [plan.pk]})
    assert response.status_code == 302
    assert plan.periods.count() == 4


# ---- defaults and periods -------------------------------------------------------------------

def _plan(start=None, end=None) -> Plan:
    plan = plan_import(data=seed_bytes("001"), source_name=seed_path("001").name).plan
    plan_reminder_defaults(plan)  # as dispatch does
    Plan.objects.filter(pk=plan.pk).update(period_start=start, period_end=end)
    plan.refresh_from_db()
    return plan


def test_a_dispatched_plan_gets_the_default_schedule_policy_and_tiers():
    plan = build_cast().plan
    schedule, policy = plan.reporting_schedule, plan.reminder_policy
    assert (schedule.frequency, schedule.due_working_days) == ("quarterly", 5)
    assert policy.before_days() == [7, 3, 1]
    assert (policy.remind_on_due, policy.overdue_every_working_days,
            policy.escalate_after_working_days) == (True, 3, 5)
    tiers = [(t.order, t.name, t.after_working_days_overdue,
              t.binding_after_working_days_overdue, t.to_reporters, t.to_heads, t.to_office)
             for t in plan.escalation_tiers.all()]
    assert tiers == [
        (1, "提醒", 0, 0, True, False, False),
        (2, "催办", 3, 2, True, True, False),
        (3, "督办", 5, 3, True, True, True),
        (4, "通报", 10, 5, True, True, True),
    ]


def test_the_policy_parses_its_list_of_days():
    assert ReminderPolicy(before_working_days="1, 7，3、7").before_days() == [7, 3, 1]
    assert ReminderPolicy(before_working_days="").before_days() == []


def test_quarterly_periods_fall_due_five_working_days_after_each_quarter():
    plan = _plan(start=D(2025, 7, 1), end=D(2026, 6, 30))
    created = periods_generate(plan)
    rows = [(p.label, p.starts_on, p.ends_on, p.due_on)
            for p in ReportingPeriod.objects.filter(plan=plan).order_by("starts_on")]
    assert [p.label for p in created] == [row[0] for row in rows]
    assert rows == [
        # 国庆 10-01..08: 10-09, 10-10, 10-11 (Saturday, 调休), 10-13, 10-14
        ("2025年第3季度", D(2025, 7, 1), D(2025, 9, 30), D(2025, 10, 14)),
        # 元旦 01-01..03: 01-04 (Sunday, 调休), 01-05, 06, 07, 08
        ("2025年第4季度", D(2025, 10, 1), D(2025, 12, 31), D(2026, 1, 8)),
        # 清明 04-04..06: 04-01, 02, 03, 07, 08
        ("2026年第1季度", D(2026, 1, 1), D(2026, 3, 31), D(2026, 4, 8)),
        ("2026年第2季度", D(2026, 4, 1), D(2026, 6, 30), D(2026, 7, 7)),
    ]


def test_generating_again_adds_nothing_and_keeps_hand_edits():
    plan = _plan(start=D(2025, 7, 1), end=D(2026, 6, 30))
    periods_generate(plan)
    edited = ReportingPeriod.objects.get(plan=plan, label="2025年第4季度")
    edited.due_on = D(2026, 1, 15)
    edited.save()
    ReportingPeriod.objects.filter(plan=plan, label="2026年第2季度").delete()

    assert [p.label for p in periods_generate(plan)] == ["2026年第2季度"]
    assert periods_generate(plan) == []
    assert plan.periods.count() == 4
    assert ReportingPeriod.objects.get(pk=edited.pk).due_on == D(2026, 1, 15)


@pytest.mark.parametrize(("frequency", "start", "end", "expected"), [
    ("monthly", D(2026, 1, 15), D(2026, 3, 31), [
        ("2026年1月", D(2026, 1, 15), D(2026, 1, 31), D(2026, 2, 6)),
        ("2026年2月", D(2026, 2, 1), D(2026, 2, 28), D(2026, 3, 6)),  # after Saturday 02-28
        ("2026年3月", D(2026, 3, 1), D(2026, 3, 31), D(2026, 4, 8)),
    ]),
    ("half_yearly", D(2026, 1, 1), D(2026, 12, 31), [
        ("2026年上半年", D(2026, 1, 1), D(2026, 6, 30), D(2026, 7, 7)),
        ("2026年下半年", D(2026, 7, 1), D(2026, 12, 31), D(2027, 1, 7)),  # Mon–Fri in 2027
    ]),
    ("yearly", D(2025, 7, 1), D(2026, 6, 30), [
        ("2025年度", D(2025, 7, 1), D(2025, 12, 31), D(2026, 1, 8)),
        ("2026年度", D(2026, 1, 1), D(2026, 6, 30), D(2026, 7, 7)),
    ]),
])
def test_other_frequencies_get_chinese_labels(frequency, start, end, expected):
    plan = _plan(start=start, end=end)
    ReportingSchedule.objects.filter(plan=plan).update(frequency=frequency)
    periods_generate(plan)
    assert [(p.label, p.starts_on, p.ends_on, p.due_on)
            for p in plan.periods.order_by("starts_on")] == expected


def test_fixed_dates_generate_nothing():
    plan = _plan(start=D(2025, 7, 1), end=D(2026, 6, 30))
    ReportingSchedule.objects.filter(plan=plan).update(frequency="fixed")
    assert periods_generate(plan) == []
    assert not plan.periods.exists()


def test_it_refuses_to_generate_without_the_plans_term(english):
    plan = _plan(start=D(2025, 7, 1))
    with pytest.raises(WorkflowError, match="period end"):
        periods_generate(plan)
    assert not plan.periods.exists()


@pytest.mark.parametrize(("text", "on", "expected"), [
    ("2025年底前", None, ("once", D(2025, 12, 31))),
    ("2023年6月", None, ("once", D(2023, 6, 30))),
    ("", D(2024, 9, 30), ("once", D(2024, 9, 30))),
    ("每年", None, ("recurring", None)),
    ("每季度", None, ("recurring", None)),
    ("持续推进", None, ("recurring", None)),
    ("长期坚持", None, ("recurring", None)),
    ("试点期间", None, ("recurring", None)),
    ("2023年起每年", D(2023, 12, 31), ("recurring", None)),
    ("", None, ("recurring", None)),
])
def test_deadline_phrases(text, on, expected):
    assert task_deadline_kind(Task(deadline_text=text, deadline_on=on)) == expected


# ---- reminders ------------------------------------------------------------------------------

def _assign_on(cast, day: date) -> None:
    """Back-date the plan's assignments: a period that fell due before is not chased."""
    moment = timezone.make_aware(datetime.combine(day, time(9)))
    Assignment.objects.filter(task__plan=cast.plan).update(created_at=moment)


def _items(cast, day, kind=REPORT, task=None):
    key = f"task:{(task or cast.task).pk}"
    return [i for i in due_items(day) if i.kind == kind and i.object_key == key]


def _stages(items) -> dict[int, str]:
    return {i.recipient_id: i.stage for i in items}


@pytest.fixture
def cast(db):
    cast = build_cast(due_on=DUE)
    _assign_on(cast, D(2026, 2, 2))
    return cast


@pytest.mark.parametrize(("day", "stage"), [
    (D(2026, 2, 25), None),
    (D(2026, 2, 26), "before-7"),
    (D(2026, 2, 28), "before-7"),   # make-up Saturday: the same stage, the same key
    (D(2026, 3, 3), "before-3"),
    (D(2026, 3, 5), "before-1"),
    (D(2026, 3, 6), "due"),
    (D(2026, 3, 7), "due"),         # Saturday: not yet a working day overdue
    (D(2026, 3, 9), "overdue-1"),
    (D(2026, 3, 11), "overdue-1"),
    (D(2026, 3, 12), "overdue-every-3#1"),
    (D(2026, 3, 17), "overdue-every-3#2"),
])
def test_the_lead_reporter_is_reminded_at_each_stage(cast, day, stage):
    items = _items(cast, day)
    if stage is None:
        assert items == []
        return
    assert _stages(items) == {cast.lead.pk: stage}  # reporters only: not the head
    [item] = items
    assert item.period_id == cast.period.pk
    assert item.url == reverse("workflow:task", args=[cast.task.pk]) + f"?period={cast.period.pk}"
    assert item.key == f"report|task:{cast.task.pk}|{cast.period.pk}|{stage}|{cast.lead.pk}"


def test_urgency_grows_towards_and_past_the_due_date(cast):
    def urgency(day):
        return _items(cast, day)[0].urgency

    assert (urgency(D(2026, 2, 26)) < urgency(D(2026, 3, 3)) < urgency(D(2026, 3, 5))
            < urgency(D(2026, 3, 6)) < urgency(D(2026, 3, 9)))


def test_the_policy_decides_the_stages(cast):
    ReminderPolicy.objects.filter(plan=cast.plan).update(
        before_working_days="2", remind_on_due=False, overdue_every_working_days=0)
    assert _items(cast, D(2026, 3, 3)) == []
    assert _stages(_items(cast, D(2026, 3, 4))) == {cast.lead.pk: "before-2"}
    assert _stages(_items(cast, D(2026, 3, 6))) == {cast.lead.pk: "before-2"}
    assert _stages(_items(cast, D(2026, 3, 20))) == {cast.lead.pk: "overdue-1"}


def _on(clock, day: date) -> None:
    """Act on that day (the sweep reads what was in by the day it looks at)."""
    clock.move_to(timezone.make_aware(datetime.combine(day, time(10))))


def test_nothing_is_due_once_the_report_is_submitted_or_verified(cast, time_machine):
    _on(time_machine, D(2026, 3, 4))
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "已完成。", "completion": "in_progress"})
    assert _stages(_items(cast, D(2026, 3, 9))) == {cast.lead.pk: "overdue-1"}  # a draft
    services.report_submit(report=report, by=cast.lead)
    for day in (D(2026, 3, 5), D(2026, 3, 9), D(2026, 3, 20)):
        for kind in (REPORT, CONTRIBUTION_MISSING, ESCALATION, RETURNED):
            assert _items(cast, day, kind) == []
    services.report_verify(report=report, by=cast.office)
    assert _items(cast, D(2026, 3, 20)) == []


def test_nothing_is_due_for_a_closed_period(cast):
    period_close(cast.period, cast.office)
    assert _items(cast, D(2026, 3, 9)) == []
    assert _items(cast, D(2026, 3, 20), ESCALATION) == []


def test_nothing_is_due_for_a_verified_task(cast, time_machine):
    _on(time_machine, D(2026, 3, 4))
    ReportingPeriod.objects.create(plan=cast.plan, label="2026年第1季度", starts_on=D(2026, 1, 1),
                                   ends_on=D(2026, 3, 31), due_on=D(2026, 4, 8))
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "已完成。", "completion": "completed"})
    services.report_submit(report=report, by=cast.lead)
    assert _items(cast, D(2026, 4, 9))  # the next period is still owed
    services.report_verify(report=report, by=cast.office)
    assert Task.objects.get(pk=cast.task.pk).state == "verified"
    assert _items(cast, D(2026, 4, 9)) == []
    task_url = reverse("workflow:task", args=[cast.task.pk])
    assert [i for i in due_items(D(2026, 4, 9)) if i.url.startswith(task_url + "?")] == []


def test_a_period_due_before_the_agency_was_assigned_is_not_chased(cast):
    _assign_on(cast, D(2026, 3, 9))
    assert _items(cast, D(2026, 3, 12)) == []


def test_a_returned_report_is_chased_at_once_and_again_after_each_return(cast):
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "进展。"})
    services.report_submit(report=report, by=cast.lead)
    services.report_return(report=report, by=cast.office, reason="缺少数据。")
    early = D(2026, 2, 2)  # long before any reminder stage
    [item] = _items(cast, early, RETURNED)
    assert (item.recipient_id, item.stage) == (cast.lead.pk, "returned#1")
    assert item.urgency > _items(cast, D(2026, 3, 17))[0].urgency  # above any overdue
    services.report_submit(report=report, by=cast.lead)
    assert _items(cast, early, RETURNED) == []
    services.report_return(report=report, by=cast.office, reason="仍缺少数据。")
    assert _stages(_items(cast, early, RETURNED)) == {cast.lead.pk: "returned#2"}


def test_a_report_awaiting_signoff_reminds_the_head(db):
    cast = build_cast(due_on=DUE, requires_signoff=True)
    _assign_on(cast, D(2026, 2, 2))
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "进展。"})
    services.report_submit(report=report, by=cast.lead)
    assert _items(cast, D(2026, 3, 9)) == []
    assert _stages(_items(cast, D(2026, 3, 9), SIGNOFF)) == {cast.head.pk: "overdue-1"}


def test_a_supporting_agency_is_reminded_until_its_material_is_in(cast):
    assert _stages(_items(cast, D(2026, 3, 3), CONTRIBUTION_MISSING)) == {
        cast.supporting.pk: "before-3"}
    services.contribution_save(task=cast.task, period=cast.period, by=cast.supporting,
                               text="草稿")
    assert _stages(_items(cast, D(2026, 3, 9), CONTRIBUTION_MISSING)) == {
        cast.supporting.pk: "overdue-1"}  # saved is not submitted
    services.contribution_save(task=cast.task, period=cast.period, by=cast.supporting,
                               text="我局配合材料。", submit=True)
    assert _items(cast, D(2026, 3, 9), CONTRIBUTION_MISSING) == []
    assert _stages(_items(cast, D(2026, 3, 9))) == {cast.lead.pk: "overdue-1"}


def test_unacknowledged_assignments_are_chased_after_the_plans_working_days(cast):
    _assign_on(cast, D(2026, 3, 2))  # a Monday; the plan allows 3 working days
    lead_assignment = Assignment.objects.get(task=cast.task, agency=cast.lead.profile.agency)
    support = Assignment.objects.get(task=cast.task, agency=cast.supporting.profile.agency)

    def stages(day, assignment):
        return {i.recipient_id: i.stage for i in due_items(day)
                if i.kind == UNACKNOWLEDGED and i.object_key == f"assignment:{assignment.pk}"}

    assert stages(D(2026, 3, 5), lead_assignment) == {}
    assert stages(D(2026, 3, 6), lead_assignment) == {
        cast.lead.pk: "ack-overdue-every-3#0", cast.head.pk: "ack-overdue-every-3#0"}
    assert stages(D(2026, 3, 10), lead_assignment)[cast.lead.pk] == "ack-overdue-every-3#0"
    assert stages(D(2026, 3, 11), lead_assignment)[cast.lead.pk] == "ack-overdue-every-3#1"
    assert stages(D(2026, 3, 6), support) == {cast.supporting.pk: "ack-overdue-every-3#0"}
    services.assignment_acknowledge(assignment=lead_assignment, by=cast.lead)
    assert stages(D(2026, 3, 11), lead_assignment) == {}


def _tier_items(cast, day):
    items = _items(cast, day, ESCALATION)
    assert len({i.stage for i in items}) <= 1
    return (items[0].stage if items else None), {i.recipient_id for i in items}


def _make_binding(cast, binding: bool) -> None:
    Indicator.objects.filter(plan=cast.plan).update(attribute="expected")
    if binding:
        indicator = Indicator.objects.filter(plan=cast.plan).first()
        indicator.attribute = Indicator.Attribute.BINDING
        indicator.save()
        cast.task.indicators.add(indicator)


def test_escalation_tiers_apply_after_their_working_days_overdue(cast):
    _make_binding(cast, False)
    reporters = {cast.lead.pk}
    heads = reporters | {cast.head.pk}
    office = heads | {cast.office.pk, cast.director.pk}
    assert _tier_items(cast, D(2026, 3, 6)) == (None, set())
    assert _tier_items(cast, D(2026, 3, 9)) == ("tier-1", reporters)   # 1 day
    assert _tier_items(cast, D(2026, 3, 10)) == ("tier-1", reporters)  # 2
    assert _tier_items(cast, D(2026, 3, 11)) == ("tier-2", heads)      # 3: 催办
    assert _tier_items(cast, D(2026, 3, 13)) == ("tier-3", office)     # 5: 督办
    assert _tier_items(cast, D(2026, 3, 19)) == ("tier-3", office)     # 9
    assert _tier_items(cast, D(2026, 3, 20)) == ("tier-4", office)     # 10: 通报


def test_tasks_of_binding_indicators_escalate_faster(cast):
    _make_binding(cast, True)
    assert _tier_items(cast, D(2026, 3, 9))[0] == "tier-1"
    assert _tier_items(cast, D(2026, 3, 10))[0] == "tier-2"  # 2 days instead of 3
    assert _tier_items(cast, D(2026, 3, 11))[0] == "tier-3"  # 3 instead of 5
    assert _tier_items(cast, D(2026, 3, 13))[0] == "tier-4"  # 5 instead of 10


def test_escalations_apply_records_each_tier_once_and_raises_the_level(cast):
    _make_binding(cast, False)
    assert escalations_apply(D(2026, 3, 6)) == []
    planned = escalations_apply(D(2026, 3, 11), dry_run=True)
    assert planned and not Escalation.objects.exists()

    created = escalations_apply(D(2026, 3, 11))
    mine = [e for e in created if e.task_id == cast.task.pk]
    assert [(e.tier.name, e.level, e.kind, e.period_id) for e in mine] == [
        ("催办", 2, "auto", cast.period.pk)]
    assert len(created) == len(planned)
    assert Task.objects.get(pk=cast.task.pk).escalation_level == 2
    assert escalations_apply(D(2026, 3, 11)) == []
    assert escalations_apply(D(2026, 3, 12)) == []  # still 催办
    assert Escalation.objects.filter(task=cast.task).count() == 1

    escalations_apply(D(2026, 3, 13))
    assert list(cast.task.escalations.values_list("level", flat=True)) == [2, 3]
    assert Task.objects.get(pk=cast.task.pk).escalation_level == 3
    Task.objects.filter(pk=cast.task.pk).update(escalation_level=0)  # a stale save
    escalations_apply(D(2026, 3, 13))
    assert Task.objects.get(pk=cast.task.pk).escalation_level == 3


def test_a_digest_puts_the_most_urgent_first(cast):
    _assign_on(cast, D(2026, 2, 2))
    digests = reminders_sweep(D(2026, 3, 11), dry_run=True).digests
    [digest] = [d for d in digests if d.recipient == cast.lead]
    urgencies = [i.urgency for i in digest.items]
    assert urgencies == sorted(urgencies, reverse=True)
    assert digest.items[0].kind == ESCALATION
    assert not [d for d in digests if d.recipient == cast.outsider]


def test_due_items_reads_a_plan_in_a_fixed_number_of_queries(cast):
    day = D(2026, 3, 12)
    with CaptureQueriesContext(connection) as before:
        first = due_items(day)
    tasks = [a.task for a in Assignment.objects.filter(
        task__plan=cast.plan, agency=cast.lead.profile.agency, role="lead").select_related("task")]
    for task in tasks[:3]:
        report = services.report_save(task=task, period=cast.period, by=cast.lead,
                                      data={"progress": "进展。"})
        services.report_submit(report=report, by=cast.lead)
    services.report_return(report=report, by=cast.office, reason="补充。")
    with CaptureQueriesContext(connection) as after:
        second = due_items(day)
    assert first != second
    assert len(after.captured_queries) <= len(before.captured_queries) + 1  # + the returns
    assert len(after.captured_queries) <= 12


def test_users_without_email_are_listed_for_the_office(cast):
    User.objects.filter(pk=cast.head.pk).update(email="head@example.cn")
    users = set(users_without_email(cast.plan))
    assert {cast.lead, cast.supporting} <= users
    assert not users & {cast.head, cast.outsider, cast.office, cast.leader}


# ---- 催办 / 督办 by hand ---------------------------------------------------------------------

@pytest.fixture
def outbox(monkeypatch):
    sent = []

    def enqueue(*, recipient, key, template, context):
        sent.append({"recipient": recipient, "key": key, "template": template,
                     "context": context})

    monkeypatch.setattr(recipients_module, "message_enqueue", enqueue)
    return sent


def test_an_urge_raises_the_level_notifies_and_shows_in_the_timeline(cast, outbox):
    escalation = task_escalate(task=cast.task, by=cast.office, kind="urge",
                               text="请于3日内报送。", period=cast.period)
    assert (escalation.kind, escalation.level, escalation.by, escalation.tier) == (
        "urge", 1, cast.office, None)  # one level up, from none to 提醒
    assert Task.objects.get(pk=cast.task.pk).escalation_level == 1
    notified = set(Notification.objects.filter(text__contains="请于3日内报送")
                   .values_list("recipient", flat=True))
    assert notified == {cast.lead.pk, cast.head.pk}
    assert {(m["recipient"].pk, m["key"], m["template"]) for m in outbox} == {
        (u.pk, f"escalation|workflow.escalation:{escalation.pk}|{u.pk}", "escalation")
        for u in (cast.lead, cast.head)}
    assert outbox[0]["context"]["text"] == "请于3日内报送。"
    [entry] = [e for e in selectors.timeline(cast.task) if e["kind"] == "escalation"]
    assert (entry["level"], entry["escalation_kind"], entry["text"], entry["by"]) == (
        1, "urge", "请于3日内报送。", cast.office)


def test_an_urge_queues_an_email_for_each_lead_reporter_and_head_with_an_address(cast):
    from notifications.models import OutboxMessage

    User.objects.filter(pk__in=[cast.lead.pk, cast.head.pk]).update(email="x@example.cn")
    User.objects.filter(pk=cast.head.pk).update(email="")
    escalation = task_escalate(task=cast.task, by=cast.office, kind="supervise",
                               text="请说明逾期原因。")
    [message] = OutboxMessage.objects.all()
    assert (message.key, message.kind, message.recipient) == (
        f"escalation|workflow.escalation:{escalation.pk}|{cast.lead.pk}", "escalation", cast.lead)
    assert "请说明逾期原因。" in message.body_text
    assert reverse("workflow:task", args=[cast.task.pk]) in message.body_text


def test_a_supervision_notice_goes_to_its_tier_and_an_urge_one_level_up_to_the_top(cast, outbox):
    task_escalate(task=cast.task, by=cast.director, kind="supervise", text="督办通知。")
    assert Task.objects.get(pk=cast.task.pk).escalation_level == 3
    task_escalate(task=cast.task, by=cast.office, kind="urge", text="再次催办。")
    assert Task.objects.get(pk=cast.task.pk).escalation_level == 4  # 督办 → 通报
    task_escalate(task=cast.task, by=cast.office, kind="urge", text="再次催办。")
    assert Task.objects.get(pk=cast.task.pk).escalation_level == 4  # the top: no higher
    task_escalate(task=cast.task, by=cast.director, kind="supervise", text="督办。")
    assert Task.objects.get(pk=cast.task.pk).escalation_level == 4  # never lowered
    assert list(cast.task.escalations.values_list("kind", "level")) == [
        ("supervise", 3), ("urge", 4), ("urge", 4), ("supervise", 4)]


def test_each_urge_raises_the_level_one_step_and_the_pages_name_it(cast, outbox):
    from workflow.levels import level_name

    names = []
    for _n in range(5):
        task_escalate(task=cast.task, by=cast.office, kind="urge", text="催办。")
        level = Task.objects.get(pk=cast.task.pk).escalation_level
        names.append(level_name(cast.plan.pk, level))
    assert names == ["提醒", "催办", "督办", "通报", "通报"]
    EscalationTier.objects.filter(plan=cast.plan, order=2).update(name="约谈")
    assert level_name(cast.plan.pk, 2) == "约谈"  # the plan's own ladder
    assert level_name(cast.plan.pk, 0) == "—"


def test_a_plan_without_tiers_names_the_default_ladder(cast, outbox):
    from workflow.levels import level_name

    EscalationTier.objects.filter(plan=cast.plan).delete()
    assert [level_name(cast.plan.pk, n) for n in range(1, 5)] == ["提醒", "催办", "督办", "通报"]


def test_the_levels_follow_the_plans_tiers_by_name(cast, outbox):
    EscalationTier.objects.filter(plan=cast.plan, name="督办").update(order=7)
    task_escalate(task=cast.task, by=cast.office, kind="supervise", text="督办。")
    assert Task.objects.get(pk=cast.task.pk).escalation_level == 7
    EscalationTier.objects.filter(plan=cast.plan).delete()
    other = Task.objects.filter(plan=cast.plan).exclude(pk=cast.task.pk).first()
    task_escalate(task=other, by=cast.office, kind="urge", text="催办。")
    assert Task.objects.get(pk=other.pk).escalation_level == 1  # no tiers: the default ladder
    task_escalate(task=other, by=cast.office, kind="supervise", text="督办。")
    assert Task.objects.get(pk=other.pk).escalation_level == 3  # no tiers: 3 for 督办


@pytest.mark.parametrize("who", ["lead", "head", "supporting", "leader", "outsider"])
def test_only_the_office_may_urge(cast, outbox, who):
    with pytest.raises(WorkflowError):
        task_escalate(task=cast.task, by=getattr(cast, who), kind="urge", text="催办。")
    assert not Escalation.objects.exists() and outbox == []


@pytest.mark.parametrize(("kind", "text"), [("urge", "  "), ("supervise", ""), ("other", "x")])
def test_an_urge_needs_its_text_and_a_known_kind(cast, outbox, kind, text):
    with pytest.raises(WorkflowError):
        task_escalate(task=cast.task, by=cast.office, kind=kind, text=text)
    assert not Escalation.objects.exists()
    assert Task.objects.get(pk=cast.task.pk).escalation_level == 0


# ---- closing a period -----------------------------------------------------------------------

def test_closing_a_period_makes_its_reports_read_only(cast):
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "进展。"})
    with pytest.raises(WorkflowError):
        period_close(cast.period, cast.lead)
    period_close(cast.period, cast.office)
    assert cast.period.is_closed
    with pytest.raises(WorkflowError):
        period_close(cast.period, cast.office)
    with pytest.raises(WorkflowError):
        services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                             data={"progress": "改动。"})
    with pytest.raises(WorkflowError):
        services.report_submit(report=report, by=cast.lead)
    with pytest.raises(WorkflowError):
        services.contribution_save(task=cast.task, period=cast.period, by=cast.supporting,
                                   text="材料。")
    report.refresh_from_db()
    assert (report.progress, report.state) == ("进展。", "draft")


def test_a_report_submitted_after_its_due_date_is_late(db):
    late = build_cast(due_on=timezone.localdate() - timedelta(days=1))
    report = services.report_save(task=late.task, period=late.period, by=late.lead,
                                  data={"progress": "进展。"})
    assert services.report_submit(report=report, by=late.lead).late is True


def test_a_report_submitted_in_time_is_not_late(cast):
    ReportingPeriod.objects.filter(pk=cast.period.pk).update(due_on=timezone.localdate())
    cast.period.refresh_from_db()
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "进展。"})
    assert services.report_submit(report=report, by=cast.lead).late is False


# ---- the office's pages ---------------------------------------------------------------------

def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_office_urges_from_the_task_page(cast, outbox):
    url = reverse("workflow:escalate", args=[cast.task.pk])
    response = _client(cast.office).post(url, {"kind": "urge", "text": "请尽快报送。",
                                               "period": cast.period.pk})
    assert response.status_code == 302
    [escalation] = Escalation.objects.filter(task=cast.task)
    assert (escalation.kind, escalation.period, escalation.text) == (
        "urge", cast.period, "请尽快报送。")
    page = _client(cast.office).get(reverse("workflow:task", args=[cast.task.pk]))
    assert b'id="escalate-form"' in page.content
    assert [e["escalation"] for e in page.context["timeline"] if e["kind"] == "escalation"] == [
        escalation]
    assert "请尽快报送。" in page.content.decode()


def test_an_urge_without_text_is_refused_with_a_message(cast, outbox):
    url = reverse("workflow:escalate", args=[cast.task.pk])
    response = _client(cast.office).post(url, {"kind": "urge", "text": ""}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not Escalation.objects.exists()


def test_the_escalate_form_is_not_offered_to_agencies(cast):
    page = _client(cast.lead).get(reverse("workflow:task", args=[cast.task.pk]))
    assert page.status_code == 200 and b'id="escalate-form"' not in page.content


def test_the_overdue_page_lists_late_lead_reports_with_a_quick_urge(cast, outbox,
                                                                    time_machine):
    time_machine.move_to(timezone.make_aware(datetime.combine(D(2026, 3, 12), time(10))))
    Task.objects.filter(pk=cast.task.pk).update(escalation_level=2)
    response = _client(cast.office).get(reverse("workflow:overdue", args=[cast.plan.pk]))
    assert response.status_code == 200
    [row] = [r for r in response.context["rows"] if r["task"] == cast.task]
    assert row["period"] == cast.period and row["level"] == 2
    assert row["working_days"] == working_days_between(DUE, timezone.localdate())
    assert cast.lead.profile.agency in row["agencies"]
    assert reverse("workflow:escalate", args=[cast.task.pk]) in response.content.decode()
    plan_page = _client(cast.office).get(reverse("plans:detail", args=[cast.plan.pk]))
    assert reverse("workflow:overdue", args=[cast.plan.pk]) in plan_page.content.decode()


def test_the_overdue_page_leaves_out_submitted_reports(cast):
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "进展。"})
    services.report_submit(report=report, by=cast.lead)
    response = _client(cast.office).get(reverse("workflow:overdue", args=[cast.plan.pk]))
    assert cast.task not in [r["task"] for r in response.context["rows"]]


def test_the_contacts_page_lists_people_without_an_email(cast):
    User.objects.filter(pk=cast.lead.pk).update(email="lead@example.cn")
    User.objects.filter(pk=cast.office.pk).update(is_staff=True)  # the user admin is not theirs
    response = _client(cast.office).get(reverse("workflow:contacts-missing",
                                                args=[cast.plan.pk]))
    assert response.status_code == 200
    listed = set(response.context["users"])
    assert {cast.head, cast.supporting} <= listed and cast.lead not in listed
    assert "/admin/auth/user/" not in response.content.decode()  # no link the office can't open


def test_the_office_closes_a_period_from_the_plan_page(cast):
    page = _client(cast.office).get(reverse("plans:detail", args=[cast.plan.pk]))
    url = reverse("workflow:period-close", args=[cast.period.pk])
    assert url in page.content.decode()
    assert _client(cast.office).post(url).status_code == 302
    cast.period.refresh_from_db()
    assert cast.period.is_closed


@pytest.mark.parametrize(("name", "arg"), [
    ("overdue", "plan"), ("contacts-missing", "plan"),
])
@pytest.mark.parametrize(("who", "status"), [
    ("outsider", 404), ("lead", 404), ("leader", 403), ("office", 200),
])
def test_the_office_pages_answer_404_or_403_to_others(cast, name, arg, who, status):
    url = reverse(f"workflow:{name}", args=[cast.plan.pk])
    assert _client(getattr(cast, who)).get(url).status_code == status


@pytest.mark.parametrize(("name", "who", "status"), [
    ("escalate", "outsider", 404), ("escalate", "leader", 403), ("escalate", "lead", 403),
    ("period-close", "outsider", 404), ("period-close", "leader", 403),
    ("period-close", "lead", 404),
])
def test_the_post_urls_refuse_others(cast, outbox, name, who, status):
    pk = cast.task.pk if name == "escalate" else cast.period.pk
    url = reverse(f"workflow:{name}", args=[pk])
    response = _client(getattr(cast, who)).post(url, {"kind": "urge", "text": "催办。"})
    assert response.status_code == status
    assert not Escalation.objects.exists()
    cast.period.refresh_from_db()
    assert not cast.period.is_closed


@pytest.mark.parametrize("name", ["escalate", "period-close"])
def test_the_post_urls_reject_get(cast, name):
    pk = cast.task.pk if name == "escalate" else cast.period.pk
    response = _client(cast.office).get(reverse(f"workflow:{name}", args=[pk]))
    assert response.status_code == 405


def test_anonymous_users_are_sent_to_log_in(cast, client):
    response = client.get(reverse("workflow:overdue", args=[cast.plan.pk]))
    assert response.status_code == 302 and "login" in response["Location"]
