"""The REST API (/api/v1/) as each member of the cast: what each may read (another agency's
object: 404, as on the pages), the report's whole path through the API with its state logs,
the plan's figures against the dashboard's own function, tokens, throttling, the docs."""
import re
import uuid
from io import StringIO

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from django_fsm_log.models import StateLog
from rest_framework.test import APIClient

from api.figures import plan_figures
from api.models import ApiToken
from api.tokens import token_issue
from notifications.models import Notification
from supervision.dashboard import office_dashboard, plan_dashboard
from tasks.models import Indicator, Task
from tests.cast import build_cast
from workflow import services
from workflow.attachments import attachment_add
from workflow.escalation import task_escalate
from workflow.models import (
    Assignment,
    Contribution,
    Escalation,
    IndicatorValue,
    ProgressReport,
)

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
ROLES = ("office", "leader", "lead", "head", "supporting", "outsider")


@pytest.fixture(autouse=True)
def own_throttle_counts(settings):
    """Throttle counts outlive a test and are shared by the test processes (in Redis with
    REDIS_URL): each test counts under its own key prefix, from zero."""
    settings.CACHES = {**settings.CACHES, "throttle": {
        **settings.CACHES["throttle"], "KEY_PREFIX": f"duban-test-{uuid.uuid4().hex}"}}


@pytest.fixture
def cast():
    return build_cast()


@pytest.fixture
def api(cast):
    """One client per member of the cast, each with its own token."""
    clients = {}
    for role in ROLES:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_issue(user=getattr(cast, role))}")
        clients[role] = client
    return clients


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def started(cast, today) -> int:
    """1 when the cast's period has started by today (the dashboards count it), else 0."""
    return int(cast.period.starts_on <= today)


def draft(cast, progress="本季度完成培训两场。", **extra):
    return services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                data={"progress": progress, **extra})


# ---- anonymous -------------------------------------------------------------------------------

@pytest.mark.parametrize("url", [
    "/api/v1/plans/", "/api/v1/plans/1/figures/", "/api/v1/tasks/", "/api/v1/reports/",
    "/api/v1/contributions/", "/api/v1/attachments/", "/api/v1/notifications/",
    "/api/v1/periods/", "/api/v1/agencies/", "/api/v1/assignments/", "/api/v1/sections/",
    "/api/v1/indicators/", "/api/v1/indicator-values/",
])
def test_anonymous_is_asked_to_authenticate(client, url):
    response = client.get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_anonymous_cannot_act(client):
    assert client.post("/api/v1/reports/1/verify/", {}).status_code == 401
    assert client.post("/api/v1/plans/1/dispatch/").status_code == 401


def test_a_wrong_token_is_refused(client):
    response = client.get("/api/v1/tasks/", HTTP_AUTHORIZATION="Token nope")
    assert response.status_code == 401


# ---- what each role reads ----------------------------------------------------------------------

def test_plans_and_figures_are_for_the_office_and_leaders(cast, api):
    for role in ("office", "leader"):
        assert ids(api[role].get("/api/v1/plans/")) == {cast.plan.pk}
        assert api[role].get(f"/api/v1/plans/{cast.plan.pk}/figures/").status_code == 200
    for role in ("lead", "head", "supporting", "outsider"):
        assert ids(api[role].get("/api/v1/plans/")) == set()
        assert api[role].get(f"/api/v1/plans/{cast.plan.pk}/").status_code == 404
        assert api[role].get(f"/api/v1/plans/{cast.plan.pk}/figures/").status_code == 404


def test_tasks_are_scoped_like_the_pages(cast, api):
    every = set(Task.objects.filter(plan=cast.plan).values_list("pk", flat=True))
    assert len(every) == 43  # seed 001's tasks
    assert ids(api["office"].get("/api/v1/tasks/?page_size=200")) == every
    assert ids(api["leader"].get("/api/v1/tasks/?page_size=200")) == every
    for role in ("lead", "supporting"):
        agency = getattr(cast, role).profile.agency_id
        mine = set(Assignment.objects.filter(agency_id=agency, active=True)
                   .values_list("task_id", flat=True))
        assert cast.task.pk in mine
        assert ids(api[role].get("/api/v1/tasks/?page_size=200")) == mine
        assert api[role].get(f"/api/v1/tasks/{cast.task.pk}/").status_code == 200
    assert ids(api["outsider"].get("/api/v1/tasks/")) == set()
    assert api["outsider"].get(f"/api/v1/tasks/{cast.task.pk}/").status_code == 404
    body = api["lead"].get(f"/api/v1/tasks/{cast.task.pk}/").json()
    assert cast.lead.profile.agency_id in body["lead_agencies"]
    assert body["groups"] and body["groups"][0].endswith("成员单位")  # 市工业和能源局's way in


def test_the_other_kinds_are_scoped_too(cast, api):
    outsider = api["outsider"]
    for kind in ("periods", "assignments", "sections", "indicators", "reports",
                 "contributions", "attachments", "notifications"):
        assert ids(outsider.get(f"/api/v1/{kind}/")) == set(), kind
    assert outsider.get(f"/api/v1/periods/{cast.period.pk}/").status_code == 404
    assert ids(api["lead"].get("/api/v1/periods/")) == {cast.period.pk}
    assert ids(api["office"].get(f"/api/v1/periods/?plan={cast.plan.pk}")) == {cast.period.pk}
    assert ids(outsider.get("/api/v1/agencies/")) == {cast.outsider.profile.agency_id}
    lead_assignments = ids(api["lead"].get(f"/api/v1/assignments/?task={cast.task.pk}"))
    assert lead_assignments == set(cast.task.assignments.values_list("pk", flat=True))
    one = cast.task.assignments.first()
    assert outsider.get(f"/api/v1/assignments/{one.pk}/").status_code == 404
    # indicators: a plan's reader sees all 23 of seed 001; an agency those linked to its tasks
    assert api["office"].get("/api/v1/indicators/").json()["count"] == 23
    linked = set(Indicator.objects.filter(
        tasks__assignments__agency=cast.lead.profile.agency, tasks__assignments__active=True)
        .values_list("pk", flat=True))
    assert ids(api["lead"].get("/api/v1/indicators/?page_size=200")) == linked


def test_a_draft_is_read_only_by_its_lead_agency(cast, api):
    report = draft(cast)
    url = f"/api/v1/reports/{report.pk}/"
    for role in ("lead", "head"):
        assert api[role].get(url).status_code == 200
        assert ids(api[role].get("/api/v1/reports/")) == {report.pk}
    for role in ("office", "leader", "supporting", "outsider"):
        assert api[role].get(url).status_code == 404, role
        assert ids(api[role].get("/api/v1/reports/")) == set(), role
    # the office cannot act on what it may not see
    assert api["office"].post(url + "verify/", {}).status_code == 404
    services.report_submit(report=report, by=cast.lead)
    for role in ("office", "leader", "supporting", "lead"):
        assert api[role].get(url).json()["progress"] == "本季度完成培训两场。", role
    assert api["outsider"].get(url).status_code == 404


def test_awaiting_sign_off_is_still_unsent():
    cast = build_cast(requires_signoff=True)
    report = draft(cast)
    services.report_submit(report=report, by=cast.lead)
    assert report.state == ProgressReport.State.AWAITING_SIGNOFF
    office, head = APIClient(), APIClient()
    office.force_authenticate(cast.office)
    head.force_authenticate(cast.head)
    assert office.get(f"/api/v1/reports/{report.pk}/").status_code == 404
    response = head.post(f"/api/v1/reports/{report.pk}/sign-off/")
    assert response.status_code == 200 and response.json()["state"] == "submitted"
    assert office.get(f"/api/v1/reports/{report.pk}/").status_code == 200


def test_contributions_drafts_stay_with_their_agency(cast, api):
    response = api["supporting"].post("/api/v1/contributions/", {
        "task": cast.task.pk, "period": cast.period.pk, "text": "配合材料草稿"}, format="json")
    assert response.status_code == 200, response.content
    pk = response.json()["id"]
    assert response.json()["submitted_at"] is None
    for role in ("lead", "office", "outsider"):
        assert api[role].get(f"/api/v1/contributions/{pk}/").status_code == 404, role
    response = api["supporting"].post("/api/v1/contributions/", {
        "task": cast.task.pk, "period": cast.period.pk, "text": "配合材料", "submit": True},
        format="json")
    assert response.json()["submitted_at"] is not None
    assert Contribution.objects.get(pk=pk).text == "配合材料"
    for role in ("lead", "office", "leader"):
        assert api[role].get(f"/api/v1/contributions/{pk}/").status_code == 200, role
    assert api["outsider"].get(f"/api/v1/contributions/{pk}/").status_code == 404
    # another agency cannot write material on a task it does not see
    response = api["outsider"].post("/api/v1/contributions/", {
        "task": cast.task.pk, "period": cast.period.pk, "text": "x"}, format="json")
    assert response.status_code == 404


def test_notifications_are_each_persons_own(cast, api):
    report = draft(cast)
    services.report_submit(report=report, by=cast.lead)
    services.report_return(report=report, by=cast.office, reason="缺少数据")
    mine = set(Notification.objects.filter(recipient=cast.lead).values_list("pk", flat=True))
    assert mine
    assert ids(api["lead"].get("/api/v1/notifications/")) == mine
    assert ids(api["office"].get("/api/v1/notifications/")) & mine == set()
    assert api["office"].get(f"/api/v1/notifications/{min(mine)}/").status_code == 404


def test_every_object_as_every_role(cast, api, client):
    """One object of each kind, read by each member of the cast: 200 where the pages show it,
    404 elsewhere (never 403: that would say it exists), 401 without credentials."""
    report = draft(cast)
    attachment = attachment_add(owner=report, upload=SimpleUploadedFile("a.png", PNG),
                                by=cast.lead)
    services.report_submit(report=report, by=cast.lead)
    contribution = services.contribution_save(task=cast.task, period=cast.period,
                                              by=cast.supporting, text="材料", submit=True)
    task_escalate(task=cast.task, by=cast.office, kind="urge", text="请报送")
    notice = Notification.objects.filter(recipient=cast.lead).first()
    indicator = Indicator.objects.filter(
        tasks__assignments__agency=cast.lead.profile.agency, tasks__assignments__role="lead",
    ).exclude(tasks__assignments__agency=cast.supporting.profile.agency).first()
    value = services.indicator_value_set(indicator=indicator, period=cast.period, by=cast.lead,
                                         value=3)
    _send_a_report_carrying(cast, indicator)  # a value is read with its report (visibility)
    assignment = cast.task.assignments.get(agency=cast.lead.profile.agency)
    agency = cast.lead.profile.agency_id
    o, r, L, h, s, x = ROLES  # office, leader, lead, head, supporting, outsider
    table = [  # url, the roles that read it (every other role: 404)
        (f"plans/{cast.plan.pk}/", {o, r}),
        (f"plans/{cast.plan.pk}/figures/", {o, r}),
        (f"sections/{cast.task.section_id}/", {o, r, L, h, s}),
        (f"tasks/{cast.task.pk}/", {o, r, L, h, s}),
        (f"indicators/{indicator.pk}/", {o, r, L, h}),
        (f"indicator-values/{value.pk}/", {o, r, L, h}),
        (f"periods/{cast.period.pk}/", {o, r, L, h, s}),
        (f"assignments/{assignment.pk}/", {o, r, L, h, s}),
        (f"agencies/{agency}/", {o, r, L, h, s}),
        (f"reports/{report.pk}/", {o, r, L, h, s}),
        (f"contributions/{contribution.pk}/", {o, r, L, h, s}),
        (f"attachments/{attachment.pk}/", {o, r, L, h, s}),
        (f"notifications/{notice.pk}/", {L}),
    ]
    for url, readers in table:
        assert client.get(f"/api/v1/{url}").status_code == 401, url
        for role in ROLES:
            expected = 200 if role in readers else 404
            assert api[role].get(f"/api/v1/{url}").status_code == expected, (url, role)


# ---- the report's path through the API ---------------------------------------------------------

def test_draft_submit_return_resubmit_verify(cast, api):
    lead, office = api["lead"], api["office"]
    response = lead.post("/api/v1/reports/", {
        "task": cast.task.pk, "period": cast.period.pk, "progress": "已完成培训。",
        "completion": "completed"}, format="json")
    assert response.status_code == 201, response.content
    report = response.json()
    assert (report["state"], report["agency"]) == ("draft", cast.lead.profile.agency_id)
    url = f"/api/v1/reports/{report['id']}/"

    assert lead.post(url + "submit/").json()["state"] == "submitted"
    refused = lead.post(url + "verify/", {}, format="json")
    assert refused.status_code == 403  # the agency sees the report, but may not verify it
    assert office.post(url + "return/", {"reason": ""}, format="json").status_code == 400
    response = office.post(url + "return/", {"reason": "缺少数据支撑"}, format="json")
    assert response.json()["state"] == "returned"
    assert response.json()["return_reason"] == "缺少数据支撑"

    response = lead.patch(url, {"progress": "已完成培训，补充数据。"}, format="json")
    assert response.status_code == 200 and response.json()["state"] == "returned"
    assert lead.post(url + "submit/").json()["state"] == "submitted"
    response = office.post(url + "verify/", {"comment": "同意"}, format="json")
    assert response.json()["state"] == "verified"
    cast.task.refresh_from_db()
    assert cast.task.state == Task.State.VERIFIED  # it claimed completion: 办结

    logs = list(StateLog.objects.for_(ProgressReport.objects.get(pk=report["id"]))
                .order_by("timestamp", "pk").values_list("transition", "by__username"))
    assert logs == [("submit", "lead"), ("return_for_revision", "office"),
                    ("submit", "lead"), ("verify", "office")]

    # refused transitions answer 400 with the service's message, never 500
    again = office.post(url + "verify/", {}, format="json")
    assert again.status_code == 400 and again.json()["detail"]
    assert lead.patch(url, {"progress": "改"}, format="json").status_code == 400
    # the office reopens the task it closed
    response = office.post(f"/api/v1/tasks/{cast.task.pk}/reopen/", {"reason": "复查"},
                           format="json")
    assert response.status_code == 200 and response.json()["state"] == "reporting"
    assert lead.post(f"/api/v1/tasks/{cast.task.pk}/reopen/", {"reason": "x"},
                     format="json").status_code == 403


def test_submitting_without_progress_is_refused(cast, api):
    report = draft(cast, progress="")
    response = api["lead"].post(f"/api/v1/reports/{report.pk}/submit/")
    assert response.status_code == 400
    assert response.json()["detail"]
    report.refresh_from_db()
    assert report.state == "draft"


def test_the_office_cannot_write_an_agencys_report(cast, api):
    response = api["office"].post("/api/v1/reports/", {
        "task": cast.task.pk, "period": cast.period.pk, "progress": "x"}, format="json")
    assert response.status_code == 400
    assert not ProgressReport.objects.exists()
    response = api["outsider"].post("/api/v1/reports/", {
        "task": cast.task.pk, "period": cast.period.pk, "progress": "x"}, format="json")
    assert response.status_code == 404


def test_actions_accept_post_only(cast, api):
    report = draft(cast)
    assert api["lead"].get(f"/api/v1/reports/{report.pk}/submit/").status_code == 405
    assert api["lead"].put(f"/api/v1/reports/{report.pk}/", {}).status_code == 405
    assert api["lead"].delete(f"/api/v1/reports/{report.pk}/").status_code == 405


# ---- attachments, indicator values -------------------------------------------------------------

def test_attachments_are_checked_like_the_pages(cast, api, settings):
    report = draft(cast)
    url = f"/api/v1/reports/{report.pk}/attachments/"
    good = SimpleUploadedFile("照片.png", PNG, content_type="image/png")
    response = api["lead"].post(url, {"file": good}, format="multipart")
    assert response.status_code == 201, response.content
    attachment = response.json()
    assert (attachment["name"], attachment["kind"], attachment["size"]) == (
        "照片.png", "png", len(PNG))
    bad = SimpleUploadedFile("报告.pdf", b"MZ not a pdf", content_type="application/pdf")
    response = api["lead"].post(url, {"file": bad}, format="multipart")
    assert response.status_code == 400 and "报告.pdf" in response.json()["detail"]
    settings.ATTACHMENT_MAX_BYTES = 10
    big = SimpleUploadedFile("大.png", PNG, content_type="image/png")
    assert api["lead"].post(url, {"file": big}, format="multipart").status_code == 400
    assert report.attachments.count() == 1
    # the attachment of a draft is the draft's: hidden from the office until it is sent
    assert api["office"].get(f"/api/v1/attachments/{attachment['id']}/").status_code == 404
    assert api["lead"].get(f"/api/v1/attachments/{attachment['id']}/").status_code == 200
    assert api["outsider"].post(url, {"file": good}, format="multipart").status_code == 404


def test_indicator_values_through_the_api(cast, api):
    indicator = Indicator.objects.filter(
        tasks__assignments__agency=cast.lead.profile.agency, tasks__assignments__role="lead",
    ).first()
    body = {"indicator": indicator.pk, "period": cast.period.pk, "value": "12.5"}
    response = api["lead"].post("/api/v1/indicator-values/", body, format="json")
    assert response.status_code == 201, response.content
    assert IndicatorValue.objects.get(indicator=indicator).value == 12.5
    assert api["office"].post("/api/v1/indicator-values/", body, format="json"
                              ).status_code == 400
    assert api["outsider"].post("/api/v1/indicator-values/", body, format="json"
                                ).status_code == 404
    url = f"/api/v1/indicator-values/?indicator={indicator.pk}"
    assert ids(api["office"].get(url)) == set()  # not before a report carries it
    _send_a_report_carrying(cast, indicator)
    assert ids(api["office"].get(url)) == {response.json()["id"]}


def _send_a_report_carrying(cast, indicator):
    """Submit the lead's report, for the cast's period, on a task linked to the indicator."""
    task = indicator.tasks.filter(assignments__agency=cast.lead.profile.agency,
                                  assignments__role="lead").first()
    report = services.report_save(task=task, period=cast.period, by=cast.lead,
                                  data={"progress": "进展。"})
    services.report_submit(report=report, by=cast.lead)


# ---- the office's other actions ----------------------------------------------------------------

def test_urge_and_supervise(cast, api):
    url = f"/api/v1/tasks/{cast.task.pk}/escalate/"
    body = {"kind": "urge", "text": "请尽快报送", "period": cast.period.pk}
    response = api["office"].post(url, body, format="json")
    assert response.status_code == 201, response.content
    escalation = Escalation.objects.get()
    assert (escalation.kind, escalation.by, escalation.period) == ("urge", cast.office,
                                                                    cast.period)
    assert Notification.objects.filter(recipient=cast.lead, text__contains="请尽快报送").exists()
    body = {"kind": "supervise", "text": "督办"}
    assert api["office"].post(url, body, format="json").json()["level"] >= escalation.level
    assert api["lead"].post(url, body, format="json").status_code == 403
    assert api["leader"].post(url, body, format="json").status_code == 403
    assert api["outsider"].post(url, body, format="json").status_code == 404
    assert api["office"].post(url, {"kind": "urge", "text": "  "}, format="json"
                              ).status_code == 400
    assert Escalation.objects.count() == 2


def test_dispatch(cast, api):
    url = f"/api/v1/plans/{cast.plan.pk}/dispatch/"
    assert api["leader"].post(url).status_code == 403
    assert api["lead"].post(url).status_code == 404
    again = api["office"].post(url)  # already dispatched: a conflict, said in words
    assert again.status_code == 409 and "未重复派发" in again.json()["detail"]

    needing = _import("000", cast)  # its 12 tasks all lack a lead agency
    response = api["office"].post(f"/api/v1/plans/{needing.pk}/dispatch/")
    assert response.status_code == 400 and "12" in response.json()["detail"]
    assert not Assignment.objects.filter(task__plan=needing).exists()
    figures = api["office"].get(f"/api/v1/plans/{needing.pk}/figures/").json()
    assert (figures["dispatched"], figures["totals"]["due"], figures["task_total"]) == (
        False, 0, 12)  # a plan not yet dispatched owes nothing
    ready = _import("003", cast)  # 6 tasks, each with its lead, and no reporting period yet
    response = api["office"].post(f"/api/v1/plans/{ready.pk}/dispatch/")
    assert response.status_code == 400 and response.json()["detail"]  # as the plan page
    assert not Assignment.objects.filter(task__plan=ready).exists()
    response = api["office"].post(f"/api/v1/plans/{ready.pk}/dispatch/",
                                  {"without_periods": True}, format="json")
    assert response.status_code == 200, response.content
    made = Assignment.objects.filter(task__plan=ready).count()
    assert response.json()["assignments"] == made >= 6
    ready.refresh_from_db()
    assert ready.state == "dispatched"


def _import(seed, cast):
    from tasks.services import plan_import
    from tests.seeds import seed_bytes, seed_path

    return plan_import(data=seed_bytes(seed), source_name=seed_path(seed).name,
                       office_agency_id=cast.office.profile.agency_id).plan


# ---- figures ------------------------------------------------------------------------------------

def test_the_plans_figures_are_the_dashboards(cast, api):
    report = draft(cast, completion="completed")
    services.report_submit(report=report, by=cast.lead)
    services.report_verify(report=report, by=cast.office)
    today = timezone.localdate()
    body = api["office"].get(f"/api/v1/plans/{cast.plan.pk}/figures/").json()
    board = plan_dashboard(cast.plan, today)
    figures = board["figures"]
    assert body["task_total"] == figures.task_total == 43
    assert body["task_states"] == figures.task_states
    assert body["task_states"]["verified"] == 1
    totals = figures.totals
    assert body["totals"]["due"] == totals.due
    assert body["totals"]["lights"] == totals.lights
    assert body["totals"]["report_states"] == totals.report_states
    # the dashboards count the open periods already started (the cast's: from 2026-10-01)
    assert body["totals"]["report_states"]["verified"] == started(cast, today)
    assert body["totals"]["on_time_rate"] == totals.on_time_rate
    assert [p["period"] for p in body["periods"]] == [p.period.pk for p in figures.periods]
    assert [(s["section"], s["tasks"], s["verified"]) for s in body["sections"]] == [
        (s["pk"], s["tasks"], s["verified"]) for s in figures.sections]
    assert [(r["agency"], r["due"], r["verified"], r["on_time_rate"]) for r in body["ranking"]] == [
        (r["pk"], r["due"], r["verified"], r["on_time_rate"]) for r in board["ranking"]]
    assert body["indicators"]["lights"] == board["indicators"]["lights"]
    assert len(body["indicators"]["rows"]) == len(board["indicators"]["rows"]) == 23
    # and the API's function is the dashboard's, not a second copy
    assert body == api["leader"].get(f"/api/v1/plans/{cast.plan.pk}/figures/").json()
    assert body["totals"]["due"] == plan_figures(cast.plan, today)["totals"]["due"]


def test_the_office_figures_are_the_office_dashboards(cast, api):
    report = draft(cast)
    services.report_submit(report=report, by=cast.lead)
    today = timezone.localdate()
    board = office_dashboard(cast.office, today)
    body = api["office"].get("/api/v1/plans/figures/").json()
    assert body["task_total"] == board["totals"].task_total == 43
    assert body["totals"]["due"] == board["totals"].totals.due
    assert body["totals"]["report_states"]["submitted"] == started(cast, today)
    assert body["totals"]["lights"] == board["totals"].totals.lights
    assert [p["plan"] for p in body["plans"]] == [f.plan.pk for f in board["period_plans"]]
    assert [(r["agency"], r["due"]) for r in body["ranking"]] == [
        (r["pk"], r["due"]) for r in board["ranking"]]
    assert api["leader"].get("/api/v1/plans/figures/").status_code == 200
    for role in ("lead", "supporting", "outsider"):
        assert api[role].get("/api/v1/plans/figures/").status_code == 403


# ---- filters, tokens, throttling, the docs -----------------------------------------------------

def test_filters(cast, api):
    report = draft(cast)
    services.report_submit(report=report, by=cast.lead)
    office = api["office"]
    assert ids(office.get("/api/v1/reports/?state=submitted")) == {report.pk}
    assert ids(office.get("/api/v1/reports/?state=verified")) == set()
    assert ids(office.get(f"/api/v1/reports/?plan={cast.plan.pk}&period={cast.period.pk}"
                          f"&agency={cast.lead.profile.agency_id}")) == {report.pk}
    assert office.get("/api/v1/reports/?state=nonsense").status_code == 400
    agency = cast.supporting.profile.agency_id
    supported = set(Task.objects.filter(agency_links__agency_id=agency, plan=cast.plan)
                    .values_list("pk", flat=True))
    assert ids(office.get(f"/api/v1/tasks/?agency={agency}&page_size=200")) == supported
    page = office.get("/api/v1/tasks/?page_size=10").json()
    assert (page["count"], len(page["results"])) == (43, 10) and page["next"]


def test_the_token_is_shown_once_and_revoked(cast):
    out, err = StringIO(), StringIO()
    call_command("api_token", "lead", stdout=out, stderr=err)
    key = out.getvalue().strip()
    assert re.fullmatch(r"[0-9a-f]{40}", key)
    assert "not be shown again" in err.getvalue()
    stored = ApiToken.objects.get(user=cast.lead)
    assert key not in stored.digest  # only a digest is kept
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.get("/api/v1/tasks/").status_code == 200

    second = StringIO()
    call_command("api_token", "lead", stdout=second, stderr=StringIO())
    assert second.getvalue().strip() != key
    assert client.get("/api/v1/tasks/").status_code == 401  # replaced

    client.credentials(HTTP_AUTHORIZATION=f"Token {second.getvalue().strip()}")
    assert client.get("/api/v1/tasks/").status_code == 200
    out = StringIO()
    call_command("api_token", "lead", "--revoke", stdout=out)
    assert "revoked" in out.getvalue()
    assert client.get("/api/v1/tasks/").status_code == 401
    assert not ApiToken.objects.filter(user=cast.lead).exists()


def test_session_authentication_works_too(cast, client):
    client.force_login(cast.office)
    assert client.get("/api/v1/plans/").json()["count"] == 1


def test_throttling_follows_the_settings(cast, api, settings, client):
    settings.API_THROTTLE_USER = "3/minute"
    codes = [api["lead"].get("/api/v1/tasks/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    settings.API_THROTTLE_ANON = "1/minute"
    assert [client.get("/api/schema/").status_code for _ in range(2)] == [200, 429]
    settings.API_THROTTLE_USER = ""
    assert api["lead"].get("/api/v1/tasks/").status_code == 200


def test_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    assert schema.json()["openapi"].startswith("3.")
    assert "/api/v1/plans/{id}/figures/" in schema.json()["paths"]
    for url in ("/api/docs/", "/api/redoc/"):
        html = client.get(url).content.decode()
        assert "drf_spectacular_sidecar" in html
        hosts = re.findall(r"""(?:src|href)\s*=\s*["'](?:https?:)?//([^/"']+)""", html)
        assert hosts == [], (url, hosts)
        assert not re.search(r"https?://(?!testserver)", html.replace("http://json-schema", ""))
        assets = re.findall(r"""(?:src|href)\s*=\s*["']/static/([^"'?]+)""", html)
        assert assets and all(finders.find(path) for path in assets), assets  # served here


def test_material_takes_attachments_from_its_own_agency_only(cast, api):
    contribution = services.contribution_save(task=cast.task, period=cast.period,
                                              by=cast.supporting, text="材料")
    url = f"/api/v1/contributions/{contribution.pk}/attachments/"
    upload = SimpleUploadedFile("表.png", PNG, content_type="image/png")
    response = api["supporting"].post(url, {"file": upload}, format="multipart")
    assert response.status_code == 201, response.content
    assert response.json()["contribution"] == contribution.pk
    assert api["lead"].post(url, {"file": upload}, format="multipart").status_code == 404
    assert api["supporting"].post(url, {}, format="multipart").status_code == 400
    assert contribution.attachments.count() == 1


@pytest.mark.parametrize("url", ["/api/v1/tasks/", "/api/v1/assignments/",
                                 "/api/v1/indicators/", "/api/v1/sections/"])
def test_a_lists_queries_do_not_grow_with_its_rows(cast, api, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for size in (2, 20):
        with CaptureQueriesContext(connection) as queries:
            response = api["office"].get(f"{url}?page_size={size}")
        assert len(response.json()["results"]) == size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_tokens_in_the_admin_show_no_key(cast, admin_client):
    key = token_issue(user=cast.lead)
    html = admin_client.get("/admin/api/apitoken/").content.decode()
    assert "lead" in html
    assert key not in html and ApiToken.objects.get().digest not in html


def test_an_unreachable_throttle_cache_lets_requests_through(cast, api, settings):
    settings.CACHES = {**settings.CACHES, "throttle": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}
    settings.API_THROTTLE_USER = "1/minute"
    codes = [api["lead"].get("/api/v1/tasks/").status_code for _ in range(2)]
    assert codes == [200, 200]


def test_a_lost_race_answers_409_and_a_refusal_400():
    from api.errors import exception_handler
    from workflow.errors import StaleObject, WorkflowError

    stale = exception_handler(StaleObject("改动已被他人保存"), {})
    assert (stale.status_code, stale.data) == (409, {"detail": "改动已被他人保存"})
    refused = exception_handler(WorkflowError("不可"), {})
    assert (refused.status_code, refused.data) == (400, {"detail": "不可"})
