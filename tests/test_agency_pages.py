"""The agencies' pages: my tasks, the task page, the report and contribution forms,
attachments, acknowledgement, sign-off and report once (最多报一次), on seed 001 dispatched."""
from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Agency
from tasks.models import Task, TaskAgency
from tasks.services import plan_import
from tests.cast import build_cast
from tests.seeds import seed_bytes, seed_path
from workflow import services
from workflow.models import (
    Assignment,
    Attachment,
    Contribution,
    IndicatorValue,
    ProgressReport,
    ReportingPeriod,
)

pytestmark = [pytest.mark.django_db, pytest.mark.dates]

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


@pytest.fixture
def cast():
    return build_cast()


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def task_url(cast, task=None) -> str:
    return reverse("workflow:task", args=[(task or cast.task).pk]) + f"?period={cast.period.pk}"


def lead_tasks(cast):
    agency = cast.lead.profile.agency
    return list(Task.objects.filter(plan=cast.plan, assignments__agency=agency,
                                    assignments__role="lead").order_by("order"))


def said(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def save_report(client, cast, action="save", **fields):
    data = {"period": cast.period.pk, "action": action, "progress": "已完成培育。",
            "completion": "in_progress", **fields}
    return client.post(reverse("workflow:report-save", args=[cast.task.pk]), data, follow=True)


def upload(client, url, name, data):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(url, {"file": SimpleUploadedFile(name, data)}, follow=True)


def report_of(cast, task=None):
    return ProgressReport.objects.get(task=task or cast.task, period=cast.period)


# ---- my tasks -------------------------------------------------------------------------------

def test_home_sends_agency_staff_to_their_tasks_and_readers_to_the_dashboard(cast):
    assert client_for(cast.lead).get(reverse("home"))["Location"] == reverse("workflow:my-tasks")
    assert client_for(cast.head).get(reverse("home"))["Location"] == reverse("workflow:my-tasks")
    dashboard = reverse("supervision:office")
    assert client_for(cast.office).get(reverse("home"))["Location"] == dashboard
    assert client_for(cast.leader).get(reverse("home"))["Location"] == dashboard


def test_my_tasks_lists_own_tasks_in_the_right_tab(cast):
    lead = client_for(cast.lead)
    response = lead.get(reverse("workflow:my-tasks"))
    assert response.status_code == 200
    rows = response.context["rows"]
    assert [row.task for row in rows] == lead_tasks(cast)
    assert {row.assignment.role for row in rows} == {"lead"}
    assert all(row.period == cast.period for row in rows)
    assert response.context["report_once_periods"] == [cast.period]

    supporting = client_for(cast.supporting)
    leading = [row.task for row in supporting.get(reverse("workflow:my-tasks")).context["rows"]]
    assert cast.task not in leading
    rows = supporting.get(reverse("workflow:my-tasks") + "?tab=supporting").context["rows"]
    assert cast.task in [row.task for row in rows]
    assert {row.assignment.role for row in rows} == {"supporting"}
    agency = cast.supporting.profile.agency
    assert all(row.assignment.agency == agency for row in rows)


def test_my_tasks_shows_nothing_to_an_agency_without_tasks(cast):
    response = client_for(cast.outsider).get(reverse("workflow:my-tasks"))
    assert response.status_code == 200
    assert response.context["rows"] == [] and response.context["periods"] == []


def test_my_tasks_shows_the_report_state_and_filters_by_task_state(cast):
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "已报送。"})
    services.report_submit(report=report, by=cast.lead)
    client = client_for(cast.lead)
    rows = client.get(reverse("workflow:my-tasks")).context["rows"]
    row = next(row for row in rows if row.task == cast.task)
    assert row.report == report and row.report.state == "submitted"
    rows = client.get(reverse("workflow:my-tasks") + "?state=reporting").context["rows"]
    assert [row.task for row in rows] == [cast.task]


def test_my_tasks_filters_overdue_lead_tasks():
    cast = build_cast(due_on=date(2000, 1, 10))
    client = client_for(cast.lead)
    overdue_url = reverse("workflow:my-tasks") + "?overdue=1"
    assert [row.task for row in client.get(overdue_url).context["rows"]] == lead_tasks(cast)
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "已报送。"})
    services.report_submit(report=report, by=cast.lead)
    rows = client.get(overdue_url).context["rows"]
    assert cast.task not in [row.task for row in rows] and len(rows) == 2


def _dispatch_second_plan(cast, agency: Agency) -> int:
    """Seed 003 with the lead agency leading every task, a period, dispatched; its task count."""
    plan = plan_import(data=seed_bytes("003"), source_name=seed_path("003").name,
                       office_agency_id=cast.office.profile.agency_id).plan
    for task in plan.tasks.all():
        TaskAgency.objects.get_or_create(task=task, agency=agency, defaults={"role": "lead"})
    Task.objects.filter(plan=plan).update(needs_lead=False)
    period = ReportingPeriod.objects.create(
        plan=plan, label="第4季度", starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 31),
        due_on=cast.period.due_on,
    )
    services.plan_dispatch(plan=plan, by=cast.office)
    first = plan.tasks.order_by("order").first()
    services.report_save(task=first, period=period, by=cast.lead, data={"progress": "进展"})
    return plan.tasks.count()


def test_my_tasks_takes_the_same_number_of_queries_for_more_tasks(cast):
    client = client_for(cast.lead)
    url = reverse("workflow:my-tasks")
    client.get(url)  # warm the caches (content types, permissions)
    with CaptureQueriesContext(connection) as few:
        rows_before = len(client.get(url).context["rows"])

    added = _dispatch_second_plan(cast, cast.lead.profile.agency)

    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["rows"]) == rows_before + added
    assert len(response.context["report_once_periods"]) == 2
    assert len(many.captured_queries) == len(few.captured_queries)


# ---- the task page --------------------------------------------------------------------------

def test_task_page_shows_to_its_agencies_and_the_office(cast):
    for user in (cast.lead, cast.supporting, cast.office, cast.leader):
        response = client_for(user).get(task_url(cast))
        assert response.status_code == 200, user
        assert response.context["task"] == cast.task and response.context["period"] == cast.period
        assert response.context["report"] is None


def test_task_page_is_404_for_another_agency(cast):
    assert client_for(cast.outsider).get(task_url(cast)).status_code == 404
    assert client_for(cast.lead).get(reverse("workflow:task", args=[999999])).status_code == 404


def test_task_page_offers_the_report_form_only_to_the_lead(cast):
    context = client_for(cast.lead).get(task_url(cast)).context
    assert context["editable"] and context["may_submit"] and not context["may_contribute"]
    context = client_for(cast.supporting).get(task_url(cast)).context
    assert not context["editable"] and context["may_contribute"]
    context = client_for(cast.office).get(task_url(cast)).context
    assert not context["editable"] and not context["may_contribute"]


def test_report_draft_save_then_submit(cast):
    client = client_for(cast.lead)
    response = save_report(client, cast, progress="已开展地理标志培育。")
    assert response.redirect_chain[-1][0] == task_url(cast) + "#report"
    report = report_of(cast)
    cast.task.refresh_from_db()
    assert (report.state, report.progress, cast.task.state) == (
        "draft", "已开展地理标志培育。", "assigned")
    assert response.context["report"] == report

    save_report(client, cast, action="submit", completion="completed")
    report.refresh_from_db()
    cast.task.refresh_from_db()
    assert (report.state, report.completion, cast.task.state) == (
        "submitted", "completed", "reporting")
    context = client.get(task_url(cast)).context
    assert not context["editable"] and not context["may_submit"]


def test_a_draft_stays_with_the_lead_agency(cast):
    save_report(client_for(cast.lead), cast, progress="尚未报送的草稿")
    for user in (cast.supporting, cast.office):
        response = client_for(user).get(task_url(cast))
        assert 'id="report-unsent"' in response.content.decode()
        assert "尚未报送的草稿" not in response.content.decode()
    assert "尚未报送的草稿" in client_for(cast.head).get(task_url(cast)).content.decode()


def test_the_timeline_shows_who_moved_the_report(cast):
    client = client_for(cast.lead)
    save_report(client, cast, action="submit")
    timeline = client_for(cast.office).get(task_url(cast)).context["timeline"]
    moves = [(e["on_report"], e["log"].source_state, e["log"].state, e["by"], e["period"])
             for e in timeline if e["kind"] == "transition"]
    assert moves == [(True, "draft", "submitted", cast.lead, cast.period),
                     (False, "assigned", "reporting", cast.lead, None)]
    assigned = [e for e in timeline if e["kind"] == "assigned"]
    assert len(assigned) == 1  # dispatch's assignments on one line
    assert len(assigned[0]["assignments"]) == cast.task.assignments.count()


def test_submit_without_progress_keeps_the_draft(cast):
    response = save_report(client_for(cast.lead), cast, action="submit", progress="  ")
    assert report_of(cast).state == "draft"
    assert len(said(response)) == 1


def test_report_save_stores_indicator_values_with_the_report(cast):
    indicator = cast.plan.indicators.first()
    cast.task.indicators.add(indicator)
    save_report(client_for(cast.lead), cast, **{f"indicator_{indicator.pk}": "12.5"})
    value = IndicatorValue.objects.get(indicator=indicator, period=cast.period)
    assert (str(value.value.normalize()), value.entered_by) == ("12.5", cast.lead)
    assert client_for(cast.lead).get(task_url(cast)).context["indicators"][0]["value"] == value
    # The value travels with the report: the office reads it once the report is sent on.
    assert client_for(cast.office).get(task_url(cast)).context["indicators"][0]["value"] is None
    save_report(client_for(cast.lead), cast, action="submit")
    context = client_for(cast.office).get(task_url(cast)).context
    assert context["indicators"][0]["value"] == value


def test_an_invalid_indicator_value_saves_nothing(cast):
    indicator = cast.plan.indicators.first()
    cast.task.indicators.add(indicator)
    response = save_report(client_for(cast.lead), cast, **{f"indicator_{indicator.pk}": "abc"})
    assert not ProgressReport.objects.exists() and not IndicatorValue.objects.exists()
    assert indicator.name in said(response)[0]


def test_an_indicator_of_another_task_is_refused(cast):
    other = cast.plan.indicators.exclude(tasks=cast.task).first()
    save_report(client_for(cast.lead), cast, **{f"indicator_{other.pk}": "3"})
    assert not ProgressReport.objects.exists() and not IndicatorValue.objects.exists()


def test_the_supporting_agency_cannot_save_the_report(cast):
    response = save_report(client_for(cast.supporting), cast)
    assert response.status_code == 200 and not ProgressReport.objects.exists()
    assert save_report(client_for(cast.outsider), cast).status_code == 404


def test_every_post_url_rejects_get(cast):
    report = services.report_save(task=cast.task, period=cast.period, by=cast.lead,
                                  data={"progress": "x"})
    contribution = services.contribution_save(task=cast.task, period=cast.period,
                                              by=cast.supporting, text="材料")
    assignment = Assignment.objects.filter(agency=cast.lead.profile.agency).first()
    urls = [
        reverse("workflow:report-save", args=[cast.task.pk]),
        reverse("workflow:contribute", args=[cast.task.pk]),
        reverse("workflow:report-attach", args=[report.pk]),
        reverse("workflow:contribution-attach", args=[contribution.pk]),
        reverse("workflow:acknowledge", args=[assignment.pk]),
        reverse("workflow:sign-off", args=[report.pk]),
        reverse("workflow:send-back", args=[report.pk]),
    ]
    client = client_for(cast.lead)
    for url in urls:
        assert client.get(url).status_code == 405, url


# ---- attachments ----------------------------------------------------------------------------

def test_attachment_upload_and_download(cast):
    lead = client_for(cast.lead)
    save_report(lead, cast)
    report = report_of(cast)
    response = upload(lead, reverse("workflow:report-attach", args=[report.pk]),
                      "进展材料.pdf", PDF)
    attachment = Attachment.objects.get()
    assert (attachment.report, attachment.name, attachment.kind) == (report, "进展材料.pdf", "pdf")
    assert "进展材料.pdf" in said(response)[0]
    url = reverse("workflow:attachment", args=[attachment.pk])
    # A draft's file stays with the lead agency, as the draft does (workflow.visibility).
    for user in (cast.office, cast.supporting, cast.outsider):
        assert client_for(user).get(url).status_code == 404
    save_report(lead, cast, action="submit")
    for user in (cast.lead, cast.office):
        response = client_for(user).get(url)
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["X-Content-Type-Options"] == "nosniff"
    assert client_for(cast.outsider).get(url).status_code == 404
    assert client_for(cast.lead).post(url).status_code == 405


def test_a_program_renamed_pdf_is_refused(cast, private_storage):
    lead = client_for(cast.lead)
    save_report(lead, cast)
    response = upload(lead, reverse("workflow:report-attach", args=[report_of(cast).pk]),
                      "setup.pdf", EXE)
    assert not Attachment.objects.exists()
    assert [m for m in said(response) if "setup.pdf" in m]
    assert not [p for p in (private_storage / "attachments").rglob("*") if p.is_file()]


def test_an_oversized_file_is_refused(cast, settings):
    settings.ATTACHMENT_MAX_BYTES = 50
    lead = client_for(cast.lead)
    save_report(lead, cast)
    response = upload(lead, reverse("workflow:report-attach", args=[report_of(cast).pk]),
                      "big.pdf", PDF + b"0" * 100)
    assert not Attachment.objects.exists()
    assert [m for m in said(response) if "big.pdf" in m]


def test_attaching_to_another_agencys_report_is_404(cast):
    save_report(client_for(cast.lead), cast)
    response = upload(client_for(cast.outsider),
                      reverse("workflow:report-attach", args=[report_of(cast).pk]), "a.pdf", PDF)
    assert response.status_code == 404 and not Attachment.objects.exists()


def test_uploading_from_the_report_form_saves_the_typed_draft_first(cast, private_storage):
    """Issue 11 §2: the file field is in the report form; "Upload" saves what was typed (the
    first save creates the draft), then attaches; the form shows the saved text again."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    lead = client_for(cast.lead)
    response = save_report(lead, cast, action="upload", progress="尚未保存的进展。",
                           problems="人手不足。", file=SimpleUploadedFile("进展.pdf", PDF))
    report = report_of(cast)
    assert (report.state, report.progress, report.problems) == ("draft", "尚未保存的进展。",
                                                                "人手不足。")
    assert [a.name for a in report.attachments.all()] == ["进展.pdf"]
    assert "尚未保存的进展。" in response.content.decode()
    # "Upload" with no file chosen still saves the text, and says what is missing.
    response = save_report(lead, cast, action="upload", progress="改过的进展。")
    report.refresh_from_db()
    assert report.progress == "改过的进展。" and report.attachments.count() == 1
    assert "请选择要上传的文件。" in [str(m) for m in response.context["messages"]]


def test_uploading_from_the_material_form_saves_the_typed_material(cast, private_storage):
    from django.core.files.uploadedfile import SimpleUploadedFile

    supporting = client_for(cast.supporting)
    supporting.post(reverse("workflow:contribute", args=[cast.task.pk]), {
        "period": cast.period.pk, "action": "upload", "text": "尚未保存的材料。",
        "file": SimpleUploadedFile("材料.pdf", PDF)})
    contribution = Contribution.objects.get(agency=cast.supporting.profile.agency)
    assert (contribution.text, contribution.submitted_at) == ("尚未保存的材料。", None)
    assert [a.name for a in contribution.attachments.all()] == ["材料.pdf"]


# ---- contributions --------------------------------------------------------------------------

def test_a_contribution_shows_to_the_lead_and_can_be_pulled(cast, english):
    supporting = client_for(cast.supporting)
    supporting.post(reverse("workflow:contribute", args=[cast.task.pk]), {
        "period": cast.period.pk, "action": "submit", "text": "工信局已完成商标培育。"})
    contribution = Contribution.objects.get(agency=cast.supporting.profile.agency)
    assert contribution.submitted_at is not None
    upload(supporting, reverse("workflow:contribution-attach", args=[contribution.pk]),
           "材料.pdf", PDF)
    assert Attachment.objects.get().contribution == contribution

    lead = client_for(cast.lead)
    response = lead.get(task_url(cast))
    status = {item["agency"]: item["contribution"]
              for item in response.context["contribution_status"]}
    assert status[cast.supporting.profile.agency] == contribution
    assert None in status.values()  # the other member units have not contributed
    html = response.content.decode()
    assert 'id="contribution-status"' in html and "has contributed" in html
    assert f'name="pull" value="{contribution.pk}"' in html

    lead.post(reverse("workflow:report-save", args=[cast.task.pk]), {
        "period": cast.period.pk, "progress": "农业局已培育地理标志。",
        "completion": "in_progress", "pull": contribution.pk})
    report = report_of(cast)
    assert report.state == "draft"
    assert report.progress.startswith("农业局已培育地理标志。")
    assert report.progress.endswith("工信局已完成商标培育。")


def test_the_same_material_is_pulled_in_once(cast):
    services.contribution_save(task=cast.task, period=cast.period, by=cast.supporting,
                               text="工信局已完成商标培育。", submit=True)
    contribution = Contribution.objects.get()
    lead = client_for(cast.lead)
    url = reverse("workflow:report-save", args=[cast.task.pk])
    lead.post(url, {"period": cast.period.pk, "progress": "进展", "pull": contribution.pk})
    once = report_of(cast).progress
    response = lead.post(url, {"period": cast.period.pk, "progress": once + "\n补充一句。",
                               "pull": contribution.pk}, follow=True)
    assert report_of(cast).progress == once and once.count("工信局已完成商标培育。") == 1
    assert any("已在进展" in m for m in said(response))
    # what was typed with the refused pull is still in the form
    assert "补充一句。" in response.context["form_fields"]["progress"]


def test_a_refused_figure_keeps_everything_typed(cast):
    indicator = cast.plan.indicators.first()
    cast.task.indicators.add(indicator)
    response = save_report(client_for(cast.lead), cast, progress="进展甲", problems="问题乙",
                           next_steps="下一步丙", completion="completed",
                           **{f"indicator_{indicator.pk}": "六十二"})
    assert not ProgressReport.objects.exists() and not IndicatorValue.objects.exists()
    form = response.context["form_fields"]
    assert (form["progress"], form["problems"], form["next_steps"], form["completion"]) == (
        "进展甲", "问题乙", "下一步丙", "completed")
    html = response.content.decode()
    assert "下一步丙</textarea>" in html and 'value="六十二"' in html
    # kept for the page it was refused on, once: the next visit shows what is saved
    again = client_for(cast.lead).get(task_url(cast))
    assert again.context["form_fields"]["progress"] == ""


def test_a_figure_sent_with_a_report_is_locked_until_it_is_returned(cast):
    indicator = cast.plan.indicators.first()
    cast.task.indicators.add(indicator)
    lead = client_for(cast.lead)
    save_report(lead, cast, action="submit", **{f"indicator_{indicator.pk}": "12"})
    assert report_of(cast).state == "submitted"
    field = f'name="indicator_{indicator.pk}"'
    assert field not in lead.get(task_url(cast)).content.decode()
    once = lead.get(reverse("workflow:report-once", args=[cast.period.pk]))
    assert field not in once.content.decode()
    with pytest.raises(services.WorkflowError):
        services.indicator_value_set(indicator=indicator, period=cast.period, by=cast.lead,
                                     value=15)
    assert IndicatorValue.objects.get().value == 12

    services.report_return(report=report_of(cast), by=cast.office, reason="请核实数据")
    assert field in lead.get(task_url(cast)).content.decode()
    save_report(lead, cast, **{f"indicator_{indicator.pk}": "15"})
    assert IndicatorValue.objects.get().value == 15


def test_a_draft_contribution_cannot_be_pulled(cast):
    services.contribution_save(task=cast.task, period=cast.period, by=cast.supporting,
                               text="草稿")
    contribution = Contribution.objects.get()
    client_for(cast.lead).post(reverse("workflow:report-save", args=[cast.task.pk]), {
        "period": cast.period.pk, "progress": "进展", "pull": contribution.pk})
    assert not ProgressReport.objects.exists()


# ---- acknowledgement and sign-off -----------------------------------------------------------

def test_acknowledge_works_once(cast):
    assignment = Assignment.objects.get(task=cast.task, agency=cast.lead.profile.agency)
    url = reverse("workflow:acknowledge", args=[assignment.pk])
    assert client_for(cast.outsider).post(url).status_code == 404
    assert client_for(cast.supporting).post(url).status_code == 404

    response = client_for(cast.lead).post(url)
    assert response["Location"] == reverse("workflow:my-tasks")
    assignment.refresh_from_db()
    first = assignment.acknowledged_at
    assert first is not None and assignment.acknowledged_by == cast.lead

    client_for(cast.head).post(url)
    assignment.refresh_from_db()
    assert (assignment.acknowledged_at, assignment.acknowledged_by) == (first, cast.lead)
    rows = client_for(cast.lead).get(reverse("workflow:my-tasks")).context["rows"]
    assert next(r for r in rows if r.task == cast.task).assignment.acknowledged_at == first


def test_the_head_signs_off_or_sends_back():
    cast = build_cast(requires_signoff=True)
    lead = client_for(cast.lead)
    assert lead.get(task_url(cast)).context["may_submit"]
    save_report(lead, cast, action="submit")
    report = report_of(cast)
    assert report.state == "awaiting_signoff"
    assert not lead.get(task_url(cast)).context["may_sign_off"]

    head = client_for(cast.head)
    context = head.get(task_url(cast)).context
    assert context["may_sign_off"] and context["may_send_back"]
    head.post(reverse("workflow:send-back", args=[report.pk]), {"reason": " "})
    report.refresh_from_db()
    assert report.state == "awaiting_signoff"
    head.post(reverse("workflow:send-back", args=[report.pk]), {"reason": "请补充数据"})
    report.refresh_from_db()
    assert report.state == "draft"

    save_report(lead, cast, action="submit")
    assert client_for(cast.outsider).post(
        reverse("workflow:sign-off", args=[report.pk])).status_code == 404
    lead.post(reverse("workflow:sign-off", args=[report.pk]))  # a reporter may not sign off
    report.refresh_from_db()
    assert report.state == "awaiting_signoff"
    head.post(reverse("workflow:sign-off", args=[report.pk]))
    report.refresh_from_db()
    assert report.state == "submitted" and report.submitted_at is not None


# ---- report once ----------------------------------------------------------------------------

def test_report_once_saves_every_report_and_a_shared_indicator_once(cast):
    first, second, *_ = lead_tasks(cast)
    indicator = cast.plan.indicators.first()
    indicator.tasks.add(first, second)
    url = reverse("workflow:report-once", args=[cast.period.pk])
    client = client_for(cast.lead)

    response = client.get(url)
    assert response.status_code == 200
    assert [row.task for row in response.context["rows"]] == lead_tasks(cast)
    shared = [row for row in response.context["indicator_rows"]
              if row["indicator"] == indicator]
    assert len(shared) == 1

    client.post(url, {
        "action": "save",
        f"progress_{first.pk}": "第一项进展", f"completion_{first.pk}": "completed",
        f"progress_{second.pk}": "第二项进展", f"completion_{second.pk}": "in_progress",
        f"indicator_{indicator.pk}": "42",
    })
    reports = ProgressReport.objects.filter(period=cast.period)
    assert {(r.task, r.progress, r.state) for r in reports} == {
        (first, "第一项进展", "draft"), (second, "第二项进展", "draft")}
    assert IndicatorValue.objects.count() == 1
    assert IndicatorValue.objects.get().value == 42
    for task in (first, second):
        context = client.get(task_url(cast, task)).context
        assert [row["value"].value for row in context["indicators"]
                if row["indicator"] == indicator] == [42]

    client.post(url, {"action": "submit", f"progress_{first.pk}": "第一项进展",
                      f"progress_{second.pk}": ""})
    states = dict(ProgressReport.objects.filter(period=cast.period)
                  .values_list("task", "state"))
    assert states == {first.pk: "submitted", second.pk: "draft"}


def test_report_once_saves_nothing_when_a_value_is_wrong(cast):
    first, second, *_ = lead_tasks(cast)
    indicator = cast.plan.indicators.first()
    indicator.tasks.add(first)
    url = reverse("workflow:report-once", args=[cast.period.pk])
    response = client_for(cast.lead).post(url, {
        "action": "save", f"progress_{first.pk}": "进展", f"progress_{second.pk}": "进展",
        f"indicator_{indicator.pk}": "一百"})
    assert response.status_code == 200  # shown again with what was typed
    assert not ProgressReport.objects.exists() and not IndicatorValue.objects.exists()
    row = next(r for r in response.context["rows"] if r.task == first)
    assert row.fields["progress"] == "进展"


def test_report_once_is_404_outside_the_agencys_plans(cast):
    url = reverse("workflow:report-once", args=[cast.period.pk])
    assert client_for(cast.outsider).get(url).status_code == 404
    assert client_for(cast.office).get(url).status_code == 404
    response = client_for(cast.supporting).get(url)  # it supports tasks here, leads none
    assert response.status_code == 200 and response.context["rows"] == []
