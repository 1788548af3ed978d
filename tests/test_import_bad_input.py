"""Bad input: a clear error naming the file and the line or cell, and nothing written."""
import io
import zipfile

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from agencies.models import Agency
from tasks.models import Plan, Task

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]


def import_file(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(CommandError) as error:
        call_command("import_plan", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert (Plan.objects.count(), Task.objects.count(), Agency.objects.count()) == (0, 0, 0)
    return str(error.value)


def xlsx_bytes():
    book = openpyxl.Workbook()
    book.active.append(["序号", "主要工作内容", "牵头单位", "责任单位"])
    book.active.append([1, "开展工作。", "市财政局", "市商务局"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_unreadable_pdf(tmp_path):
    message = import_file(tmp_path, "plan.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    assert "plan.pdf" in message and "PDF" in message


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(tmp_path, settings):
    settings.PLAN_UPLOAD_MAX_BYTES = 100
    message = import_file(tmp_path, "big.txt", "一、主要任务\n".encode() * 20)
    assert "big.txt" in message and "100" in message


def test_a_zip_that_unpacks_too_far_is_not_opened(tmp_path, monkeypatch):
    from tasks.importers import limits

    monkeypatch.setattr(limits, "ZIP_MAX_BYTES", 1000)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "0" * 5000)
    message = import_file(tmp_path, "bomb.docx", buffer.getvalue())
    assert "bomb.docx" in message and "unpacked" in message and "not read" in message


def test_an_unsupported_extension(tmp_path):
    message = import_file(tmp_path, "plan.rtf", "{\\rtf1 一、主要任务}".encode())
    assert "plan.rtf" in message and ".rtf" in message


def test_undecodable_bytes_name_the_line(tmp_path):
    data = "一、主要任务\n1、开展工作。\n".encode() + b"\x81\x20broken\n"
    message = import_file(tmp_path, "bad.txt", data)
    assert "bad.txt, line 3" in message


def test_gbk_text_is_decoded(tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("二、主要任务\n1、开展知识产权宣传。\n2、加强执法。\n".encode("gbk"))
    call_command("import_plan", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert list(Task.objects.values_list("content", flat=True)) == [
        "开展知识产权宣传。", "加强执法。"
    ]


def test_truncated_xlsx(tmp_path):
    data = xlsx_bytes()
    message = import_file(tmp_path, "cut.xlsx", data[: len(data) // 2])
    assert "cut.xlsx" in message and ".xlsx" in message


def test_corrupt_docx(tmp_path):
    message = import_file(tmp_path, "bad.docx", b"PK\x03\x04" + b"\x00garbage" * 50)
    assert "bad.docx" in message


def test_a_file_with_no_task_or_indicator_table(tmp_path):
    message = import_file(tmp_path, "notes.txt", "这是一段说明文字,没有任何任务。\n".encode())
    assert "notes.txt" in message


def test_a_task_table_without_agency_columns(tmp_path):
    data = "附件\n任务分解表\n序号 |\n主要工作内容 |\n完成时限 |\n1 |\n开展工作。 |\n2025年 |\n"
    message = import_file(tmp_path, "table.txt", data.encode())
    assert "table.txt, line 3" in message and "牵头单位" in message


def test_an_empty_file(tmp_path):
    assert "empty.txt" in import_file(tmp_path, "empty.txt", b"")
