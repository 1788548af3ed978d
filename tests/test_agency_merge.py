"""Merging two records of one agency after dispatch (the office confirms a near match): every
assignment, report, contribution, indicator value, object permission and alias moves to the
kept agency in one transaction, and the office is told what moved. Seed 001 names
市综合行政执法局 and 市综合执法局 — one agency the import could only suggest as a match."""
import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Agency, AgencyAlias, AgencyMatchSuggestion, StaffProfile
from tasks.models import Indicator, Task, TaskAgency
from tests.cast import build_cast, person
from workflow import services
from workflow.merging import agencies_merge
from workflow.models import Assignment, Contribution, IndicatorValue, ProgressReport

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

Role = StaffProfile.Role
MERGED, KEPT = "人民银行遵义市中心支行", "人行遵义中心支行"


@pytest.fixture
def world():
    """The cast's plan dispatched. Seed 001 spells one bank two ways; the import suggested the
    match and the office had not confirmed it. The merged spelling supports two tasks (lines
    of 13 and 43); the office also gave it the lead of another task by mistake. Its reporter
    drafted and submitted a report there, sent material on a task it supports and entered an
    indicator's figure."""
    cast = build_cast()
    merged, kept = Agency.objects.get(name=MERGED), Agency.objects.get(name=KEPT)
    reporter = person("bank", MERGED, Role.REPORTER)
    supported = Task.objects.filter(plan=cast.plan, agency_links__agency=merged).first()
    led = Task.objects.filter(plan=cast.plan).exclude(agency_links__agency=merged).exclude(
        pk=cast.task.pk).order_by("order").first()
    services.assignment_reassign(
        assignment=Assignment.objects.filter(task=led, role="lead").first(), to_agency=merged,
        by=cast.office, reason="由人民银行牵头")
    reporter = User.objects.get(pk=reporter.pk)  # permissions are cached per user object
    report = services.report_save(task=led, period=cast.period, by=reporter,
                                  data={"progress": "已完成专项检查。"})
    indicator = Indicator.objects.filter(plan=cast.plan).first()
    indicator.tasks.add(led)
    # the figure goes with the report: entered before it is submitted (then it is locked)
    services.indicator_value_set(indicator=indicator, period=cast.period, by=reporter, value=62)
    services.report_submit(report=report, by=reporter)
    services.contribution_save(task=supported, period=cast.period, by=reporter,
                               text="配合材料", submit=True)
    suggestion = AgencyMatchSuggestion.objects.get(agency=merged, candidate=kept)
    return cast, merged, kept, reporter, suggestion, led, supported


def test_the_admin_merge_after_dispatch_moves_everything_and_says_so(world, client):
    cast, merged, kept, reporter, suggestion, led, supported = world
    before = {
        "assignments": Assignment.objects.filter(agency=merged).count(),
        "reports": ProgressReport.objects.filter(agency=merged).count(),
        "contributions": Contribution.objects.filter(agency=merged).count(),
        "values": IndicatorValue.objects.filter(agency=merged).count(),
    }
    assert all(before.values()), before
    client.force_login(User.objects.create_superuser("admin", password="x"))
    response = client.post(reverse("admin:agencies_agencymatchsuggestion_changelist"),
                           {"action": "confirm_merge", "_selected_action": [suggestion.pk]},
                           follow=True)
    assert response.status_code == 200
    assert not Agency.objects.filter(pk=merged.pk).exists()
    assert AgencyAlias.objects.get(name=MERGED).agency == kept
    assert Assignment.objects.filter(agency=kept, task=led).exists()
    assert ProgressReport.objects.get(task=led, period=cast.period).agency == kept
    assert Contribution.objects.get(task=supported, period=cast.period,
                                    agency=kept).text == "配合材料"
    assert IndicatorValue.objects.filter(agency=kept).count() >= before["values"]
    said = " ".join(str(m) for m in response.context["messages"])
    assert MERGED in said and KEPT in said
    # what moved, counted, in the office's words
    assert "进展报告 1" in said and "配合单位材料 1" in said and "指标数值 1" in said


def test_the_merged_agencys_people_keep_their_work_under_the_kept_agency(world):
    cast, merged, kept, reporter, suggestion, led, supported = world
    moved = agencies_merge(suggestion=suggestion)
    assert moved["reports"] == 1 and moved["contributions"] == 1
    assert moved["indicator_values"] == 1 and moved["permissions"] >= 3
    user = User.objects.get(pk=reporter.pk)
    assert user.profile.agency == kept
    assert user.has_perm("tasks.report_task", led)
    assert user.has_perm("tasks.contribute_task", supported)


def test_a_task_both_records_had_keeps_its_lead_and_reports_go_on(world):
    """The merged record led a task the kept one supported: after the merge the kept agency
    leads it (link and live assignment), and its people may report on it."""
    cast, merged, kept, reporter, suggestion, led, supported = world
    TaskAgency.objects.create(task=led, agency=kept, role=TaskAgency.Role.SUPPORTING, order=9)
    mine = Assignment.objects.create(task=led, agency=kept, role="supporting")
    colleague = person("bank2", KEPT, Role.REPORTER)
    assert not colleague.has_perm("tasks.report_task", led)

    moved = agencies_merge(suggestion=suggestion)

    assert moved["assignments_ended"] == 1
    assert TaskAgency.objects.get(task=led, agency=kept).role == TaskAgency.Role.LEAD
    assert not Task.objects.get(pk=led.pk).needs_lead
    mine.refresh_from_db()
    assert mine.active and mine.role == "lead"
    assert Assignment.objects.filter(task=led, active=True, role="lead").count() == 1
    assert User.objects.get(pk=colleague.pk).has_perm("tasks.report_task", led)


def test_material_both_records_wrote_for_one_task_and_period_is_kept_whole(world):
    cast, merged, kept, reporter, suggestion, led, supported = world
    Assignment.objects.create(task=supported, agency=kept, role="supporting")
    Contribution.objects.create(task=supported, period=cast.period, agency=kept, text="已有材料")

    moved = agencies_merge(suggestion=suggestion)

    [contribution] = Contribution.objects.filter(task=supported, period=cast.period)
    assert contribution.agency == kept
    assert contribution.text == "已有材料\n\n配合材料"
    assert contribution.submitted_at is not None  # the merged record had submitted its part
    assert moved["contributions"] == 1


def test_the_merge_is_all_or_nothing(world, monkeypatch):
    """A failure half-way (here: the agencies' own references) leaves every row as it was."""
    cast, merged, kept, reporter, suggestion, led, supported = world
    import workflow.merging

    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(workflow.merging, "agency_merge_references", broken)
    with pytest.raises(RuntimeError):
        agencies_merge(suggestion=suggestion)
    assert ProgressReport.objects.get(task=led, period=cast.period).agency_id == merged.pk
    assert Assignment.objects.filter(agency=merged, active=True).exists()
    assert Agency.objects.filter(pk=merged.pk).exists()


def test_the_merged_agencys_units_move_under_the_kept_one(world):
    cast, merged, kept, reporter, suggestion, led, supported = world
    unit = Agency.objects.create(name="人民银行遵义市中心支行营业室", parent=merged)
    agencies_merge(suggestion=suggestion)
    unit.refresh_from_db()
    assert unit.parent == kept


# ---- the office's page (no admin) ----------------------------------------------------------------

PAGE = reverse("workflow:agency-suggestions")


def _decide(client, suggestion, decision):
    return client.post(reverse("workflow:agency-suggestion-decide", args=[suggestion.pk]),
                       {"decision": decision}, follow=True)


def _office(cast):
    client = Client()
    client.force_login(cast.office)
    return client


def test_the_office_merges_from_its_page_after_dispatch_and_is_told_what_moved(world):
    cast, merged, kept, reporter, suggestion, led, supported = world
    office = _office(cast)
    assert suggestion in office.get(PAGE).context["suggestions"]
    response = _decide(office, suggestion, "merge")
    assert response.status_code == 200
    assert not Agency.objects.filter(pk=merged.pk).exists()
    assert ProgressReport.objects.get(task=led, period=cast.period).agency == kept
    said = " ".join(str(m) for m in response.context["messages"])
    assert "进展报告 1" in said and "配合单位材料 1" in said
    assert suggestion not in response.context["suggestions"]


def test_the_office_keeps_two_agencies_apart(world):
    cast, merged, kept, reporter, suggestion, led, supported = world
    _decide(_office(cast), suggestion, "reject")
    suggestion.refresh_from_db()
    assert suggestion.status == AgencyMatchSuggestion.Status.REJECTED
    assert Agency.objects.filter(pk=merged.pk).exists()


def test_access_anyone_but_the_office_403_another_office_404(world):
    cast, merged, kept, reporter, suggestion, led, supported = world
    for user in (cast.lead, cast.leader):
        client = Client()
        client.force_login(user)
        assert client.get(PAGE).status_code == 403
        assert _decide(client, suggestion, "merge").status_code == 403
    elsewhere = Client()
    elsewhere.force_login(person("elsewhere", "某县人民政府", Role.OFFICE_STAFF))
    assert suggestion not in elsewhere.get(PAGE).context["suggestions"]
    assert _decide(elsewhere, suggestion, "merge").status_code == 404
    assert Agency.objects.filter(pk=merged.pk).exists()
    office = _office(cast)
    decide = reverse("workflow:agency-suggestion-decide", args=[suggestion.pk])
    assert office.get(decide).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(cast.office)
    assert strict.post(decide, {"decision": "merge"}).status_code == 403
    assert Agency.objects.filter(pk=merged.pk).exists()


def test_the_page_runs_the_same_queries_for_one_or_many_suggestions(world):
    cast, merged, kept, reporter, suggestion, led, supported = world
    office = _office(cast)
    AgencyMatchSuggestion.objects.exclude(pk=suggestion.pk).delete()
    office.get(PAGE)
    with CaptureQueriesContext(connection) as few:
        assert len(office.get(PAGE).context["suggestions"]) == 1
    names = list(TaskAgency.objects.filter(task__plan=cast.plan)
                 .exclude(agency__in=[merged, kept]).order_by("agency__name")
                 .values_list("agency__name", flat=True).distinct()[:8])
    for a, b in zip(names, names[1:], strict=False):
        AgencyMatchSuggestion.objects.create(agency=Agency.objects.get(name=a),
                                             candidate=Agency.objects.get(name=b), score=80)
    with CaptureQueriesContext(connection) as many:
        assert len(office.get(PAGE).context["suggestions"]) == 1 + len(names) - 1
    assert len(many) == len(few)
