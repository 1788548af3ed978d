"""The office imports a plan from the web: upload → preview (nothing written) → confirm.

Assertions read the context and structural markers (ids, URLs, file names) rather than English
wording, so they keep passing once the zh-hans translations exist.
"""
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from agencies.models import Agency, StaffProfile
from tasks.models import Plan, Task
from tasks.services import plan_import, sha256_of
from tasks.views import PENDING_SESSION_KEY
from workflow.services import staff_profile_save

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_001 = SEEDS / "001_bd8fbcfcfad85180.txt"  # 遵义市: 21 sections, 43 tasks, 23 indicators
SEED_000 = SEEDS / "000_be5da60cd2e374ba.txt"  # 曾都区: 12 tasks, none with a lead agency
SEED_003 = SEEDS / "003_fdad3aed26c5b025.txt"  # 槐荫区: 6 tasks with notes, no leading group

IMPORT_URL = reverse("plans:import")
CONFIRM_URL = reverse("plans:import-confirm")


@pytest.fixture
def agency(db):
    """The agency hosting seed 001's leading group office; plans without a leading group
    imported here name it as their office (office_agency_id)."""
    return Agency.objects.create(name="市市场监管局(市知识产权局)", kind="department")


def _client_for(username: str, role: str, agency: Agency) -> Client:
    user = User.objects.create_user(username, password="not-used-here")
    staff_profile_save(user=user, agency=agency, role=role)  # with the agency's permissions
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def office(agency):
    return _client_for("clerk", StaffProfile.Role.OFFICE_STAFF, agency)


@pytest.fixture
def reporter(agency):
    return _client_for("reporter", StaffProfile.Role.REPORTER, agency)


def _upload(client, data: bytes, name: str, title: str = ""):
    return client.post(IMPORT_URL, {"file": SimpleUploadedFile(name, data), "title": title})


def _upload_seed(client, path: Path = SEED_001):
    return _upload(client, path.read_bytes(), path.name)


def _confirm(client, data: bytes):
    return client.post(CONFIRM_URL, {"sha256": sha256_of(data)})


def _file_error(response) -> str:
    assert response.templates[0].name == "tasks/plan_import.html"
    return " ".join(response.context["form"].errors["file"])


@pytest.mark.django_db
def test_it_shows_the_upload_form(office):
    response = office.get(IMPORT_URL)
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in response.content.decode()


@pytest.mark.django_db
def test_it_previews_the_plan_and_writes_nothing(office, agency, private_storage):
    data = SEED_001.read_bytes()

    response = _upload_seed(office)

    assert response.status_code == 200
    assert response.templates[0].name == "tasks/plan_import_preview.html"
    counts = response.context["counts"]
    assert counts["sections"] == 21
    assert counts["tasks"] == 43
    assert counts["indicators"] == 23
    assert counts["members"] == 29
    html = response.content.decode()
    assert f'action="{CONFIRM_URL}"' in html
    assert "遵义市国家知识产权强市建设试点城市工作方案" in html
    # Suggestions are shown for the admin to settle, and the leading group is listed.
    assert "人行遵义中心支行" in html and "曹鸣凤" in html
    # Nothing in the database yet: no plan, no task, no agency besides the test's own.
    assert Plan.objects.count() == 0
    assert Task.objects.count() == 0
    assert list(Agency.objects.all()) == [agency]
    # The bytes wait in private storage, named by their hash; the session knows only the hash.
    sha256 = sha256_of(data)
    assert (private_storage / "uploads" / "pending" / f"{sha256}.txt").read_bytes() == data
    assert office.session[PENDING_SESSION_KEY] == {
        "sha256": sha256, "name": SEED_001.name, "title": "",
    }


@pytest.mark.django_db
def test_confirm_imports_exactly_one_plan(office, private_storage):
    data = SEED_001.read_bytes()
    _upload_seed(office)

    response = _confirm(office, data)

    plan = Plan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("plans:detail", args=[plan.pk])
    assert plan.tasks.count() == 43
    assert plan.source_sha256 == sha256_of(data)
    assert not (private_storage / "uploads" / "pending" / f"{sha256_of(data)}.txt").exists()
    assert PENDING_SESSION_KEY not in office.session
    page = office.get(response["Location"])
    assert page.status_code == 200
    assert [m.level_tag for m in page.context["messages"]] == ["success"]
    # A second confirm (double click, back button) finds nothing pending and imports nothing.
    again = _confirm(office, data)
    assert again["Location"] == IMPORT_URL
    assert Plan.objects.count() == 1


@pytest.mark.django_db
def test_the_same_file_again_says_already_imported(office):
    data = SEED_001.read_bytes()
    _upload_seed(office)
    _confirm(office, data)
    plan = Plan.objects.get()

    response = _upload_seed(office)

    assert response.status_code == 200
    assert response.context["existing"] == plan
    html = response.content.decode()
    assert 'id="already-imported"' in html
    assert reverse("plans:detail", args=[plan.pk]) in html
    assert CONFIRM_URL not in html
    assert PENDING_SESSION_KEY not in office.session
    assert Plan.objects.count() == 1


@pytest.mark.django_db
def test_it_refuses_outsiders(reporter):
    plan = plan_import(data=SEED_003.read_bytes(), source_name=SEED_003.name).plan

    assert reporter.get(IMPORT_URL).status_code == 403
    assert _upload_seed(reporter).status_code == 403
    assert _confirm(reporter, SEED_001.read_bytes()).status_code == 403
    assert reporter.get(reverse("plans:list")).status_code == 403
    assert reporter.get(reverse("plans:detail", args=[plan.pk])).status_code == 404
    assert Plan.objects.count() == 1


@pytest.mark.django_db
def test_it_sends_anonymous_users_to_log_in(client):
    response = client.get(IMPORT_URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_confirm_rejects_get(office):
    assert office.get(CONFIRM_URL).status_code == 405


@pytest.mark.django_db
def test_confirm_without_a_pending_upload_goes_back_to_the_form(office):
    response = _confirm(office, SEED_001.read_bytes())

    assert response.status_code == 302
    assert response["Location"] == IMPORT_URL
    page = office.get(IMPORT_URL)
    assert [m.level_tag for m in page.context["messages"]] == ["error"]
    assert Plan.objects.count() == 0


@pytest.mark.django_db
def test_confirm_from_a_stale_preview_imports_nothing(office):
    _upload_seed(office, SEED_001)
    _upload_seed(office, SEED_003)  # the session now waits for 003

    response = _confirm(office, SEED_001.read_bytes())  # the button on the older preview

    assert response["Location"] == IMPORT_URL
    assert Plan.objects.count() == 0


@pytest.mark.django_db
def test_it_refuses_an_oversized_file(office, settings, private_storage):
    settings.PLAN_UPLOAD_MAX_BYTES = 1024

    response = _upload_seed(office)

    assert response.status_code == 200
    assert SEED_001.name in _file_error(response)
    assert Plan.objects.count() == 0
    assert not (private_storage / "uploads").exists()
    assert PENDING_SESSION_KEY not in office.session


@pytest.mark.django_db
def test_it_refuses_a_broken_pdf_or_a_scan(office):
    from tests.importers.pdfs import scanned_pdf

    response = _upload(office, b"%PDF-1.7\n" + b"0" * 100, "方案.pdf")
    assert "方案.pdf" in _file_error(response)
    response = _upload(office, scanned_pdf(), "扫描.pdf")
    assert "扫描.pdf" in _file_error(response) and ".docx" in _file_error(response)
    assert Plan.objects.count() == 0


@pytest.mark.django_db
def test_it_previews_and_imports_a_pdf(office, private_storage):
    from tests.importers.pdfs import text_pdf

    path = Path(__file__).resolve().parent / "corpus" / "gov_employment_promotion.txt"
    data = text_pdf(path.read_text(encoding="utf-8").splitlines())
    response = _upload(office, data, "就业.pdf")
    assert response.context["counts"]["tasks"] == 15
    _confirm(office, data)
    plan = Plan.objects.get()
    assert plan.tasks.count() == 15 and plan.source_file.name.endswith(".pdf")


@pytest.mark.django_db
def test_it_shows_the_importer_error_for_a_bad_file(office, agency, private_storage):
    response = _upload(office, b"\x00\x13garbage\xff" * 200, "x.xlsx")

    error = _file_error(response)
    assert "x.xlsx" in error
    assert "不是可读取的 .xlsx 文件" in error  # the importer's own message, in Chinese
    assert Plan.objects.count() == 0
    assert list(Agency.objects.all()) == [agency]
    assert not (private_storage / "uploads").exists()


@pytest.mark.django_db
def test_plan_detail_query_count_does_not_grow_with_the_plan(office, agency):
    big = plan_import(data=SEED_001.read_bytes(), source_name=SEED_001.name).plan
    small = plan_import(data=SEED_003.read_bytes(), source_name=SEED_003.name,
                        office_agency_id=agency.pk).plan
    office.get(reverse("plans:detail", args=[big.pk]))  # warm up the session

    counts = {}
    for plan in (big, small):
        with CaptureQueriesContext(connection) as queries:
            response = office.get(reverse("plans:detail", args=[plan.pk]))
        assert response.status_code == 200
        counts[plan.tasks.count()] = len(queries)

    assert set(counts) == {43, 6}
    assert counts[43] == counts[6]


@pytest.mark.django_db
def test_plan_detail_shows_a_shared_target_once(office):
    plan = plan_import(data=SEED_001.read_bytes(), source_name=SEED_001.name).plan

    response = office.get(reverse("plans:detail", args=[plan.pk]))

    detail = response.context["detail"]
    assert detail.task_count == 43
    rows = {row.indicator.seq: row for row in detail.indicators}
    assert (rows[6].target_rowspan, rows[7].target_rowspan) == (2, 0)  # 42 projects, two rows
    assert rows[7].shares_target_with == [rows[6].indicator]
    assert response.content.decode().count('rowspan="2"') == 2  # seq 6–7 and 16–17


@pytest.mark.django_db
def test_plan_detail_of_a_missing_plan_is_404(office):
    assert office.get(reverse("plans:detail", args=[999])).status_code == 404


@pytest.mark.django_db
def test_plan_list_counts_tasks_in_one_query(office, agency):
    plan_import(data=SEED_001.read_bytes(), source_name=SEED_001.name)
    plan_import(data=SEED_000.read_bytes(), source_name=SEED_000.name,
                office_agency_id=agency.pk)

    response = office.get(reverse("plans:list"))

    plans = list(response.context["plans"])
    assert [(p.task_count, p.needs_lead_count) for p in plans] == [(12, 12), (43, 0)]


@pytest.mark.django_db
def test_home_sends_office_to_plans_and_others_to_their_portal(office, reporter, client):
    assert office.get(reverse("home"))["Location"] == reverse("plans:list")
    assert reporter.get(reverse("home"))["Location"] == reverse("workflow:my-tasks")
    client.force_login(User.objects.create_user("nobody"))  # no agency yet
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.templates[0].name == "tasks/portal_pending.html"


@pytest.mark.django_db
def test_staff_users_count_as_office(client):
    client.force_login(User.objects.create_user("admin", is_staff=True))
    assert client.get(IMPORT_URL).status_code == 200


@pytest.mark.django_db
def test_login_page_renders(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert 'name="username"' in response.content.decode()


@pytest.mark.django_db
def test_preview_marks_tasks_needing_a_lead(office):
    response = _upload_seed(office, SEED_000)

    assert response.context["counts"]["needs_assignment"] == 12
    assert sum(task["needs_assignment"] for task in response.context["tasks"]) == 12
    assert response.content.decode().count('class="badge badge--warn"') >= 12


@pytest.mark.django_db
def test_the_title_given_on_the_form_is_the_one_imported(office):
    data = SEED_001.read_bytes()
    _upload(office, data, SEED_001.name, title="  遵义市试点方案  ")

    _confirm(office, data)

    assert Plan.objects.get().title == "遵义市试点方案"


@pytest.mark.parametrize(
    ("number", "sections", "tasks", "indicators", "members"),
    [("000", 2, 12, 8, 0), ("001", 21, 43, 23, 29), ("002", 29, 49, 8, 0), ("003", 2, 6, 6, 0),
     ("004", 12, 38, 1, 0)],
)
def test_every_seed_previews_on_the_upload_page(office, number, sections, tasks, indicators,
                                                members):
    response = _upload_seed(office, next(SEEDS.glob(f"{number}_*.txt")))
    assert response.status_code == 200
    counts = response.context["counts"]
    assert (counts["sections"], counts["tasks"], counts["indicators"], counts["members"]) == (
        sections, tasks, indicators, members
    )
    assert Plan.objects.count() == 0
