"""The supervision dashboard (督查看板): counts and lights of the current period, progress by
section, the agency ranking, indicator progress, who may read it, and its query count.

Dates are passed to the selectors; the reports' `late` flag is set explicitly, so nothing
depends on the day the suite runs.
"""
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import StaffProfile
from lib.workdays import working_days_between
from supervision.dashboard import list_url, office_dashboard, plan_dashboard, sort_ranking
from supervision.indicators import indicator_light, target_reached_pct, term_elapsed_pct
from tasks.models import Indicator, Plan, Section, Task, TaskAgency
from tasks.services import plan_import
from tests.cast import OFFICE, build_cast, person
from tests.seeds import seed_bytes, seed_path
from workflow import services
from workflow.figures import figures_changed
from workflow.models import Assignment, Escalation, IndicatorValue, ProgressReport, ReportingPeriod
from workflow.obligations import GREEN, NO_LIGHT, RED, YELLOW, current_period, report_light

pytestmark = pytest.mark.dates

D = date
DUE = D(2026, 12, 4)  # a Friday
OVERDUE_DAY = D(2026, 12, 7)  # the next Monday: one working day overdue
SOON_DAY = D(2026, 12, 2)  # two working days before the due date
EARLY_DAY = D(2026, 11, 20)  # ten working days before
LEAD = TaskAgency.Role.LEAD
AGRICULTURE = "市农业农村局"


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _report(task, period, by, *, late=False, completion="in_progress") -> ProgressReport:
    report = services.report_save(task=task, period=period, by=by,
                                  data={"progress": "进展。", "completion": completion})
    services.report_submit(report=report, by=by)
    ProgressReport.objects.filter(pk=report.pk).update(late=late)
    report.refresh_from_db()
    return report


@pytest.fixture(autouse=True)
def written_on(time_machine):
    """The scene's dates were chosen around the day these tests were written; the clock stands
    there (and ticks on), so they hold on any later day."""
    time_machine.move_to(timezone.make_aware(datetime.combine(D(2026, 11, 26), time(10))))


class Scene:
    """The cast, assigned on 1 October, and the current period's reports:
    a: submitted on time · b: verified (办结) · c: submitted late · d: returned."""

    def __init__(self):
        cast = self.cast = build_cast(due_on=DUE)
        moment = timezone.make_aware(datetime.combine(D(2026, 10, 1), time(9)))
        Assignment.objects.filter(task__plan=cast.plan).update(created_at=moment)
        agriculture = cast.lead.profile.agency
        mine = [a.task for a in Assignment.objects.filter(
            task__plan=cast.plan, agency=agriculture, role=LEAD, active=True)
            .select_related("task").order_by("task__order")]
        assert len(mine) == 3 and cast.task in mine
        self.a = cast.task
        self.b, self.c = [t for t in mine if t != cast.task]
        other = (Assignment.objects.filter(task__plan=cast.plan, role=LEAD, active=True)
                 .exclude(task__in=mine).select_related("task", "agency").order_by("task__order")
                 .first())
        self.d, self.d_agency = other.task, other.agency
        self.d_reporter = person("d-reporter", other.agency.name, StaffProfile.Role.REPORTER)
        period = cast.period
        self.report_a = _report(self.a, period, cast.lead)
        self.report_b = _report(self.b, period, cast.lead, completion="completed")
        services.report_verify(report=self.report_b, by=cast.office)
        self.report_c = _report(self.c, period, cast.lead, late=True)
        self.report_d = _report(self.d, period, self.d_reporter)
        services.report_return(report=self.report_d, by=cast.office, reason="补充数据。")
        Escalation.objects.create(task=self.a, period=period, level=2,
                                  kind=Escalation.Kind.URGE, by=cast.office)


@pytest.fixture
def scene(db):
    return Scene()


# ---- the rules --------------------------------------------------------------------------------

def _period(pk, starts_on, closed=False):
    return ReportingPeriod(pk=pk, starts_on=starts_on, ends_on=starts_on, due_on=starts_on,
                           closed_at=timezone.now() if closed else None)


def test_the_current_period_is_the_latest_open_one_started():
    q1, q2, q3 = _period(1, D(2026, 1, 1)), _period(2, D(2026, 4, 1)), _period(3, D(2026, 7, 1))
    assert current_period([q1, q2, q3], D(2026, 5, 1)) == q2
    q2.closed_at = timezone.now()
    assert current_period([q1, q2, q3], D(2026, 5, 1)) == q1
    assert current_period([q3], D(2026, 5, 1)) == q3  # none started: the latest
    assert current_period([], D(2026, 5, 1)) is None


@pytest.mark.parametrize(("state", "late", "day", "light"), [
    ("not_started", False, OVERDUE_DAY, RED),
    ("draft", False, OVERDUE_DAY, RED),
    ("returned", False, OVERDUE_DAY, RED),
    ("awaiting_signoff", False, OVERDUE_DAY, RED),
    ("not_started", False, DUE, YELLOW),
    ("draft", False, SOON_DAY, YELLOW),
    ("draft", False, D(2026, 11, 30), NO_LIGHT),  # four working days before
    ("not_started", False, EARLY_DAY, NO_LIGHT),
    ("submitted", False, OVERDUE_DAY, GREEN),
    ("verified", True, OVERDUE_DAY, GREEN),
    ("submitted", True, OVERDUE_DAY, NO_LIGHT),  # late, waiting for the office
])
def test_the_light_of_a_lead_report(state, late, day, light):
    assert report_light(due_on=DUE, on_date=day, state=state, late=late, chased=True) == light


def test_a_report_nobody_is_chased_for_has_no_red_or_yellow():
    for day in (OVERDUE_DAY, SOON_DAY):
        assert report_light(due_on=DUE, on_date=day, state="draft", late=False,
                            chased=False) == NO_LIGHT
    assert report_light(due_on=DUE, on_date=OVERDUE_DAY, state="verified", late=False,
                        chased=False) == GREEN


def test_yellow_means_at_most_three_working_days_left_across_holidays():
    """The light walks a few days forward instead of counting every day up to the due date;
    it must agree with the count, around 春节 2026 (make-up day 2026-02-14) and weekends."""
    for due in (D(2026, 2, 13), D(2026, 2, 14), D(2026, 2, 24), D(2026, 2, 28), D(2026, 3, 2)):
        for back in range(25):
            day = due - timedelta(days=back)
            expected = YELLOW if working_days_between(day, due) <= 3 else NO_LIGHT
            assert report_light(due_on=due, on_date=day, state="draft", late=False,
                                chased=True) == expected, (day, due)
    assert report_light(due_on=D(2099, 1, 10), on_date=D(2026, 11, 26), state="draft",
                        late=False, chased=True) == NO_LIGHT


def test_a_cumulative_target_with_a_baseline_counts_from_the_baseline():
    assert target_reached_pct(value=12, target=20, kind="cumulative", baseline=10) == 20.0
    assert target_reached_pct(value=Decimal("7.8"), target=Decimal("15.6"),
                              kind="cumulative") == 50.0
    # a target below the baseline (reduce to 80 from 100): 90 is half way
    assert target_reached_pct(value=90, target=80, comparator="le", kind="cumulative",
                              baseline=100) == 50.0


def test_a_period_target_is_value_over_target():
    assert target_reached_pct(value=21, target=42, kind="period", baseline=30) == 50.0
    assert target_reached_pct(value=None, target=42, kind="period") is None
    assert target_reached_pct(value=1, target=None, kind="period") is None


def test_an_increase_by_percent_target_reads_the_value_as_the_increase():
    assert target_reached_pct(value=5, target=20, comparator="increase_pct",
                              kind="cumulative", baseline=8) == 25.0


def test_the_indicator_light_compares_reached_with_the_term_elapsed():
    assert term_elapsed_pct(D(2022, 1, 1), D(2024, 1, 1), D(2023, 1, 1)) == 50.0
    assert term_elapsed_pct(D(2022, 1, 1), D(2024, 1, 1), D(2030, 1, 1)) == 100.0
    assert term_elapsed_pct(D(2022, 1, 1), D(2024, 1, 1), D(2020, 1, 1)) == 0.0
    assert term_elapsed_pct(None, D(2024, 1, 1), D(2023, 1, 1)) is None
    assert indicator_light(54.9, 80) == RED
    assert indicator_light(55, 80) == YELLOW
    assert indicator_light(69.9, 80) == YELLOW
    assert indicator_light(70, 80) == GREEN
    assert indicator_light(None, 80) == NO_LIGHT


def test_the_ranking_sorts_by_the_requested_column():
    rows = [{"name": "乙", "late": 1, "on_time_rate": None},
            {"name": "甲", "late": 3, "on_time_rate": 50.0}]
    assert [r["name"] for r in sort_ranking(rows, "-late")[0]] == ["甲", "乙"]
    assert [r["name"] for r in sort_ranking(rows, "late")[0]] == ["乙", "甲"]
    assert sort_ranking(rows, "drop table")[1] == "-on_time_rate"
    assert [r["name"] for r in sort_ranking(rows, None)[0]] == ["甲", "乙"]  # no rate last


# ---- the plan's dashboard ----------------------------------------------------------------------

def test_it_counts_the_current_periods_reports_and_lights_when_overdue(scene):
    board = plan_dashboard(scene.cast.plan, OVERDUE_DAY)
    fig = board["figures"]
    assert [row.period for row in fig.periods] == [scene.cast.period]
    assert fig.owed == 43
    assert fig.totals.report_states == {"not_started": 39, "draft": 0, "awaiting_signoff": 0,
                                 "submitted": 2, "returned": 1, "verified": 1}
    assert fig.task_states == {"assigned": 39, "reporting": 3, "verified": 1}
    assert fig.lights == {RED: 40, YELLOW: 0, GREEN: 2, NO_LIGHT: 1}
    assert (fig.totals.on_time, fig.totals.late, fig.totals.overdue) == (2, 1, 40)
    assert fig.on_time_rate == 4.7


def test_the_lights_turn_yellow_before_the_due_date(scene):
    fig = plan_dashboard(scene.cast.plan, SOON_DAY)["figures"]
    assert fig.lights == {RED: 0, YELLOW: 40, GREEN: 2, NO_LIGHT: 1}
    assert (fig.totals.on_time, fig.totals.late, fig.totals.overdue) == (2, 1, 0)
    fig = plan_dashboard(scene.cast.plan, EARLY_DAY)["figures"]
    assert fig.lights == {RED: 0, YELLOW: 0, GREEN: 2, NO_LIGHT: 41}


def test_each_count_links_to_the_filtered_list(scene):
    plan, period = scene.cast.plan, scene.cast.period
    fig = plan_dashboard(plan, OVERDUE_DAY)["figures"]
    [row] = fig.periods
    assert row.light_links()[RED] == (
        f"/supervision/plans/{plan.pk}/tasks/?period={period.pk}&light=red")
    [verified] = [r for r in fig.task_state_rows() if r["key"] == "verified"]
    assert verified["url"] == list_url(plan.pk, state="verified")
    [red] = [r for r in fig.light_rows() if r["key"] == RED]
    assert red["url"] == reverse("workflow:overdue", args=[plan.pk])  # every period's reds
    page = _client(scene.cast.office).get(reverse("supervision:plan", args=[plan.pk]))
    assert row.light_links()[RED].replace("&", "&amp;") in page.content.decode()


def test_a_task_assigned_after_the_period_fell_due_owes_nothing(scene):
    late = timezone.make_aware(datetime.combine(D(2026, 12, 5), time(9)))
    Assignment.objects.filter(task=scene.d).update(created_at=late)
    fig = plan_dashboard(scene.cast.plan, OVERDUE_DAY)["figures"]
    assert fig.owed == 42
    assert fig.totals.report_states["returned"] == 0


def test_sections_show_the_share_verified_and_submitted(scene):
    sections = plan_dashboard(scene.cast.plan, OVERDUE_DAY)["figures"].sections
    plan = scene.cast.plan
    assert [s["pk"] for s in sections] == list(
        Section.objects.filter(plan=plan, parent=None).order_by("order").values_list("pk",
                                                                                     flat=True))
    assert sum(s["tasks"] for s in sections) == 43  # sub-sections roll up to their chapter
    assert sum(s["verified"] for s in sections) == 1
    assert sum(s["submitted"] for s in sections) == 3  # a, b, c: the returned one is not
    top = scene.b.section
    while top.parent_id:
        top = top.parent
    [row] = [s for s in sections if s["pk"] == top.pk]
    assert row["verified_pct"] == round(100 / row["tasks"], 1)
    assert row["url"] == f"/supervision/plans/{plan.pk}/tasks/?section={top.pk}"


def test_the_agency_ranking_counts_each_lead_agencys_reports(scene):
    board = plan_dashboard(scene.cast.plan, OVERDUE_DAY)
    rows = {r["name"]: r for r in board["ranking"]}
    agriculture = rows[AGRICULTURE]
    assert {k: agriculture[k] for k in ("tasks", "due", "on_time", "late", "overdue",
                                        "returned", "verified", "escalations")} == {
        "tasks": 3, "due": 3, "on_time": 2, "late": 1, "overdue": 0, "returned": 0,
        "verified": 1, "escalations": 1}
    assert agriculture["on_time_rate"] == 66.7
    agency = scene.cast.lead.profile.agency
    assert agriculture["url"] == f"/supervision/agencies/{agency.pk}/?plan={scene.cast.plan.pk}"
    other = rows[scene.d_agency.name]
    assert other["returned"] == 1
    # the returned report is not in: everything not submitted is overdue
    assert other["overdue"] == other["due"] - other["on_time"] - other["late"] > 0
    assert sum(r["tasks"] for r in board["ranking"]) == Assignment.objects.filter(
        task__plan=scene.cast.plan, role=LEAD, active=True).count()


def test_the_ranking_is_sorted_on_the_server(scene):
    office = _client(scene.cast.office)
    url = reverse("supervision:plan", args=[scene.cast.plan.pk])
    rows = office.get(url, {"sort": "-overdue"}).context["ranking"]
    assert [r["overdue"] for r in rows] == sorted((r["overdue"] for r in rows), reverse=True)
    rows = office.get(url, {"sort": "name"}).context["ranking"]
    assert [r["name"] for r in rows] == sorted(r["name"] for r in rows)


# ---- indicators -------------------------------------------------------------------------------

def test_the_indicator_shows_the_latest_verified_value(scene):
    cast = scene.cast
    indicator = Indicator.objects.get(plan=cast.plan, name="商标有效注册量")  # 15.6, cumulative
    scene.b.indicators.add(indicator)  # b's report for the period is verified
    agency = cast.lead.profile.agency
    IndicatorValue.objects.create(indicator=indicator, period=cast.period, value=Decimal("7.8"),
                                  agency=agency)
    later = ReportingPeriod.objects.create(plan=cast.plan, label="2027年第1季度",
                                           starts_on=D(2027, 1, 1), ends_on=D(2027, 3, 31),
                                           due_on=D(2027, 4, 9))
    IndicatorValue.objects.create(indicator=indicator, period=later, value=Decimal("9"),
                                  agency=agency)
    board = plan_dashboard(cast.plan, OVERDUE_DAY)["indicators"]
    [row] = [r for r in board["rows"] if r["indicator"] == indicator]
    assert row["value"].value == Decimal("7.8") and row["verified"]
    assert row["reached_pct"] == 50.0
    assert board["elapsed_pct"] == 100.0  # the plan ran 2022-07 to 2025-06
    assert row["light"] == RED

    IndicatorValue.objects.filter(period=cast.period).delete()
    board = plan_dashboard(cast.plan, OVERDUE_DAY)["indicators"]
    [row] = [r for r in board["rows"] if r["indicator"] == indicator]
    assert row["value"] is None  # 9 belongs to no report sent on: not counted (visibility)

    scene.a.indicators.add(indicator)
    _report(scene.a, later, cast.lead)  # submitted: its period's value is now sent on
    board = plan_dashboard(cast.plan, OVERDUE_DAY)["indicators"]
    [row] = [r for r in board["rows"] if r["indicator"] == indicator]
    assert row["value"].value == Decimal("9") and not row["verified"]  # the latest, unverified


def test_a_shared_target_counts_once(scene):
    cast = scene.cast
    awards = Indicator.objects.get(plan=cast.plan, name="申报专利奖项数")
    projects = Indicator.objects.get(plan=cast.plan, name="申报高价值核心专利项目数")
    assert awards.target_id == projects.target_id  # 42 (期间数), one cell for both
    agency = cast.lead.profile.agency
    scene.a.indicators.add(awards, projects)  # a's report for the period is submitted
    IndicatorValue.objects.create(indicator=awards, period=cast.period, value=42, agency=agency)
    IndicatorValue.objects.create(indicator=projects, period=cast.period, value=10,
                                  agency=agency)
    board = plan_dashboard(cast.plan, OVERDUE_DAY)["indicators"]
    assert len(board["rows"]) == 23
    assert board["targets"] == 21
    assert board["lights"] == {RED: 1, YELLOW: 0, GREEN: 0, NO_LIGHT: 20}
    shared = {r["indicator"].name: r for r in board["rows"] if r["shared"]}
    assert shared["申报专利奖项数"]["reached_pct"] == 100.0
    assert shared["申报高价值核心专利项目数"]["reached_pct"] == 23.8


# ---- who may read it -------------------------------------------------------------------------

def test_the_office_and_the_leader_read_the_plans_dashboard(scene):
    url = reverse("supervision:plan", args=[scene.cast.plan.pk])
    for user in (scene.cast.office, scene.cast.director, scene.cast.leader):
        page = _client(user).get(url)
        assert page.status_code == 200
        assert 'id="dashboard-data"' in page.content.decode()
        assert "vendor/echarts/echarts.min.js" in page.content.decode()


def test_agencies_get_403(scene):
    for user in (scene.cast.lead, scene.cast.head, scene.cast.supporting, scene.cast.outsider):
        client = _client(user)
        assert client.get(reverse("supervision:plan", args=[scene.cast.plan.pk])).status_code == 403
        assert client.get(reverse("supervision:office")).status_code == 403


def test_another_offices_plan_is_404(scene):
    other = plan_import(data=seed_bytes("002"), source_name=seed_path("002").name).plan
    client = _client(scene.cast.office)
    assert client.get(reverse("supervision:plan", args=[other.pk])).status_code == 404
    assert client.get(reverse("supervision:plan", args=[999999])).status_code == 404


def test_it_rejects_post(scene):
    client = _client(scene.cast.office)
    assert client.post(reverse("supervision:office")).status_code == 405


# ---- the office's dashboard --------------------------------------------------------------------

def _second_plan(cast) -> Plan:
    """Seed 003 imported for the same office and dispatched: more plans, tasks, agencies."""
    plan = plan_import(data=seed_bytes("003"), source_name=seed_path("003").name,
                       office_agency_id=cast.office.profile.agency_id).plan
    Task.objects.filter(plan=plan, needs_lead=True).update(needs_lead=False)
    ReportingPeriod.objects.create(plan=plan, label="第4季度", starts_on=D(2026, 10, 1),
                                   ends_on=D(2026, 12, 31), due_on=DUE)
    services.plan_dispatch(plan=plan, by=cast.office)
    return plan


def test_the_office_dashboard_adds_up_its_plans(scene):
    cast = scene.cast
    board = office_dashboard(cast.office, OVERDUE_DAY)
    assert [fig.plan for fig, _ in board["plans"]] == [cast.plan]
    assert board["totals"].lights == plan_dashboard(cast.plan, OVERDUE_DAY)["figures"].lights
    second = _second_plan(cast)
    board = office_dashboard(cast.office, OVERDUE_DAY)
    figures = {fig.plan: fig for fig, _ in board["plans"]}
    assert set(figures) == {cast.plan, second}
    assert board["totals"].owed == figures[cast.plan].owed + figures[second].owed
    assert figures[second].owed == 6  # its tasks with a lead agency
    assert board["totals"].lights[RED] == 40 + 6
    assert board["ranking"][0]["url"].startswith("/supervision/agencies/")
    assert "?plan=" not in board["ranking"][0]["url"]


def test_the_leader_sees_the_plans_they_read(scene):
    page = _client(scene.cast.leader).get(reverse("supervision:office"))
    assert page.status_code == 200
    assert [fig.plan for fig, _ in page.context["plans"]] == [scene.cast.plan]


# ---- queries ----------------------------------------------------------------------------------

def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def _cold_and_warm(client, url) -> tuple[int, int]:
    """Queries of the page computing every plan's figures, then reading them cached."""
    figures_changed()
    return _queries(client, url), _queries(client, url)


def test_both_dashboards_read_in_a_constant_number_of_queries(scene):
    cast = scene.cast
    client = _client(cast.office)
    plan_url = reverse("supervision:plan", args=[cast.plan.pk])
    office_url = reverse("supervision:office")
    client.get(plan_url)  # warm up: the content types guardian reads are cached per process
    before = (_cold_and_warm(client, plan_url), _cold_and_warm(client, office_url))

    second = _second_plan(cast)
    agency = cast.lead.profile.agency
    for indicator in Indicator.objects.filter(plan=cast.plan)[:5]:
        IndicatorValue.objects.create(indicator=indicator, period=cast.period, value=3,
                                      agency=agency)
    for task in (Assignment.objects.filter(task__plan=cast.plan, role=LEAD, active=True)
                 .exclude(task__in=[scene.a, scene.b, scene.c, scene.d])
                 .select_related("task", "agency")[:4]):
        reporter = person(f"r-{task.pk}", task.agency.name, StaffProfile.Role.REPORTER)
        report = _report(task.task, cast.period, reporter)
        services.report_return(report=report, by=cast.office, reason="补充。")
        Escalation.objects.create(task=task.task, period=cast.period, level=1,
                                  kind=Escalation.Kind.URGE, by=cast.office)
    ReportingPeriod.objects.create(plan=cast.plan, label="第3季度", starts_on=D(2026, 7, 1),
                                   ends_on=D(2026, 9, 30), due_on=D(2026, 10, 15))
    assert Plan.objects.filter(office_agency__name=OFFICE).count() == 2
    after = (_cold_and_warm(client, plan_url), _cold_and_warm(client, office_url))
    assert office_dashboard(cast.office, OVERDUE_DAY)["totals"].owed > 43
    assert second.tasks.exists()
    assert after == before
    assert before[0][1] < before[0][0] and before[1][1] < before[1][0]  # cached: fewer


def test_the_lists_across_plans_read_in_a_constant_number_of_queries(scene, time_machine):
    """The all-plans task list and overdue list, and 我的任务: a second plan, more reports and
    an older period add rows, not queries."""
    cast = scene.cast
    time_machine.move_to(timezone.make_aware(datetime.combine(OVERDUE_DAY, time(10))))
    office, lead = _client(cast.office), _client(cast.lead)
    urls = [(office, reverse("supervision:all-tasks")), (office, reverse("workflow:overdue-all")),
            (office, reverse("supervision:all-tasks") + "?light=red"),
            (lead, reverse("workflow:my-tasks")),
            (lead, reverse("workflow:my-tasks") + "?overdue=1")]
    for client, url in urls:
        client.get(url)  # warm up (sessions, content types)
    before = [_queries(client, url) for client, url in urls]
    overdue_before = office.get(reverse("workflow:overdue-all")).context["count"]
    mine_overdue = reverse("workflow:my-tasks") + "?overdue=1"
    mine_before = lead.get(mine_overdue).context["page"].paginator.count

    second = _second_plan(cast)
    ReportingPeriod.objects.create(plan=cast.plan, label="第3季度", starts_on=D(2026, 7, 1),
                                   ends_on=D(2026, 9, 30), due_on=D(2026, 10, 15))
    for task in (Assignment.objects.filter(task__plan=cast.plan, role=LEAD, active=True,
                                           agency=cast.lead.profile.agency)
                 .exclude(task__in=[scene.a, scene.b, scene.c, scene.d])[:3]):
        _report(task.task, cast.period, cast.lead)
    after = [_queries(client, url) for client, url in urls]
    overdue_after = office.get(reverse("workflow:overdue-all")).context["count"]
    assert second.tasks.exists() and overdue_after > overdue_before
    # An empty page reads no reports (Django skips `pk__in=[]`): 我的任务 ?overdue=1 has one
    # query more once it has a row, and no more however many.
    mine_after = lead.get(mine_overdue).context["page"].paginator.count
    assert mine_after > 0
    assert after == [*before[:4], before[4] + (mine_before == 0)]
