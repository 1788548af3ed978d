"""The office corrects the reading in the preview, then confirms: what is imported is exactly the
corrected preview, and each correction is kept with the plan against what was read."""
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from agencies.models import Agency, StaffProfile
from tasks.models import ImportCorrection, Plan, Task, TaskAgency
from tasks.services import sha256_of
from workflow.services import staff_profile_save

CORPUS = Path(__file__).resolve().parent / "corpus"
# 国务院关于促进综合保税区…若干意见: 21 measures each with a note, 11 other paragraphs.
BONDED = CORPUS / "gov_bonded_zones_opinions.txt"
IMPORT_URL = reverse("plans:import")
CONFIRM_URL = reverse("plans:import-confirm")

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


@pytest.fixture
def office(db):
    agency = Agency.objects.create(name="海关总署", kind="department")
    user = User.objects.create_user("clerk", password="not-used-here")
    staff_profile_save(user=user, agency=agency, role=StaffProfile.Role.OFFICE_STAFF)
    client = Client()
    client.force_login(user)
    client.user = user
    return client


def upload(client):
    return client.post(IMPORT_URL, {
        "file": SimpleUploadedFile(BONDED.name, BONDED.read_bytes()), "title": ""})


def form_of(response) -> dict:
    """The preview's form as the page shows it: every row's fields, as a browser would post."""
    rows = response.context["rows"]
    data = {"sha256": response.context["sha256"], "rows": response.context["row_keys"],
            "include": [str(r["key"]) for r in rows if r["included"]]}
    for row in rows:
        if row["included"]:
            data[f"lead-{row['key']}"] = row["lead"]
            data[f"supporting-{row['key']}"] = row["supporting"]
    return data


def row(response, start: str) -> dict:
    return next(r for r in response.context["rows"] if r["content"].startswith(start))


def test_the_preview_lists_every_item_with_what_is_left_out(office):
    response = upload(office)
    counts = response.context["counts"]
    assert (counts["tasks"], counts["not_imported"]) == (21, 11)
    rows = response.context["rows"]
    assert len(rows) == 32 and sum(r["included"] for r in rows) == 21
    first = row(response, "拓展两个市场")
    assert (first["lead"], first["supporting"]) == ("税务总局", "财政部、海关总署")
    principle = row(response, "坚持深化改革")
    assert not principle["included"] and "context" in str(principle["reason"])
    html = response.content.decode()
    assert '<datalist id="agency-names">' in html and '<option value="海关总署">' in html
    assert 'name="lead-' in html and 'list="agency-names"' in html
    assert not Plan.objects.exists()


def test_apply_shows_the_corrected_preview_and_saves_nothing(office):
    response = upload(office)
    data = form_of(response)
    excluded = row(response, "释放企业产能")["key"]
    included = row(response, "坚持深化改革")["key"]
    changed = row(response, "促进内销便利")["key"]
    data["include"] = [k for k in data["include"] if k != str(excluded)] + [str(included)]
    data[f"lead-{changed}"] = "海关总署、商务部"
    data[f"supporting-{changed}"] = ""
    again = office.post(CONFIRM_URL, {**data, "action": "apply"})
    assert again.status_code == 200
    assert again.context["counts"]["tasks"] == 21  # one out, one in
    assert not row(again, "释放企业产能")["included"]
    assert row(again, "坚持深化改革")["included"] and row(again, "坚持深化改革")["needs_lead"]
    assert row(again, "促进内销便利")["lead"] == "海关总署、商务部"
    assert len(again.context["corrections"]) == 4  # excluded, included, lead, supporting
    assert not Plan.objects.exists()


def test_bulk_gives_one_lead_to_the_selected_rows(office):
    response = upload(office)
    data = form_of(response)
    picked = [row(response, start)["key"] for start in ("拓展两个市场", "优化信用管理")]
    principle = row(response, "坚持对标国际")["key"]
    data.update(select=[str(k) for k in picked + [principle]], bulk_name="商务部",
                action="bulk-lead")
    again = office.post(CONFIRM_URL, data)
    assert [row(again, s)["lead"] for s in ("拓展两个市场", "优化信用管理", "坚持对标国际")] == [
        "商务部", "商务部", "商务部"]
    assert row(again, "坚持对标国际")["included"]  # given a lead, it is imported
    assert row(again, "拓展两个市场")["supporting"] == "财政部、海关总署"
    data = form_of(again)
    key = row(again, "优化信用管理")["key"]
    data.update(select=[str(key)], bulk_name="市场监管总局", action="bulk-colead")
    third = office.post(CONFIRM_URL, data)
    assert row(third, "优化信用管理")["lead"] == "商务部、市场监管总局"
    assert row(third, "优化信用管理")["supporting"] == "海关总署"


def test_confirm_imports_exactly_the_corrected_preview_and_records_it(office):
    response = upload(office)
    data = form_of(response)
    excluded = row(response, "释放企业产能")["key"]
    changed = row(response, "促进内销便利")["key"]
    data["include"] = [k for k in data["include"] if k != str(excluded)]
    data[f"lead-{changed}"] = "海关总署、商务部"
    data[f"supporting-{changed}"] = ""
    office.post(CONFIRM_URL, {**data, "action": "confirm"})
    plan = Plan.objects.get()
    assert plan.tasks.count() == 20
    assert not plan.tasks.filter(content__startswith="释放企业产能").exists()
    task = plan.tasks.get(content__startswith="促进内销便利")
    assert [a.name for a in task.lead_agencies()] == ["海关总署", "商务部"]
    assert task.supporting_agencies() == []
    corrections = {(c.kind, c.item[:6]): c for c in ImportCorrection.objects.filter(plan=plan)}
    assert set(corrections) == {("excluded", "释放企业产能"), ("lead", "促进内销便利"),
                                ("supporting", "促进内销便利")}
    lead = corrections[("lead", "促进内销便利")]
    assert (lead.read, lead.corrected, lead.task) == (["商务部"], ["海关总署", "商务部"], task)
    assert lead.made_by == office.user and lead.source_ref == "line 20"
    assert corrections[("excluded", "释放企业产能")].task is None


def test_confirm_of_the_reading_as_read_records_nothing(office):
    response = upload(office)
    office.post(CONFIRM_URL, {**form_of(response), "action": "confirm"})
    plan = Plan.objects.get()
    assert plan.tasks.count() == 21 and not ImportCorrection.objects.exists()
    assert TaskAgency.objects.filter(task__plan=plan, role="lead").count() == 21


def test_a_preview_that_does_not_match_the_file_imports_nothing(office):
    response = upload(office)
    data = {**form_of(response), "rows": "999", "action": "confirm"}
    answer = office.post(CONFIRM_URL, data, follow=True)
    assert not Plan.objects.exists() and not Task.objects.exists()
    assert any("upload it again" in str(m) for m in answer.context["messages"])


def test_confirm_without_the_right_upload_is_refused(office):
    upload(office)
    office.post(CONFIRM_URL, {"sha256": sha256_of(b"other"), "rows": "0", "include": "0"})
    assert not Plan.objects.exists()
