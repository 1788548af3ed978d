"""Hostile plan files (issue 10) are refused quickly, in little memory, naming the limit hit,
with nothing written.

Each file is made here, as the attacker made it: an .html table with rowspan="0"
colspan="1000", an .xlsx with a huge dimension, many cells, a far cell, a giant merged range or
a giant shared string, a .docx with a giant text node or a giant gridSpan, zip bombs, very long
text. Each goes through plan_import (the service the upload page, the command and the demo
loader call); the time is measured without tracemalloc, the memory with it. Messages are read
in Chinese, as users see them.
"""
from __future__ import annotations

import io
import time
import tracemalloc
import zipfile
from collections.abc import Iterable

import docx
import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from agencies.models import Agency, StaffProfile
from tasks.importers import PlanImportError, limits, read_plan_file
from tasks.models import Plan, Task
from tasks.services import plan_import

pytestmark = pytest.mark.django_db

# Each is refused in a few milliseconds to a few tenths of a second of CPU. The wall clock
# (perf_counter) gets a generous bound: other processes share the machine's two cores.
CPU_SECONDS = 1.0
WALL_SECONDS = 3.0
PEAK_BYTES = 64 * 1024 * 1024  # Python memory while refusing; the input is already in memory
MiB = 1024 * 1024
SHEET = "xl/worksheets/sheet1.xml"
SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns='
              '"http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
BODY_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w='
             '"http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')


@pytest.fixture(autouse=True)
def in_process(settings):
    """The checks are measured where they run: reading in a forked child (READ_ISOLATED, tested
    in test_import_sandbox.py) would hide its time and memory from this process."""
    settings.PLAN_READ_ISOLATED = False


def refused(data: bytes, name: str) -> str:
    """The message, after asserting the refusal's time, memory and that nothing was written."""
    start, cpu = time.perf_counter(), time.process_time()
    with pytest.raises(PlanImportError) as error:
        plan_import(data=data, source_name=name)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    tracemalloc.start()
    try:
        with pytest.raises(PlanImportError):
            read_plan_file(data, name)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert cpu < CPU_SECONDS, f"{name}: refused in {cpu:.2f} s of CPU"
    assert seconds < WALL_SECONDS, f"{name}: refused in {seconds:.2f} s"
    assert peak < PEAK_BYTES, f"{name}: {peak / MiB:.0f} MiB at the peak"
    assert (Plan.objects.count(), Task.objects.count()) == (0, 0)
    message = str(error.value)
    assert message.startswith(name) and "超过上限" in message and "文件未读取" in message
    return message


# ---- making the files ------------------------------------------------------------------------

def _saved(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["序号", "主要工作内容", "牵头单位", "责任单位"])
    book.active.append([1, "开展工作。", "市财政局", "市商务局"])
    return _saved(book)


def _docx() -> bytes:
    document = docx.Document()
    document.add_paragraph("一、主要任务")
    return _saved(document)


def with_part(base: bytes, name: str, chunks: Iterable[bytes]) -> bytes:
    """base with its part name replaced by (or added as) the chunks, streamed into the zip."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info, source.read(info))
        with target.open(name, "w", force_zip64=True) as part:
            for chunk in chunks:
                part.write(chunk)
    return out.getvalue()


def repeated(head: str, unit: str, times: int, tail: str, batch: int = 4096):
    yield head.encode()
    block = (unit * batch).encode()
    for _ in range(times // batch):
        yield block
    yield (unit * (times % batch)).encode()
    yield tail.encode()


def sheet(xml: str) -> bytes:
    return with_part(_xlsx(), SHEET, [f"{SHEET_HEAD}{xml}</worksheet>".encode()])


# ---- .html -------------------------------------------------------------------------------------

def test_an_html_table_of_rowspan_0_colspan_1000_is_refused():
    row = '<tr><td rowspan="0" colspan="1000">x</td></tr>'
    data = f"<html><body><table>{row * 200}</table></body></html>".encode()
    assert len(data) < 10_000  # the 9 KB file that grew to 2.9 GB in a worker

    message = refused(data, "spans.html")

    assert "单个表格的面积" in message and "100,000" in message


def test_an_html_page_of_too_many_tags_is_refused_before_it_is_parsed():
    data = b"<html><body>" + b"<b></b>" * 150_000 + b"</body></html>"

    message = refused(data, "tags.html")

    assert "HTML 标签数" in message and "100,000" in message


# ---- .xlsx -------------------------------------------------------------------------------------

def test_an_xlsx_declaring_a_huge_dimension_is_refused():
    data = sheet('<dimension ref="A1:XFD1048576"/><sheetData><row r="1"><c r="A1" t="inlineStr">'
                 '<is><t>x</t></is></c></row></sheetData>')

    message = refused(data, "dimension.xlsx")

    assert "声明的单元格数" in message and "17,179,869,184" in message


def test_an_xlsx_with_too_many_cells_is_refused():
    cell = '<c t="inlineStr"><is><t>x</t></is></c>'
    rows = repeated("<sheetData>", f"<row>{cell * 4}</row>", 60_000, "</sheetData>")
    data = with_part(_xlsx(), SHEET, [SHEET_HEAD.encode(), *rows, b"</worksheet>"])
    assert len(data) < 2 * MiB

    message = refused(data, "cells.xlsx")

    assert SHEET in message and "100,000" in message


def test_an_xlsx_of_100_mb_of_cells_is_refused_unopened():
    cells = repeated("<sheetData><row>", '<c r="A1"><v>1</v></c>', 5_000_000, "</row></sheetData>")
    data = with_part(_xlsx(), SHEET, [SHEET_HEAD.encode(), *cells, b"</worksheet>"])
    assert len(data) < MiB

    message = refused(data, "100mb.xlsx")

    assert "解压后的大小" in message and "30.0\xa0MB" in message


def test_an_xlsx_with_one_far_cell_is_refused():
    data = sheet('<sheetData><row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')

    message = refused(data, "far.xlsx")

    assert "单元格所占矩形" in message


def test_an_xlsx_merging_the_whole_sheet_is_refused():
    data = sheet('<sheetData/><mergeCells count="1"><mergeCell ref="A1:XFD1048576"/></mergeCells>')

    message = refused(data, "merged.xlsx")

    assert "合并单元格覆盖的位置数" in message and "200,000" in message


def test_an_xlsx_with_a_giant_shared_string_is_refused_unopened():
    strings = repeated('<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                       '<si><t>', "a" * 1024, 256 * 1024, "</t></si></sst>")
    data = with_part(_xlsx(), "xl/sharedStrings.xml", strings)
    assert len(data) < 2 * MiB  # 256 MiB of one string

    message = refused(data, "string.xlsx")

    assert "解压后的大小" in message


def test_an_xlsx_with_a_long_shared_string_is_refused_by_the_cell_limit():
    data = with_part(_xlsx(), "xl/sharedStrings.xml", [
        b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>',
        "任务".encode() * 500_000, b"</t></si></sst>"])

    message = refused(data, "cell.xlsx")

    assert "单个单元格的字数" in message and "20,000" in message


def test_an_xlsx_declaring_entities_is_refused():
    data = sheet("")
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 '
              b'"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><sst>&lol2;</sst>')
    data = with_part(data, "xl/sharedStrings.xml", [laughs])

    with pytest.raises(PlanImportError, match=r"^lol\.xlsx：.*xl/sharedStrings\.xml.*DTD"):
        read_plan_file(data, "lol.xlsx")


# ---- .docx -------------------------------------------------------------------------------------

def test_a_docx_with_a_giant_text_node_is_refused_unopened():
    body = repeated(f"{BODY_HEAD}<w:p><w:r><w:t>", "任务" * 512, 96 * 1024,
                    "</w:t></w:r></w:p></w:body></w:document>")
    data = with_part(_docx(), "word/document.xml", body)
    assert len(data) < 2 * MiB

    message = refused(data, "node.docx")

    assert "解压后的大小" in message or "最大部件" in message


def test_a_docx_with_too_much_text_is_refused_before_python_docx_opens_it():
    body = [f"{BODY_HEAD}<w:p><w:r><w:t>".encode(), "任务".encode() * 600_000,
            b"</w:t></w:r></w:p></w:body></w:document>"]
    data = with_part(_docx(), "word/document.xml", body)

    message = refused(data, "text.docx")

    assert "文本字数" in message and "1,000,000" in message


def test_a_docx_table_of_a_giant_grid_span_is_refused():
    cell = '<w:tc><w:tcPr><w:gridSpan w:val="100000"/></w:tcPr><w:p/></w:tc>'
    body = f"{BODY_HEAD}<w:tbl>{('<w:tr>' + cell + '</w:tr>') * 5}</w:tbl></w:body></w:document>"
    data = with_part(_docx(), "word/document.xml", [body.encode()])

    message = refused(data, "span.docx")

    assert "单个表格的面积" in message


# ---- zip bombs ---------------------------------------------------------------------------------

def test_a_zip_bomb_is_refused_by_its_central_directory():
    data = with_part(_docx(), "word/media/bomb.bin", repeated("", "\0" * 1024, 200 * 1024, ""))
    assert len(data) < MiB  # 200 MiB unpacked

    message = refused(data, "bomb.docx")

    assert "解压后的大小" in message or "最大部件" in message


def test_a_zip_of_too_many_parts_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_docx())) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        for number in range(2500):
            target.writestr(f"word/media/{number}.bin", b"")

    message = refused(out.getvalue(), "parts.docx")

    assert "部件数" in message and "2,000" in message


# ---- text and PDF ------------------------------------------------------------------------------

def test_a_very_long_text_file_is_refused():
    data = "一、主要任务\n".encode() + "推进农业机械化和农机装备产业转型升级".encode() * 120_000

    message = refused(data, "long.txt")

    assert "文本字数" in message and "1,000,000" in message


def test_a_text_file_of_too_many_lines_is_refused():
    message = refused("任务\n".encode() * 60_000, "lines.txt")

    assert "行数" in message and "50,000" in message


def test_a_pdf_of_too_much_text_stops_at_the_page_past_the_limit(monkeypatch):
    from tests.importers.pdfs import text_pdf

    monkeypatch.setattr(limits, "TEXT_MAX_CHARS", 500)
    data = text_pdf(["一、主要任务"] + ["1、推进农业机械化和农机装备产业转型升级。"] * 200)

    with pytest.raises(PlanImportError) as error:
        read_plan_file(data, "长.pdf")

    assert "文本字数" in str(error.value) and "500" in str(error.value)


# ---- the limits are settings too, and plans still read -----------------------------------------

def test_a_setting_changes_a_limit(settings):
    settings.PLAN_TEXT_MAX_LINES = 3
    message = refused("一、主要任务\n1、开展工作。\n2、加强执法。\n3、完善制度。\n".encode(),
                      "four.txt")
    assert "行数" in message and "为 5" in message


def test_the_upload_page_shows_the_limit_and_keeps_nothing(private_storage):
    from django.contrib.auth.models import User

    from workflow.services import staff_profile_save

    agency = Agency.objects.create(name="市发展改革委", kind="department")
    user = User.objects.create_user("clerk")
    staff_profile_save(user=user, agency=agency, role=StaffProfile.Role.OFFICE_STAFF)
    client = Client()
    client.force_login(user)
    row = '<tr><td rowspan="0" colspan="1000">x</td></tr>'
    data = f"<table>{row * 200}</table>".encode()

    response = client.post(reverse("plans:import"),
                           {"file": SimpleUploadedFile("spans.html", data)})

    error = " ".join(response.context["form"].errors["file"])
    assert "spans.html" in error and "单个表格的面积" in error and "100,000" in error
    assert Plan.objects.count() == 0
    assert not (private_storage / "uploads").exists()
