"""The supervision lists (issue 5): the task list with its filters and .xlsx export, an
agency's scorecard, the assessment (考核) and its scoring functions.

On seed 001 (tests/cast.py): 市农业农村局 leads three tasks; at 2027-01-15 one report went in
on time (returned once, then verified), one late, one is missing and was urged (催办).
"""
from datetime import date, datetime, time
from decimal import Decimal
from fractions import Fraction
from io import BytesIO
from urllib.parse import unquote

import pytest
from django.db import connection
from django.db.models import Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from agencies.models import Agency
from lib.workdays import add_working_days
from supervision.assessment import Facts, attainment, period_facts, score
from supervision.models import AssessmentWeights
from tasks.models import IndicatorLead, Target, Task
from tests.cast import build_cast, person
from workflow import obligations as lights
from workflow.escalation import task_escalate
from workflow.models import (
    Assignment,
    Escalation,
    IndicatorValue,
    ReportingPeriod,
)
from workflow.services import report_return, report_save, report_submit, report_verify

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

LEAD_AGENCY = "市农业农村局"
SUPPORTING_AGENCY = "市工业和能源局"
DUE = date(2027, 1, 10)  # a Sunday
AS_OF = date(2027, 1, 15)  # 5 working days after DUE


def at(clock, day: date) -> None:
    """Stop the clock at 10:00 on the day (clock: time-machine's fixture)."""
    clock.move_to(timezone.make_aware(datetime.combine(day, time(10))), tick=False)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _submit(cast, task, period=None, by=None):
    report = report_save(task=task, period=period or cast.period, by=by or cast.lead,
                         data={"progress": "推进中。", "completion": "in_progress"})
    return report_submit(report=report, by=by or cast.lead)


def _led(agency_name=LEAD_AGENCY):
    return [a.task for a in Assignment.objects.filter(
        agency__name=agency_name, role="lead", active=True).select_related("task")
        .order_by("task__order")]


@pytest.fixture
def cast(time_machine):
    """Reports of 市农业农村局 at AS_OF: on time (returned once, verified), late, missing."""
    clock = time_machine
    cast = build_cast(due_on=DUE)
    cast.on_time_task, cast.late_task, cast.missing_task = _led()
    at(clock, date(2027, 1, 4))
    on_time = _submit(cast, cast.on_time_task)
    report_return(report=on_time, by=cast.office, reason="请补充数据")
    at(clock, date(2027, 1, 6))
    on_time.refresh_from_db()
    report_submit(report=on_time, by=cast.lead)
    report_verify(report=on_time, by=cast.office)
    at(clock, date(2027, 1, 12))
    _submit(cast, cast.late_task)
    at(clock, AS_OF)
    task_escalate(task=cast.missing_task, by=cast.office, kind=Escalation.Kind.URGE,
                  text="请尽快报送", period=cast.period)
    cast.agency = Agency.objects.get(name=LEAD_AGENCY)
    return cast


def _tasks_url(cast, **params):
    url = reverse("supervision:tasks", args=[cast.plan.pk])
    if params:
        url += "?" + "&".join(f"{k}={v}" for k, v in params.items())
    return url


def _listed(response) -> set[int]:
    return {row["task"].pk for row in response.context["rows"]}


# ---- the task list ----------------------------------------------------------------------------

def test_it_lists_the_plans_tasks_with_their_light(cast):
    response = _client(cast.office).get(_tasks_url(cast))
    assert response.status_code == 200
    rows = {row["task"].pk: row for row in response.context["rows"]}
    assert rows[cast.on_time_task.pk]["light"] == lights.GREEN
    assert rows[cast.late_task.pk]["light"] == lights.NO_LIGHT  # late, waiting for the office
    assert rows[cast.missing_task.pk]["light"] == lights.RED
    assert rows[cast.missing_task.pk]["report_state"] == lights.NOT_STARTED
    assert rows[cast.late_task.pk]["report_state"] == "submitted"


def test_it_filters_by_light(cast):
    client = _client(cast.office)
    red = _listed(client.get(_tasks_url(cast, light="red")))
    assert cast.missing_task.pk in red
    assert not red & {cast.on_time_task.pk, cast.late_task.pk}
    assert _listed(client.get(_tasks_url(cast, light="green"))) == {cast.on_time_task.pk}


def test_the_list_and_the_dashboard_count_the_same_lights(cast):
    """One rule says what is owed: a task whose lead was assigned after the due date has no
    light in the list and is not counted on the dashboard."""
    late_comer = timezone.make_aware(datetime.combine(date(2027, 1, 11), time(9)))
    Assignment.objects.filter(task=cast.missing_task, role="lead").update(created_at=late_comer)
    client = _client(cast.office)
    rows = client.get(_tasks_url(cast)).context["rows"]
    listed = {light: sum(row["light"] == light for row in rows) for light in lights.LIGHTS}
    dashboard = client.get(reverse("supervision:plan", args=[cast.plan.pk])).context
    assert listed == {k: v for k, v in dashboard["figures"].lights.items() if k in lights.LIGHTS}
    missing = next(row for row in rows if row["task"] == cast.missing_task)
    assert missing["light"] == lights.NO_LIGHT
    assert listed[lights.GREEN] == 1 and listed[lights.RED] > 0


def test_a_period_due_soon_is_yellow(cast):
    soon = ReportingPeriod.objects.create(
        plan=cast.plan, label="第1季度", starts_on=date(2027, 1, 1), ends_on=date(2027, 3, 31),
        due_on=add_working_days(AS_OF, 2))
    yellow = _listed(_client(cast.office).get(_tasks_url(cast, light="yellow", period=soon.pk)))
    assert {cast.on_time_task.pk, cast.late_task.pk, cast.missing_task.pk} <= yellow


def test_it_filters_by_task_state(cast):
    verified = _listed(_client(cast.office).get(_tasks_url(cast, state="verified")))
    assert verified == set(Task.objects.filter(plan=cast.plan, state="verified")
                           .values_list("pk", flat=True))
    reporting = _listed(_client(cast.office).get(_tasks_url(cast, state="reporting")))
    assert cast.late_task.pk in reporting and cast.missing_task.pk not in reporting


def test_it_filters_by_agency_as_lead_or_supporting(cast):
    client = _client(cast.office)
    supporting = Agency.objects.get(name=SUPPORTING_AGENCY)
    as_lead = _listed(client.get(_tasks_url(cast, agency=supporting.pk, role="lead")))
    as_support = _listed(client.get(_tasks_url(cast, agency=supporting.pk, role="supporting")))
    either = _listed(client.get(_tasks_url(cast, agency=supporting.pk)))
    assert cast.task.pk in as_support and cast.task.pk not in as_lead
    assert either == as_lead | as_support
    assert as_lead == {t.pk for t in _led(SUPPORTING_AGENCY)}
    lead = _listed(client.get(_tasks_url(cast, agency=cast.agency.pk, role="lead")))
    assert lead == {cast.on_time_task.pk, cast.late_task.pk, cast.missing_task.pk}


def test_it_filters_by_escalation_level_and_text(cast):
    client = _client(cast.office)
    level = Task.objects.get(pk=cast.missing_task.pk).escalation_level
    assert level > 0
    assert _listed(client.get(_tasks_url(cast, escalation_level=level))) == {
        cast.missing_task.pk}
    words = cast.late_task.content[:12]
    found = _listed(client.get(_tasks_url(cast, q=words)))
    assert cast.late_task.pk in found
    assert found == set(Task.objects.filter(
        Q(content__icontains=words) | Q(source_ref__icontains=words)
        | Q(section__title__icontains=words), plan=cast.plan).values_list("pk", flat=True))
    assert not _listed(client.get(_tasks_url(cast, q="不存在的词语")))


def test_it_paginates_by_50(cast):
    for n in range(60):
        Task.objects.create(plan=cast.plan, order=1000 + n, content=f"分页任务{n}")
    client = _client(cast.office)
    total = Task.objects.filter(plan=cast.plan).count()
    first = client.get(_tasks_url(cast))
    assert len(first.context["rows"]) == 50
    assert first.context["page"].paginator.count == total
    last = client.get(_tasks_url(cast, page=first.context["page"].paginator.num_pages))
    assert len(last.context["rows"]) == total - 50 * (last.context["page"].number - 1)


def test_it_exports_the_filtered_list_to_xlsx(cast):
    response = _client(cast.office).get(
        _tasks_url(cast, agency=cast.agency.pk, role="lead", format="xlsx"))
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    name = unquote(disposition.split("''", 1)[1])  # named after the plan and the day
    assert name.startswith(f"任务清单-{cast.plan.title[:40]}")
    assert name.endswith(f"-{timezone.localdate().isoformat()}.xlsx")
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 3
    assert rows[0][:2] == ("方案", "任务")
    assert {r[1] for r in rows[1:]} == {cast.on_time_task.content, cast.late_task.content,
                                       cast.missing_task.content}
    missing = next(r for r in rows[1:] if r[1] == cast.missing_task.content)
    assert missing[0] == cast.plan.title
    assert LEAD_AGENCY in missing[3]
    assert missing[6] == cast.period.label and missing[7].startswith("红灯")
    assert missing[9] == "提醒"  # the level by name: one 催办 raised it one level


def test_the_task_list_runs_the_same_queries_as_data_grows(cast):
    client = _client(cast.office)
    url = _tasks_url(cast, light="red")
    client.get(url)  # warm up
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    late = ReportingPeriod.objects.create(
        plan=cast.plan, label="第5季度", starts_on=date(2027, 1, 1), ends_on=date(2027, 1, 2),
        due_on=date(2027, 1, 5))
    for n in range(30):
        task = Task.objects.create(plan=cast.plan, order=2000 + n, content=f"新增任务{n}")
        Assignment.objects.create(task=task, agency=cast.agency, role="lead")
        Assignment.objects.create(task=task, agency=Agency.objects.get(name=SUPPORTING_AGENCY),
                                  role="supporting")
    _submit(cast, cast.missing_task, period=late)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert len(response.context["rows"]) > 30
    assert len(small) == len(large)


def test_the_task_list_is_for_the_office_and_leaders(cast):
    url = _tasks_url(cast)
    assert _client(cast.leader).get(url).status_code == 200
    assert _client(cast.lead).get(url).status_code == 404
    assert _client(cast.outsider).get(url).status_code == 404
    other_office = person("other-office", "某县人民政府", "office_staff")
    assert _client(other_office).get(url).status_code == 404
    assert _client(cast.office).get(reverse("supervision:tasks", args=[99999])).status_code == 404


def test_the_task_list_rejects_post(cast):
    assert _client(cast.office).post(_tasks_url(cast)).status_code == 405


# ---- the scorecard ----------------------------------------------------------------------------

def _scorecard(client, cast, agency=None):
    return client.get(reverse("supervision:scorecard", args=[(agency or cast.agency).pk])
                      + f"?plan={cast.plan.pk}")


def test_the_scorecard_counts_on_time_late_missing_returns_and_escalations(cast):
    response = _scorecard(_client(cast.office), cast)
    assert response.status_code == 200
    [item] = [h for h in response.context["history"] if h["period"] == cast.period]
    facts = item["facts"]
    assert (facts.on_time, facts.late, facts.missing) == (1, 1, 1)
    assert facts.returns == 1
    assert facts.escalations == 1
    assert sorted(facts.overdue_days) == [2, 5]
    assert response.context["led_count"] == 3
    assert response.context["escalation_count"] == 1


def test_an_agency_sees_its_own_scorecard_only(cast):
    assert _scorecard(_client(cast.lead), cast).status_code == 200
    assert _scorecard(_client(cast.head), cast).status_code == 200
    supporting = Agency.objects.get(name=SUPPORTING_AGENCY)
    assert _scorecard(_client(cast.lead), cast, supporting).status_code == 404
    assert _scorecard(_client(cast.outsider), cast).status_code == 404
    assert _scorecard(_client(cast.leader), cast).status_code == 200
    url = reverse("supervision:scorecard", args=[cast.agency.pk]) + "?plan=99999"
    assert _client(cast.office).get(url).status_code == 404
    assert _client(cast.office).post(url).status_code == 405


def test_the_scorecard_runs_the_same_queries_as_data_grows(cast, monkeypatch):
    client = _client(cast.office)
    _scorecard(client, cast)
    with CaptureQueriesContext(connection) as small:
        _scorecard(client, cast)
    later = ReportingPeriod.objects.create(
        plan=cast.plan, label="第1季度", starts_on=date(2027, 1, 1), ends_on=date(2027, 1, 2),
        due_on=date(2027, 1, 5))
    for task in (cast.late_task, cast.missing_task):
        report = _submit(cast, task, period=later)
        report_return(report=report, by=cast.office, reason="补充")
        task_escalate(task=task, by=cast.office, kind=Escalation.Kind.SUPERVISE, text="督办",
                      period=later)
    with CaptureQueriesContext(connection) as large:
        response = _scorecard(client, cast)
    assert len(response.context["history"]) == 2
    assert len(small) == len(large)


# ---- assessment -------------------------------------------------------------------------------

def test_score_is_the_weighted_sum_of_its_parts():
    weights = AssessmentWeights(on_time=40, returns=20, overdue=20, escalations=10,
                                indicators=10, overdue_cap_working_days=10)
    facts = Facts(on_time=1, late=1, overdue_days=[4], returns=1, escalations=0,
                  attainment=[Fraction(1, 2)])
    result = score(facts, weights)
    # 40 × 1/2 + 20 × (1 − 1/2) + 20 × (1 − 4/20) + 10 × 1 + 10 × 1/2 = 20+10+16+10+5
    assert result.total == Decimal("61.00")
    assert result.out_of == 100
    assert [c.value for c in result.components] == [
        Fraction(1, 2), Fraction(1, 2), Fraction(4, 5), Fraction(1), Fraction(1, 2)]
    assert result.formula == "40 × 0.5 + 20 × 0.5 + 20 × 0.8 + 10 × 1 + 10 × 0.5 = 61.00"


def test_score_caps_overdue_days_and_counts_no_indicator_as_full():
    weights = AssessmentWeights(overdue_cap_working_days=5)
    result = score(Facts(missing=1, overdue_days=[30], escalations=3), weights)
    assert [c.value for c in result.components] == [0, 1, 0, 0, 1]
    assert result.total == Decimal("30.00")
    assert score(Facts(pending=2), weights) is None  # nothing due yet: not scored


def test_attainment_against_target_and_baseline():
    ge, le = Target.Comparator.GE, Target.Comparator.LE
    assert attainment(value=12, target=20, comparator=ge, baseline=4) == Fraction(1, 2)
    assert attainment(value=30, target=20, comparator=ge) == 1
    assert attainment(value=15, target=20, comparator=ge) == Fraction(3, 4)
    assert attainment(value=8, target=6, comparator=le, baseline=10) == Fraction(1, 2)
    assert attainment(value=5, target=6, comparator=le) == 1
    assert attainment(value=5, target=6, comparator=Target.Comparator.INCREASE_PCT) is None
    assert attainment(value=5, target=None, comparator=ge) is None


def _lead_an_indicator(cast):
    """市农业农村局 leads one indicator only: target ≥ 20 from 4, at 12 this period."""
    IndicatorLead.objects.filter(agency=cast.agency).delete()
    indicator = cast.plan.indicators.order_by("order").first()
    target = Target.objects.create(plan=cast.plan, value=Decimal("20"), comparator="ge")
    indicator.target, indicator.baseline_value = target, Decimal("4")
    indicator.save()
    IndicatorLead.objects.create(indicator=indicator, agency=cast.agency)
    cast.on_time_task.indicators.add(indicator)  # its verified report carries the value
    IndicatorValue.objects.update_or_create(
        indicator=indicator, period=cast.period,
        defaults={"value": Decimal("12"), "agency": cast.agency})


def test_the_assessment_scores_each_agency_exactly(cast):
    _lead_an_indicator(cast)
    facts, _ = period_facts([cast.plan.pk], AS_OF)
    mine = facts[(cast.agency.pk, cast.period.pk)]
    assert mine.attainment == [Fraction(1, 2)]
    cast.on_time_task.indicators.clear()  # a value no sent report carries is not counted
    assert period_facts([cast.plan.pk], AS_OF)[0][(cast.agency.pk, cast.period.pk)].attainment \
        == []
    cast.on_time_task.indicators.add(cast.plan.indicators.order_by("order").first())
    response = _client(cast.office).get(reverse("supervision:assessment", args=[cast.plan.pk]))
    assert response.status_code == 200
    row = next(r for r in response.context["rows"] if r["agency_id"] == cast.agency.pk)
    # due 3: on time 1/3, returns 1 − 1/3, overdue 1 − (2+5)/30, escalations 1 − 1/3, ind 1/2
    # 40/3 + 40/3 + 46/3 + 20/3 + 5 = 146/3 + 5 = 53.666…
    assert row["score"].total == Decimal("53.67")
    body = response.content.decode()
    assert row["score"].formula in body
    assert "1 − 7 / (3 × 10)" in body
    assert "1 / 3" in body


def test_the_office_sets_the_weights_and_the_ranking_follows(cast):
    office = _client(cast.office)
    url = reverse("supervision:assessment-weights", args=[cast.plan.pk])
    data = {"on_time": 100, "returns": 0, "overdue": 0, "escalations": 0, "indicators": 0,
            "overdue_cap_working_days": 10}
    assert office.post(url, data).status_code == 302
    weights = AssessmentWeights.objects.get(plan=cast.plan)
    assert (weights.on_time, weights.returns) == (100, 0)
    response = office.get(reverse("supervision:assessment", args=[cast.plan.pk]))
    row = next(r for r in response.context["rows"] if r["agency_id"] == cast.agency.pk)
    assert row["score"].total == Decimal("33.33")
    totals = [r["score"].total for r in response.context["rows"]]
    assert totals == sorted(totals, reverse=True)


def test_only_the_office_changes_the_weights(cast):
    url = reverse("supervision:assessment-weights", args=[cast.plan.pk])
    data = {"on_time": 1, "returns": 0, "overdue": 0, "escalations": 0, "indicators": 0,
            "overdue_cap_working_days": 10}
    assert _client(cast.leader).post(url, data).status_code == 403
    assert _client(cast.lead).post(url, data).status_code == 404
    assert _client(cast.office).get(url).status_code == 405
    assert not AssessmentWeights.objects.filter(plan=cast.plan).exists()
    page = reverse("supervision:assessment", args=[cast.plan.pk])
    assert _client(cast.leader).get(page).context["form"] is None
    assert _client(cast.outsider).get(page).status_code == 404
