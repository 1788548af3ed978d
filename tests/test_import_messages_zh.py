"""The office reads the importer's findings in Chinese (LANGUAGE_CODE = zh-hans)."""
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from tasks import services
from tasks.models import Task
from tests.seeds import seed_bytes, seed_path

pytestmark = pytest.mark.django_db


def test_the_default_language_is_simplified_chinese():
    assert translation.get_language() == "zh-hans"


def test_warnings_and_locators_are_in_chinese():
    outcome = services.plan_import(data=seed_bytes("001"), source_name=seed_path("001").name)
    assert (
        "第 292 行：牵头单位 市市场监管局(市知识产权局) 同时列为责任单位，已从责任单位中去除"
        in outcome.resolved.warnings
    )
    assert Task.objects.get(plan=outcome.plan, order=0).source_ref == "第 223 行"
    again = services.plan_preview(data=seed_bytes("001"), source_name=seed_path("001").name)
    assert any(w.startswith("该文件（sha256 ") and "已导入为方案" in w for w in again["warnings"])


def test_text_targets_warning_is_in_chinese():
    preview = services.plan_preview(data=seed_bytes("003"), source_name=seed_path("003").name)
    assert "有 6 项指标是从正文语句而非表格中读取的，请核对" in preview["warnings"]


def test_command_errors_are_in_chinese(tmp_path):
    empty = tmp_path / "空.txt"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="空.txt：文件为空"):
        call_command("import_plan", str(empty), stdout=io.StringIO(), stderr=io.StringIO())


def test_pages_are_chinese_whatever_the_browser_asks_for(client):
    page = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = page.content.decode()
    assert 'lang="zh-hans"' in html and "登录" in html and "Log in" not in html


def test_notes_without_a_lead_and_pdf_scans_are_told_in_chinese():
    from tasks.importers import PlanImportError, read_plan_file
    from tests.importers.pdfs import scanned_pdf

    preview = services.plan_preview(data=seed_bytes("003"), source_name=seed_path("003").name)
    assert "有 5 处责任单位标注未写明牵头单位：已按排在第一位的单位为牵头单位读取，请核对" in (
        preview["warnings"])
    with pytest.raises(PlanImportError, match=r"^扫描\.pdf：该 PDF 没有文字层"):
        read_plan_file(scanned_pdf(), "扫描.pdf")


def test_the_editable_preview_is_in_chinese(client, django_user_model):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from agencies.models import Agency, StaffProfile
    from workflow.services import staff_profile_save

    user = django_user_model.objects.create_user("clerk", password="x")
    staff_profile_save(user=user, agency=Agency.objects.create(name="区市场监管局"),
                       role=StaffProfile.Role.OFFICE_STAFF)
    client.force_login(user)
    page = client.post("/plans/import/", {"file": SimpleUploadedFile(
        seed_path("003").name, seed_bytes("003"))}).content.decode()
    for words in ("未导入", "应用修改", "设为选中条目的牵头单位", "未标注责任单位的保障措施",
                  "背景性内容", "确认导入"):
        assert words in page, words
