"""Every list is paged (issue 12 §3): the review queue, 我的任务, the receipts, the overdue list
and the head's 待审签, through one helper (lib.paging) and one partial (templates/_pages.html)
whose links keep the filters. Each page costs the same queries however long the list, and
我的任务 keeps its order (returned and awaiting sign-off first, then overdue, then due) across
pages; its period filter and "report once" links do not grow with the number of plans."""
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agencies.models import Agency, StaffProfile
from tasks.models import Task, TaskAgency
from tasks.services import plan_import
from tests.cast import build_cast, person
from tests.seeds import seed_bytes, seed_path
from workflow import reminders, selectors, services
from workflow.models import Assignment, ReportingPeriod
from workflow.views import agency as agency_views
from workflow.views import office as office_views

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

Role = StaffProfile.Role
PAST_DUE = date(2000, 1, 10)  # every report of the cast's period is overdue


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _lead_of(task: Task) -> Agency:
    return task.assignments.filter(role="lead", active=True).first().agency


def _reporter(agency: Agency) -> User:
    found = User.objects.filter(profile__agency=agency, profile__role=Role.REPORTER).first()
    return found or person(f"reporter-{agency.pk}", agency.name, Role.REPORTER)


def _submit(cast, task, period=None):
    user = _reporter(_lead_of(task))
    report = services.report_save(task=task, period=period or cast.period, by=user,
                                  data={"progress": "按计划推进。"})
    return services.report_submit(report=report, by=user)


def _tasks_with_a_lead(cast, n: int) -> list[Task]:
    return list(Task.objects.filter(plan=cast.plan, assignments__role="lead",
                                    assignments__active=True).distinct().order_by("order")[:n])


def _lead_tasks(cast) -> list[Task]:
    return list(Task.objects.filter(plan=cast.plan, assignments__agency=cast.lead.profile.agency,
                                    assignments__role="lead").order_by("order"))


def _pages(client, url: str, key: str = "rows") -> list:
    """Every page's rows, in order, following the partial's "next" links."""
    rows, page = [], 1
    while True:
        response = client.get(f"{url}{'&' if '?' in url else '?'}page={page}")
        assert response.status_code == 200
        rows += list(response.context[key])
        if not response.context["page"].has_next():
            return rows
        assert f"page={page + 1}" in response.content.decode()
        page += 1


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def _second_plan(cast, period_spans) -> tuple:
    """Seed 003 with the cast's lead agency leading every task, dispatched, with periods of
    the given (starts_on, ends_on) spans, due in the future (owed, not yet overdue)."""
    plan = plan_import(data=seed_bytes("003"), source_name=seed_path("003").name,
                       office_agency_id=cast.office.profile.agency_id).plan
    agency = cast.lead.profile.agency
    for task in plan.tasks.all():
        TaskAgency.objects.get_or_create(task=task, agency=agency, defaults={"role": "lead"})
    Task.objects.filter(plan=plan).update(needs_lead=False)
    periods = [ReportingPeriod.objects.create(plan=plan, label=f"第{i + 1}期", starts_on=start,
                                              ends_on=end, due_on=cast.period.due_on)
               for i, (start, end) in enumerate(period_spans)]
    services.plan_dispatch(plan=plan, by=cast.office)
    return plan, periods


# ---- the review queue -----------------------------------------------------------------------

def test_the_review_queue_pages_oldest_first_in_the_same_queries(monkeypatch):
    cast = build_cast()
    monkeypatch.setattr(office_views, "REVIEW_PER_PAGE", 2)
    tasks = _tasks_with_a_lead(cast, 7)
    for task in tasks[:3]:
        _submit(cast, task)
    client = _client(cast.office)
    url = reverse("workflow:review")
    client.get(url)  # warm the session and the content types
    few = _queries(client, url)
    for task in tasks[3:]:
        _submit(cast, task)

    assert _queries(client, url) == few
    listed = _pages(client, url, "reports")
    assert listed == list(selectors.review_queue(cast.office)) and len(listed) == 7
    response = client.get(url + "?page=4")
    assert len(response.context["reports"]) == 1
    html = response.content.decode()
    assert "7 份进展报告待审核" in html  # the whole queue counted, not the page
    assert 'rel="first"' in html and 'rel="prev"' in html and 'rel="next"' not in html


# ---- 我的任务 --------------------------------------------------------------------------------

def test_my_tasks_keeps_its_order_across_pages(monkeypatch):
    cast = build_cast(due_on=PAST_DUE)
    first, second, third = _lead_tasks(cast)
    returned = _submit(cast, third)
    services.report_return(report=returned, by=cast.office, reason="请补充数据。")
    _submit(cast, second)  # sent: owes nothing now, last
    client = _client(cast.lead)
    url = reverse("workflow:my-tasks") + "?tab=lead"
    whole = [(row.task, row.period) for row in client.get(url).context["rows"]]
    assert [task for task, _ in whole] == [third, first, second]

    monkeypatch.setattr(agency_views, "MY_TASKS_PER_PAGE", 1)
    paged = _pages(client, url)
    assert [(row.task, row.period) for row in paged] == whole
    assert paged[0].report == returned and paged[0].report.state == "returned"
    # the page links keep the filters
    html = client.get(url + "&state=reporting&page=1").content.decode()
    assert "state=reporting&amp;page=2" in html and "tab=lead" in html


def test_my_tasks_reads_the_reports_of_the_page_shown_only(monkeypatch):
    """Its queries do not grow with the rows: a page of 1 and a page of 50 cost the same."""
    cast = build_cast(due_on=PAST_DUE)
    for task in _lead_tasks(cast):
        _submit(cast, task)
    client = _client(cast.lead)
    url = reverse("workflow:my-tasks")
    client.get(url)
    many = _queries(client, url)
    monkeypatch.setattr(agency_views, "MY_TASKS_PER_PAGE", 1)
    assert _queries(client, url) == many
    assert _queries(client, url + "?page=3") == many


def test_the_period_filter_offers_each_span_once_whatever_the_plans():
    cast = build_cast()
    span = (cast.period.starts_on, cast.period.ends_on)
    later = (date(2027, 1, 1), date(2027, 3, 31))
    plan, (same, other) = _second_plan(cast, [span, later])
    ReportingPeriod.objects.create(plan=cast.plan, label="2027年第1季度", starts_on=later[0],
                                   ends_on=later[1], due_on=cast.period.due_on)
    client = _client(cast.lead)
    response = client.get(reverse("workflow:my-tasks"))
    offered = response.context["periods"]
    assert len(offered) == 2  # four open periods, two spans
    assert [(p.starts_on, p.ends_on) for p in offered] == [later, span]  # the latest first
    assert [p.pk for p in response.context["plans"]] == [cast.plan.pk, plan.pk]

    # choosing a span shows that span's period of each plan
    rows = client.get(reverse("workflow:my-tasks") + f"?period={same.pk}").context["rows"]
    assert {row.period for row in rows} == {cast.period, same}
    assert {row.task.plan_id for row in rows} == {cast.plan.pk, plan.pk}
    # and a plan with it, one period: its "report once" link
    response = client.get(reverse("workflow:my-tasks") + f"?plan={plan.pk}&period={other.pk}")
    assert {row.period for row in response.context["rows"]} == {other}
    assert response.context["report_once_periods"] == [other]


def test_the_report_once_links_are_capped(monkeypatch):
    cast = build_cast()
    _second_plan(cast, [(cast.period.starts_on, cast.period.ends_on),
                        (date(2027, 1, 1), date(2027, 3, 31))])
    client = _client(cast.lead)
    url = reverse("workflow:my-tasks")
    assert len(client.get(url).context["report_once_periods"]) == 3
    monkeypatch.setattr(agency_views, "REPORT_ONCE_LINKS", 1)
    response = client.get(url)
    assert len(response.context["report_once_periods"]) == 1
    assert response.context["more_report_once"] == 2
    assert 'id="more-periods"' in response.content.decode()


# ---- the task page ---------------------------------------------------------------------------

def test_the_task_page_costs_the_same_queries_with_more_history():
    """Its timeline reuses the page's assignments, instructions and reports."""
    cast = build_cast()
    client = _client(cast.lead)
    url = reverse("workflow:task", args=[cast.task.pk]) + f"?period={cast.period.pk}"

    def history(i: int) -> None:
        period = ReportingPeriod.objects.create(
            plan=cast.plan, label=f"专项{i}", starts_on=date(2026, 1 + i, 1),
            ends_on=date(2026, 1 + i, 28), due_on=cast.period.due_on)
        report = _submit(cast, cast.task, period)
        services.report_return(report=report, by=cast.office, reason="请补充。")
        services.instruction_create(task=cast.task, by=cast.leader, text=f"第{i}条批示。")

    history(0)
    client.get(url)
    few = _queries(client, url)
    for i in range(1, 4):
        history(i)
    assert len(client.get(url).context["timeline"]) > 8
    # 38: the page's own reads plus what issue 16 added: its extension requests, 督办单,
    # coordination matters (with the agencies' names the raise form offers)
    assert _queries(client, url) == few <= 38


# ---- the overdue list -------------------------------------------------------------------------

def test_the_overdue_list_pages_in_order_and_builds_the_page_shown_only(monkeypatch):
    cast = build_cast(due_on=PAST_DUE)
    client = _client(cast.office)
    url = reverse("workflow:overdue", args=[cast.plan.pk])
    client.get(url)
    whole = reminders.overdue_rows([cast.plan.pk], timezone.localdate())
    assert len(whole) > 3
    many = _queries(client, url)
    monkeypatch.setattr(office_views, "OVERDUE_PER_PAGE", 2)
    assert _queries(client, url) == many
    listed = _pages(client, url)
    assert [(r["task"], r["period"]) for r in listed] == [(r["task"], r["period"])
                                                         for r in whole]
    response = client.get(url + "?page=2")
    assert response.context["count"] == len(whole)


# ---- the receipts -----------------------------------------------------------------------------

def test_the_receipts_page_by_assignment_and_say_when_an_agency_runs_on(monkeypatch):
    cast = build_cast()
    Assignment.objects.filter(task__plan=cast.plan).update(
        created_at=timezone.now() - timedelta(days=30))
    client = _client(cast.office)
    url = reverse("workflow:receipts", args=[cast.plan.pk])
    client.get(url)
    many = _queries(client, url)
    whole = client.get(url).context
    total = whole["overdue_count"]
    assert total > 6
    monkeypatch.setattr(office_views, "RECEIPTS_PER_PAGE", 3)
    assert _queries(client, url) == many
    seen, page, continued = [], 1, 0
    while True:
        response = client.get(f"{url}?page={page}")
        groups = response.context["groups"]
        assert sum(len(g["assignments"]) for g in groups) <= 3
        for group in groups:
            seen += [a.pk for a in group["assignments"]]
            owed = Assignment.objects.filter(task__plan=cast.plan, agency=group["agency"],
                                             active=True, acknowledged_at=None).count()
            assert group["count"] == owed  # the agency's whole count, not the page's
            continued += group["continued"]
        if not response.context["page"].has_next():
            break
        page += 1
    assert len(seen) == len(set(seen)) == total
    assert continued  # some agency's rows ran on to the next page, and it said so


# ---- 待审签 ------------------------------------------------------------------------------------

def test_the_signoff_queue_pages(monkeypatch):
    cast = build_cast(requires_signoff=True)
    monkeypatch.setattr(agency_views, "SIGNOFF_PER_PAGE", 2)
    for task in _lead_tasks(cast):
        report = services.report_save(task=task, period=cast.period, by=cast.lead,
                                      data={"progress": "已完成。"})
        services.report_submit(report=report, by=cast.lead)
    client = _client(cast.head)
    listed = _pages(client, reverse("workflow:signoff-queue"), "reports")
    assert listed == list(selectors.signoff_queue(cast.head)) and len(listed) == 3
