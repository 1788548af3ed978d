"""generate_scale_data: the counts asked for, the same rows for one seed, and data the app
reads as its own (dashboards agree with the ledger, object permissions scope an agency)."""
import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_fsm_log.models import StateLog
from guardian.models import GroupObjectPermission

from agencies.models import Agency, StaffProfile
from tasks.models import Plan, Task, TaskAgency
from workflow.models import Assignment, IndicatorValue, ProgressReport, ReportingPeriod
from workflow.obligations import LATE, ON_TIME, OVERDUE, ledger

pytestmark = pytest.mark.django_db
SMALL = dict(plans=2, agencies=12, tasks_per_plan=10, periods=3, seed=7)


class Rollback(Exception):
    pass


def generate(**options):
    call_command("generate_scale_data", stdout=open("/dev/null", "w"), **{**SMALL, **options})


def snapshot():
    """Every generated row that matters, by natural keys (ids differ from run to run)."""
    task_key = {t.pk: (t.plan.title, t.order) for t in Task.objects.select_related("plan")}
    report_key = {r.pk: (task_key[r.task_id], r.period.label)
                  for r in ProgressReport.objects.select_related("period")}
    return {
        "tasks": sorted((task_key[t.pk], t.content, t.state) for t in Task.objects.all()),
        "links": sorted((task_key[link.task_id], link.agency.name, link.role, link.order)
                        for link in TaskAgency.objects.select_related("agency")),
        "assignments": sorted((task_key[a.task_id], a.agency.name, a.role, a.created_at,
                               a.acknowledged_at)
                              for a in Assignment.objects.select_related("agency")),
        "reports": sorted((report_key[r.pk], r.state, r.late, r.submitted_at, r.completion)
                          for r in ProgressReport.objects.all()),
        "logs": sorted(repr((report_key.get(s.object_id) if s.content_type.model == "progressreport"
                        else task_key.get(s.object_id), s.content_type.model, s.transition,
                        s.timestamp)) for s in StateLog.objects.exclude(
                            content_type__model="plan").select_related("content_type")),
        "values": sorted((v.indicator.name, v.period.label, v.value)
                         for v in IndicatorValue.objects.select_related("indicator", "period")),
    }


def _client(username) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def test_it_makes_the_counts_asked_for():
    generate()
    assert Plan.objects.filter(state=Plan.State.DISPATCHED).count() == 2
    assert Agency.objects.count() == 12
    assert Task.objects.count() == 20
    assert ReportingPeriod.objects.count() == 6
    # office staff and director, a reporter and a head per agency, all with an email
    assert StaffProfile.objects.count() == 2 + 2 * 12
    people = User.objects.filter(username__startswith="scale-")
    assert people.count() == 2 + 2 * 12 and not people.filter(email="").exists()
    # one assignment per task and agency, the grants dispatch gives: report and sign-off for a
    # lead, contribute for a supporting agency, supervise and lead_plan on each plan
    assert Assignment.objects.count() == TaskAgency.objects.count()
    leads = TaskAgency.objects.filter(role=TaskAgency.Role.LEAD).count()
    supporting = TaskAgency.objects.filter(role=TaskAgency.Role.SUPPORTING).count()
    assert GroupObjectPermission.objects.count() == 2 * leads + supporting + 2 * 2
    assert leads > Task.objects.count()  # some tasks are co-led
    # reports in a mix, each submission with its log row
    states = set(ProgressReport.objects.values_list("state", flat=True))
    assert {ProgressReport.State.VERIFIED, ProgressReport.State.DRAFT} <= states
    assert ProgressReport.objects.filter(late=True).exists()
    submits = StateLog.objects.filter(transition="submit").count()
    assert submits == ProgressReport.objects.exclude(submitted_at=None).count() + \
        StateLog.objects.filter(transition="return_for_revision", state="returned").count() \
        - ProgressReport.objects.filter(state="returned").count()
    assert StateLog.objects.filter(transition="return_for_revision").exists()
    assert ProgressReport.objects.count() < 20 * 3  # some are missing


def test_it_refuses_a_database_with_plans_unless_forced():
    generate(plans=1)
    with pytest.raises(CommandError, match="--force"):
        generate(plans=1)
    generate(plans=1, force=True)
    assert Plan.objects.count() == 2


def test_one_seed_gives_the_same_rows():
    runs = []
    for _ in range(2):
        with pytest.raises(Rollback), transaction.atomic():
            generate()
            runs.append(snapshot())
            raise Rollback
    assert runs[0]["reports"] and runs[0] == runs[1]
    with pytest.raises(Rollback), transaction.atomic():
        generate(seed=8)
        other = snapshot()
        raise Rollback
    assert other["links"] != runs[0]["links"]


def test_the_dashboard_agrees_with_the_ledger():
    generate()
    response = _client("scale-office").get(reverse("supervision:office"))
    assert response.status_code == 200
    totals = response.context["totals"].totals
    today = timezone.localdate()
    book = ledger(plan_ids=Plan.objects.values_list("pk", flat=True), on_date=today,
                  open_periods=True, started_by=today)
    statuses = [item.status for item in book.items]
    assert totals.due == len(book.items) > 0
    assert (totals.on_time, totals.late, totals.overdue) == (
        statuses.count(ON_TIME), statuses.count(LATE), statuses.count(OVERDUE))
    assert totals.on_time and totals.late and totals.overdue  # the mix is there
    plan = Plan.objects.first()
    assert _client("scale-office").get(
        reverse("supervision:plan", args=[plan.pk])).status_code == 200


def test_an_agency_sees_only_its_tasks():
    generate()
    agency = Agency.objects.get(name="规模测试单位005")
    mine = Task.objects.filter(assignments__agency=agency).distinct()
    others = Task.objects.exclude(pk__in=mine)
    assert mine.exists() and others.exists()
    client = _client("scale-a005-reporter")
    html = ""
    for tab in ("lead", "supporting"):  # 我的任务's two tabs
        page = client.get(reverse("workflow:my-tasks"), {"tab": tab})
        assert page.status_code == 200
        html += page.content.decode()
    assert all(t.content in html for t in mine)
    assert not any(t.content in html for t in others)
    assert client.get(reverse("workflow:task", args=[mine.first().pk])).status_code == 200
    assert client.get(reverse("workflow:task", args=[others.first().pk])).status_code == 404
