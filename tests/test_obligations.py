"""Each rule of an obligation (workflow/obligations.py's docstring numbers them), pinned.

The small plan of tests/test_obligations_agree.py: task 0 led by A; task 1 co-led by A and B;
task 2 led by B and supported by C; task 3 led by C. Periods fall due on 2026-01-20, 2026-02-13
(the Friday before 春节; 2-14 is a make-up working day) and 2026-03-10. The plan is dispatched
on 2026-01-05.
"""
from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tasks.models import Plan, Task
from tests.test_obligations_agree import START, World
from workflow import services
from workflow.models import Assignment, ReportingPeriod
from workflow.obligations import (
    LATE,
    MATERIAL_MISSING,
    NOT_DUE,
    ON_TIME,
    OVERDUE,
    RED,
    ledger,
    receipts_owed,
)
from workflow.periods import period_close

pytestmark = [pytest.mark.django_db, pytest.mark.dates]


def at(day: date):
    return timezone.make_aware(datetime.combine(day, time(10)))


@pytest.fixture
def world(time_machine):
    time_machine.move_to(at(START), tick=False)
    world = World()
    world.clock = time_machine
    world.plan_, world.tasks, world.periods = world.plan(signoff=False)
    return world


def book(world, day: date, **kwargs):
    return ledger(plan_ids=[world.plan_.pk], on_date=day, **kwargs)


def obligations_of(world, day, task, period, **kwargs):
    return [o for o in book(world, day, **kwargs).obligations
            if o.task_id == task.pk and o.period.pk == period.pk]


def submit(world, task, period, day, completion="in_progress", agency=None):
    world.clock.move_to(at(day), tick=False)
    lead = world.staff_of(agency.pk) if agency else world.reporters[
        world.agencies.index(Assignment.objects.filter(task=task, role="lead", active=True)
                             .order_by("pk").first().agency)]
    report = services.report_save(task=task, period=period, by=lead,
                                  data={"progress": "进展。", "completion": completion})
    return services.report_submit(report=report, by=lead)


def test_rule_1_a_plan_not_dispatched_owes_nothing_and_a_closed_one_is_not_chased(world):
    Plan.objects.filter(pk=world.plan_.pk).update(state=Plan.State.DRAFT)
    assert book(world, date(2026, 3, 20)).obligations == []
    Plan.objects.filter(pk=world.plan_.pk).update(state=Plan.State.CLOSED)
    closed = book(world, date(2026, 3, 20))
    assert closed.items and not any(i.chased for i in closed.items)
    assert {i.status for i in closed.items} == {OVERDUE}  # its history stays


def test_rule_2_a_period_ending_before_the_plans_term_owes_nothing(world):
    Plan.objects.filter(pk=world.plan_.pk).update(period_start=date(2026, 2, 1))
    periods = {i.period.pk for i in book(world, date(2026, 3, 20)).items}
    assert world.periods[0].pk not in periods  # it ended on 2026-01-15
    assert world.periods[1].pk in periods


def test_rule_3_an_agency_assigned_after_the_due_date_owes_nothing(world):
    late = at(date(2026, 1, 21))  # the day after the first period fell due
    Assignment.objects.filter(task=world.tasks[3]).update(created_at=late)
    first, second = world.periods[0], world.periods[1]
    assert obligations_of(world, date(2026, 3, 20), world.tasks[3], first) == []
    [ob] = obligations_of(world, date(2026, 3, 20), world.tasks[3], second)
    assert ob.owed_from == date(2026, 1, 21)  # assigned after the period started


def test_rule_4_reassigned_after_the_due_date_the_first_lead_keeps_it_frozen(world):
    task, first = world.tasks[0], world.periods[0]
    a, b = world.agencies[0], world.agencies[1]
    world.clock.move_to(at(date(2026, 1, 23)), tick=False)  # 3 working days overdue
    old = Assignment.objects.get(task=task, agency=a, active=True)
    services.assignment_reassign(assignment=old, to_agency=b, by=world.office, reason="调整。")
    [ob] = obligations_of(world, date(2026, 3, 20), task, first)
    assert (ob.agency_id, ob.status, ob.relieved_on, ob.chased) == (
        a.pk, OVERDUE, date(2026, 1, 23), False)
    assert ob.overdue_days == 3  # counted to the day it was relieved, not to March
    item = ob.item
    assert (item.chased, item.light, item.live_lead_ids) == (False, "none", [])
    # the new lead owes the later periods, not this one
    [later] = obligations_of(world, date(2026, 3, 20), task, world.periods[1])
    assert later.agency_id == b.pk and later.chased


def test_rule_4_reassigned_before_the_due_date_the_new_lead_owes(world):
    task, first = world.tasks[0], world.periods[0]
    world.clock.move_to(at(date(2026, 1, 12)), tick=False)
    old = Assignment.objects.get(task=task, agency=world.agencies[0], active=True)
    services.assignment_reassign(assignment=old, to_agency=world.agencies[2], by=world.office,
                                 reason="调整。")
    [ob] = obligations_of(world, date(2026, 1, 26), task, first)
    assert ob.agency_id == world.agencies[2].pk and ob.chased and ob.status == OVERDUE


def test_rule_5_each_co_lead_owes_the_one_shared_report(world):
    task, first = world.tasks[1], world.periods[0]
    obs = obligations_of(world, date(2026, 1, 26), task, first)
    assert {o.agency_id for o in obs} == {world.agencies[0].pk, world.agencies[1].pk}
    assert len({id(o.item) for o in obs}) == 1  # one report due, counted once per task
    submit(world, task, first, date(2026, 1, 19), agency=world.agencies[1])
    obs = obligations_of(world, date(2026, 1, 26), task, first)
    assert {o.status for o in obs} == {ON_TIME}  # B's report answers for A too


def test_rule_6_a_completed_task_owes_nothing_after_its_completing_report(world):
    task, (first, second, third) = world.tasks[0], world.periods
    report = submit(world, task, first, date(2026, 1, 16), completion="completed")
    services.report_verify(report=report, by=world.office)
    assert [o.period.pk for o in book(world, date(2026, 3, 20)).obligations
            if o.task_id == task.pk] == [first.pk]
    world.clock.move_to(at(date(2026, 3, 2)), tick=False)
    services.task_reopen(task=task, by=world.office, reason="未完成。")
    owed = {o.period.pk: o.status for o in book(world, date(2026, 3, 20)).obligations
            if o.task_id == task.pk}
    # reopened: owes again, also the period that fell due while it was closed
    assert owed == {first.pk: ON_TIME, second.pk: OVERDUE, third.pk: OVERDUE}


def test_rule_7_a_returned_report_is_owed_again_and_its_last_submission_decides(world):
    task, first = world.tasks[3], world.periods[0]
    report = submit(world, task, first, date(2026, 1, 19))
    world.clock.move_to(at(date(2026, 1, 21)), tick=False)
    services.report_return(report=report, by=world.office, reason="补充。")
    [ob] = obligations_of(world, date(2026, 1, 22), task, first)
    assert (ob.status, ob.chased, ob.item.light) == (OVERDUE, True, RED)
    report.refresh_from_db()
    submit(world, task, first, date(2026, 1, 22))
    [ob] = obligations_of(world, date(2026, 1, 26), task, first)
    assert (ob.status, ob.overdue_days, ob.chased) == (LATE, 2, False)


def test_rule_7_awaiting_sign_off_is_not_yet_submitted(world):
    Plan.objects.filter(pk=world.plan_.pk).update(requires_signoff=True)
    task, first = Task.objects.select_related("plan").get(pk=world.tasks[3].pk), world.periods[0]
    submit(world, task, first, date(2026, 1, 19))
    [ob] = obligations_of(world, date(2026, 1, 21), task, first)
    assert ob.item.report_state == "awaiting_signoff" and ob.status == OVERDUE and ob.chased


def test_rule_8_overdue_working_days_follow_the_calendar_and_stop_at_the_close(world):
    task, second = world.tasks[3], world.periods[1]  # due Friday 2026-02-13
    # 2-14 (make-up Saturday) is a working day; 2-15 to 2-23 is 春节; 2-24 the next one
    [ob] = obligations_of(world, date(2026, 2, 24), task, second)
    assert ob.overdue_days == 2
    world.clock.move_to(at(date(2026, 2, 24)), tick=False)
    period_close(second, world.office)
    [ob] = obligations_of(world, date(2026, 3, 31), task, second)
    assert (ob.overdue_days, ob.chased) == (2, False)  # frozen at the close


def test_rule_9_supporting_material_is_chased_while_the_lead_is(world):
    task, first = world.tasks[2], world.periods[0]
    [support] = [o for o in obligations_of(world, date(2026, 1, 19), task, first,
                                           supporting=True) if o.role == "supporting"]
    assert (support.agency_id, support.status, support.chased) == (
        world.agencies[2].pk, MATERIAL_MISSING, True)
    submit(world, task, first, date(2026, 1, 19))
    [support] = [o for o in obligations_of(world, date(2026, 1, 19), task, first,
                                           supporting=True) if o.role == "supporting"]
    assert support.chased is False  # the lead's report went without it


def test_rule_9_and_10_nothing_is_chased_before_it_is_near(world):
    items = book(world, date(2026, 1, 5)).items
    assert {i.status for i in items} == {NOT_DUE}
    first = [i for i in items if i.period.pk == world.periods[0].pk]
    assert all(i.chased and i.light == "none" for i in first)  # 11 working days to go
    near = [i for i in book(world, date(2026, 1, 16)).items
            if i.period.pk == world.periods[0].pk]
    assert all(i.light == "yellow" for i in near)


def test_receipts_owed_count_working_days_from_the_assignment(world):
    owed = receipts_owed(plan_ids=[world.plan_.pk], on_date=date(2026, 1, 8))
    assert {r.working_days for r in owed} == {3} and not any(r.overdue for r in owed)
    owed = receipts_owed(plan_ids=[world.plan_.pk], on_date=date(2026, 1, 9))
    assert owed and all(r.overdue for r in owed)  # more than the plan's 3 working days
    services.assignment_acknowledge(assignment=owed[0].assignment,
                                    by=world.staff_of(owed[0].assignment.agency_id))
    assert len(receipts_owed(plan_ids=[world.plan_.pk], on_date=date(2026, 1, 9))) == \
        len(owed) - 1


def test_the_ledger_reads_in_a_fixed_number_of_queries(world):
    day = date(2026, 3, 20)
    report = submit(world, world.tasks[0], world.periods[0], date(2026, 1, 19))
    services.report_return(report=report, by=world.office, reason="补充。")
    with CaptureQueriesContext(connection) as one:
        ledger(plan_ids=[world.plan_.pk], on_date=day, supporting=True, returns=True)
    more = [world.plan(signoff=False)[0] for _ in range(3)]
    for plan in more:
        task = plan.tasks.order_by("order").first()
        submit(world, task, plan.periods.order_by("due_on").first(), date(2026, 1, 19))
    ReportingPeriod.objects.create(plan=more[0], label="第4期", starts_on=date(2026, 3, 1),
                                   ends_on=date(2026, 3, 31), due_on=day + timedelta(days=10))
    with CaptureQueriesContext(connection) as many:
        book_ = ledger(plan_ids=[world.plan_.pk, *[p.pk for p in more]], on_date=day,
                       supporting=True, returns=True)
    assert len(book_.items) > 4 * 3
    assert len(many.captured_queries) == len(one.captured_queries) <= 7
