"""The dashboards' cached figures (supervision.dashboard.plans_figures, workflow.figures): each
kind of change draws the plan's stamp afresh in its own transaction, so the next dashboard
computes again; while nothing changes, the figures come from the cache and equal a full
recomputation. (The generated histories of tests/test_obligations_agree.py check cached =
recomputed after every step too.)"""
from __future__ import annotations

from datetime import date, datetime, time

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from agencies.models import Agency, AgencyMatchSuggestion, StaffProfile
from lib.workdays import add_working_days
from supervision.dashboard import figures_compute, office_dashboard, plan_dashboard, plans_figures
from tasks.models import Plan
from tests.cast import person
from tests.test_obligations_agree import START, World
from workflow import reminders, services
from workflow.calendar import calendar_year_set
from workflow.escalation import task_escalate
from workflow.extensions import extension_accept
from workflow.figures import figures_stamps
from workflow.merging import agencies_merge
from workflow.models import Assignment, ExtensionRequest, FiguresStamp, ProgressReport
from workflow.periods import period_close, period_reopen, periods_generate

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 20)  # every period of World's plan has fallen due


@pytest.fixture
def world():
    """World's agencies and people; its plans made on START, the tests then run on DAY."""
    with time_machine.travel(_at(START), tick=False) as clock:
        yield _world(clock)


def _at(day: date):
    return timezone.make_aware(datetime.combine(day, time(9)))


class _Clocked(World):
    def plan(self, signoff: bool):
        self.clock.move_to(_at(START))
        made = super().plan(signoff)
        self.clock.move_to(_at(DAY))
        return made


def _world(clock):
    world = _Clocked()
    world.clock = clock
    world.director = person("h-director", world.office_agency.name,
                            StaffProfile.Role.OFFICE_DIRECTOR)
    return world


def _stamp(plan) -> str:
    return FiguresStamp.objects.get(plan=plan).token


def _same(cached: dict, fresh: dict) -> None:
    assert [(p.pk, c) for p, c in cached["periods"]] == [(p.pk, c) for p, c in fresh["periods"]]
    for key in ("task_states", "sections", "ranking"):
        assert cached[key] == fresh[key], key


def _submit(world, task, period):
    lead = world.staff_of(Assignment.objects.filter(task=task, role="lead", active=True)
                          .order_by("pk").first().agency_id)
    report = services.report_save(task=task, period=period, by=lead,
                                  data={"progress": "进展。", "completion": "completed"})
    return services.report_submit(report=report, by=lead)


def test_a_plan_gets_its_stamp_when_made_and_reads_cached_until_it_changes(world):
    plan, tasks, periods = world.plan(signoff=False)
    assert FiguresStamp.objects.filter(plan=plan).exists()
    first = plans_figures([plan], DAY)[plan.pk]
    with CaptureQueriesContext(connection) as queries:
        again = plans_figures([plan], DAY)[plan.pk]
    assert len(queries) == 1  # the stamp; the figures from the cache
    _same(again, figures_compute([plan], DAY)[plan.pk])
    assert first["key"] == again["key"]
    # another day is another key: lights and overdue days move with the calendar
    assert plans_figures([plan], date(2026, 3, 23))[plan.pk]["key"] != first["key"]


def test_the_dashboard_shows_a_submission_at_once(world):
    plan, tasks, periods = world.plan(signoff=False)
    before = plan_dashboard(plan, DAY)["figures"].totals
    office_before = office_dashboard(world.office, DAY)["totals"].totals
    _submit(world, tasks[0], periods[0])
    after = plan_dashboard(plan, DAY)["figures"].totals
    assert after.late == before.late + 1
    assert office_dashboard(world.office, DAY)["totals"].totals.late == office_before.late + 1


@pytest.mark.parametrize("event", [
    "report_draft", "report_submit", "report_return", "report_verify", "task_reopen",
    "reassign", "contribution", "escalate", "sweep_escalations", "period_close",
    "period_reopen", "periods_generate", "plan_save", "calendar", "agency_merge",
    "agency_rename", "extension_accept",
])
def test_each_kind_of_change_makes_the_figures_stale(world, event, django_user_model):
    plan, tasks, periods = world.plan(signoff=False)
    a, b, c = world.agencies
    if event in ("report_return", "report_verify", "task_reopen"):
        report = _submit(world, tasks[0], periods[0])
        if event == "task_reopen":
            services.report_verify(report=report, by=world.office)
    if event == "period_reopen":
        period_close(periods[0], world.office)
    if event == "extension_accept":  # asked in time; the office accepts it on DAY
        lead = Assignment.objects.get(task=tasks[0], role="lead", active=True)
        asked = ExtensionRequest.objects.create(
            task=tasks[0], period=periods[-1], agency_id=lead.agency_id, reason="施工期长。",
            progress="已完成过半。", original_due_on=periods[-1].due_on,
            proposed_on=add_working_days(periods[-1].due_on, 5),
            state=ExtensionRequest.State.SUBMITTED)
    cached = plans_figures([plan], DAY)[plan.pk]
    stamp = _stamp(plan)
    with transaction.atomic():
        if event == "report_draft":
            services.report_save(task=tasks[0], period=periods[0], by=world.reporters[0],
                                 data={"progress": "草稿。"})
        elif event == "report_submit":
            _submit(world, tasks[0], periods[0])
        elif event == "report_return":
            services.report_return(report=ProgressReport.objects.get(task=tasks[0]),
                                   by=world.office, reason="请补充。")
        elif event == "report_verify":
            services.report_verify(report=ProgressReport.objects.get(task=tasks[0]),
                                   by=world.office)
        elif event == "task_reopen":
            services.task_reopen(task=tasks[0], by=world.office, reason="重新推进。")
        elif event == "reassign":
            services.assignment_reassign(
                assignment=Assignment.objects.get(task=tasks[3], role="lead", active=True),
                to_agency=a, by=world.office, reason="职责调整。")
        elif event == "contribution":
            services.contribution_save(task=tasks[2], period=periods[0], by=world.reporters[2],
                                       text="配合材料。", submit=True)
        elif event == "escalate":
            task_escalate(task=tasks[0], by=world.office, kind="urge", text="请报送")
        elif event == "sweep_escalations":
            assert reminders.escalations_apply(DAY)  # the tiers dispatch set are reached
        elif event == "period_close":
            period_close(periods[1], world.office)
        elif event == "period_reopen":
            period_reopen(periods[0], world.director, reason="补报。")
        elif event == "periods_generate":
            Plan.objects.filter(pk=plan.pk).update(period_end=date(2026, 12, 31))
            plan.period_end = date(2026, 12, 31)
            assert periods_generate(plan)  # bulk-inserted periods: no signal
        elif event == "plan_save":
            plan.title = "改名的方案"
            plan.save()
        elif event == "calendar":
            calendar_year_set(year=2026, holidays="2026-03-16 测试假日", workdays_text="",
                              by=world.office)
        elif event == "extension_accept":
            extension_accept(request=asked, by=world.office, new_date=None)
        elif event == "agency_rename":
            a.name = "测试市第一局（更名）"
            a.save()
        elif event == "agency_merge":
            merged = Agency.objects.create(name="测试市第一局")
            Assignment.objects.create(task=tasks[0], agency=merged, role="supporting")
            suggestion = AgencyMatchSuggestion.objects.create(agency=merged, candidate=a,
                                                              score=0.9)
            stamp_after_create = _stamp(plan)
            cached = plans_figures([plan], DAY)[plan.pk]
            agencies_merge(suggestion=suggestion)
            assert _stamp(plan) != stamp_after_create
        assert _stamp(plan) != stamp  # in the same transaction as the change
    fresh = plans_figures([plan], DAY)[plan.pk]
    assert fresh["key"] != cached["key"]
    _same(fresh, figures_compute([plan], DAY)[plan.pk])


def test_a_rolled_back_change_never_serves_its_figures(world):
    plan, tasks, periods = world.plan(signoff=False)
    plans_figures([plan], DAY)
    committed = _stamp(plan)
    with transaction.atomic():
        _submit(world, tasks[0], periods[0])
        inside = plans_figures([plan], DAY)[plan.pk]  # cached under the uncommitted stamp
        assert inside["key"].split(":")[2] != committed
        transaction.set_rollback(True)
    assert _stamp(plan) == committed
    _same(plans_figures([plan], DAY)[plan.pk], figures_compute([plan], DAY)[plan.pk])
    # a later change draws a new token: never the rolled-back one
    _submit(world, tasks[1], periods[0])
    assert _stamp(plan) not in (committed, inside["key"].split(":")[2])


def test_stamps_are_made_for_plans_that_have_none(world):
    plan, tasks, periods = world.plan(signoff=False)
    FiguresStamp.objects.filter(plan=plan).delete()  # e.g. plans bulk-inserted
    assert set(figures_stamps([plan.pk])) == {plan.pk}
    _same(plans_figures([plan], DAY)[plan.pk], figures_compute([plan], DAY)[plan.pk])
