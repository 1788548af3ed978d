"""PDFs with a text layer, as offices publish plans: generated here with reportlab's CJK font,
they import with the same reading as their text; a scan, too many pages or broken bytes are
refused with a message saying what to upload."""
import io
from pathlib import Path

import openpyxl
import pdfplumber
import pytest

from tasks.importers import PlanImportError, read_plan_file
from tests.importers import pdfs

CORPUS = Path(__file__).resolve().parent / "corpus"

pytestmark = pytest.mark.usefixtures("english")


def summary(reading):
    return {
        "title": reading.meta.title, "doc_number": reading.meta.doc_number,
        "issuer": reading.meta.issuer, "issued_on": reading.meta.issued_on,
        "tasks": [(t.content, t.lead, t.supporting, t.groups, reading.section_path(t.section))
                  for t in reading.tasks],
        "not_imported": [(r.content, r.reason) for r in reading.not_imported],
        "indicators": [(i.name, i.target, i.unit) for i in reading.indicators],
    }


@pytest.mark.parametrize("name", [
    "gov_bonded_zones_opinions.txt", "gov_consumption_poverty_alleviation.txt",
    "gov_employment_promotion.txt", "gov_incentives_for_localities.txt",
    "gov_sports_competition_industry.txt",
])
def test_a_plan_as_pdf_reads_as_its_text(name):
    path = CORPUS / name
    data = pdfs.text_pdf(path.read_text(encoding="utf-8").splitlines())
    as_text = read_plan_file(path.read_bytes(), name)
    as_pdf = read_plan_file(data, name.replace(".txt", ".pdf"))
    assert summary(as_pdf) == summary(as_text)
    assert len(as_pdf.tasks) >= 15  # not two empty readings
    assert as_pdf.tasks[0].source.startswith("page ")


AGENCY = "市市场监管局(知识产权局)"  # wraps in its narrow column: 市市场监管局(知识 / 产权局)
HEADER = ["序号", "主要工作内容", "牵头单位", "责任单位", "完成时限"]


def task_rows() -> list[list[str]]:
    rows, number = [HEADER], 0
    for section, (title, count) in enumerate([("(一)健全工作机制", 9), ("(二)提高创造质量", 14),
                                              ("(三)加强保护", 9)]):
        rows.append([title, "", "", "", ""])
        for item in range(count):
            number += 1
            supporting = ("市财政局、各县(市、区)人民政府" if item % 3 == 0
                          else "市科技局、市工业和信息化局")
            content = (f"第{section + 1}组第{item + 1}项工作：完善知识产权工作机制，"
                       "制定年度推进计划，加强督促检查。")
            lead = AGENCY if item % 2 else "市农业农村局"
            rows.append([str(number), content, lead, supporting, "2025年底前"])
    return rows


def table_pdf(rows) -> bytes:
    heading_rows = [r for r, row in enumerate(rows) if row[1] == ""]
    spans = [((0, r), (-1, r)) for r in heading_rows]
    story = [pdfs.paragraph("某市知识产权强市建设工作方案", pdfs.TITLE),
             pdfs.paragraph("为加快建设知识产权强市，制定本方案。"),
             pdfs.paragraph("附件"), pdfs.paragraph("工作任务分解表"), pdfs.spacer(),
             pdfs.table(rows, [30, 200, 70, 100, 50], spans)]
    return pdfs.build(story)


def table_xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    for r, row in enumerate(rows, start=1):
        book.active.append(row)
        if r > 1 and row[1] == "":
            book.active.merge_cells(start_row=r, start_column=1, end_row=r, end_column=5)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_task_table_over_pages_reads_as_the_same_table_in_xlsx():
    rows = task_rows()
    data = table_pdf(rows)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) >= 2  # the table runs over a page break, its header repeated
    as_pdf = read_plan_file(data, "分解表.pdf")
    as_xlsx = read_plan_file(table_xlsx(rows), "分解表.xlsx")
    assert len(as_pdf.tasks) == 32
    pdf_tasks = [(t.content, t.lead, t.supporting, t.groups, t.deadline_on,
                  as_pdf.section_path(t.section)) for t in as_pdf.tasks]
    xlsx_tasks = [(t.content, t.lead, t.supporting, t.groups, t.deadline_on,
                   as_xlsx.section_path(t.section)) for t in as_xlsx.tasks]
    assert pdf_tasks == xlsx_tasks
    assert [s.title for s in as_pdf.sections] == ["健全工作机制", "提高创造质量", "加强保护"]
    assert as_pdf.tasks[1].lead == [AGENCY]  # the wrapped cell joined without a space
    assert as_pdf.meta.title == "某市知识产权强市建设工作方案"


def test_a_scan_without_text_is_refused_with_what_to_upload():
    with pytest.raises(PlanImportError) as error:
        read_plan_file(pdfs.scanned_pdf(), "扫描件.pdf")
    assert "扫描件.pdf" in str(error.value) and "no text layer" in str(error.value)
    assert ".docx" in str(error.value)


def test_too_many_pages_are_refused_before_reading(settings):
    settings.PLAN_PDF_MAX_PAGES = 2
    with pytest.raises(PlanImportError, match=r"^长\.pdf: 3 pages; .* 2 pages"):
        read_plan_file(pdfs.scanned_pdf(pages=3), "长.pdf")


@pytest.mark.parametrize("data", [b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\nbroken", b"%PDF-"])
def test_broken_pdf_bytes_name_the_file(data):
    with pytest.raises(PlanImportError, match=r"^坏\.pdf: not a readable PDF file"):
        read_plan_file(data, "坏.pdf")


@pytest.mark.parametrize(("name", "data"), [
    ("旧.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100),
    ("旧.wps", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100),
    ("改名.txt", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100),
])
def test_old_word_and_wps_files_say_what_to_upload(name, data):
    with pytest.raises(PlanImportError) as error:
        read_plan_file(data, name)
    assert name in str(error.value) and ".docx" in str(error.value)
