"""Indicator tables however they arrive: a 专栏 flattened one cell a line, without unit or
baseline columns, targets written 下降15%, <1, ≥85, >1%; the same table in .xlsx, .docx, .html
and text reads the same."""
import io
from decimal import Decimal

import docx
import openpyxl
import pytest

from tasks.importers import read_plan_file

pytestmark = pytest.mark.usefixtures("english")

# A 专栏 as gov.cn pages render it to text: one cell a line, blank lines between; no 序号, no
# unit column (units in the names), a year for the baseline and one for the target.
ONE_CELL_A_LINE = """二、主要目标

专栏1 “十四五”时期主要指标

指标

2020年

2025年

属性

城镇新增就业（万人）

1186

>1100

预期性

城镇调查失业率（%）

5.2

<5.5

预期性

单位国内生产总值能源消耗降低（%）

—

下降13.5%

约束性

劳动年龄人口平均受教育年限（年）

10.8

≥11.3

约束性

研发经费投入增长（%）

6.5

>7%

预期性

三、重点任务
（一）稳定就业。扩大就业容量。（市人力社保局负责）
"""


def rows(reading):
    return [(i.name, i.unit, i.baseline, i.baseline_label, i.target, i.comparator,
             i.attribute) for i in reading.indicators]


EXPECTED = [
    ("城镇新增就业", "万人", Decimal("1186"), "2020年", Decimal("1100"), "gt", "expected"),
    ("城镇调查失业率", "%", Decimal("5.2"), "2020年", Decimal("5.5"), "lt", "expected"),
    ("单位国内生产总值能源消耗降低", "%", None, "2020年", Decimal("13.5"), "decrease_pct",
     "binding"),
    ("劳动年龄人口平均受教育年限", "年", Decimal("10.8"), "2020年", Decimal("11.3"), "ge",
     "binding"),
    ("研发经费投入增长", "%", Decimal("6.5"), "2020年", Decimal("7"), "gt", "expected"),
]


def test_a_zhuanlan_flattened_one_cell_a_line():
    reading = read_plan_file(ONE_CELL_A_LINE.encode(), "专栏.txt")
    assert rows(reading) == EXPECTED
    assert not any("from sentences" in w for w in reading.warnings)  # a table, not prose
    assert [t.content for t in reading.tasks] == ["稳定就业。扩大就业容量。"]


TABLE = [
    ["序号", "指标", "单位", "2020年", "2025年", "属性"],
    ["1", "城镇新增就业", "万人", "1186", ">1100", "预期性"],
    ["2", "城镇调查失业率", "%", "5.2", "<5.5", "预期性"],
    ["3", "单位国内生产总值能源消耗降低", "%", "—", "下降13.5%", "约束性"],
]


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    for row in TABLE:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _docx() -> bytes:
    document = docx.Document()
    table = document.add_table(rows=len(TABLE), cols=len(TABLE[0]))
    for r, row in enumerate(TABLE):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _html() -> bytes:
    cells = "".join("<tr>" + "".join(f"<td>{t}</td>" for t in row) + "</tr>" for row in TABLE)
    return f"<html><body><table>{cells}</table></body></html>".encode()


def _bars() -> bytes:
    return "\n".join(" | ".join(row) + " |" for row in TABLE).encode()


def _lines() -> bytes:
    return "\n\n".join(cell for row in TABLE for cell in row).encode()


@pytest.mark.parametrize(("name", "make"), [
    ("t.xlsx", _xlsx), ("t.docx", _docx), ("t.html", _html), ("bars.txt", _bars),
    ("lines.txt", _lines),
])
def test_one_table_reads_the_same_in_every_format(name, make):
    reading = read_plan_file(make(), name)
    assert [(i.seq, i.name, i.unit, i.baseline, i.target, i.comparator, i.attribute)
            for i in reading.indicators] == [
        (1, "城镇新增就业", "万人", Decimal("1186"), Decimal("1100"), "gt", "expected"),
        (2, "城镇调查失业率", "%", Decimal("5.2"), Decimal("5.5"), "lt", "expected"),
        (3, "单位国内生产总值能源消耗降低", "%", None, Decimal("13.5"), "decrease_pct",
         "binding"),
    ]


def test_targets_in_running_text_stay_suggestions_with_a_warning():
    text = "一、发展目标\n到2025年，全市专利拥有量达到5000件以上，研发投入增长10%。\n"
    reading = read_plan_file(text.encode(), "目标.txt")
    assert [(i.name, i.target) for i in reading.indicators][:1] == [("专利拥有量", 5000)]
    assert any("from sentences" in w for w in reading.warnings)


def test_a_zhuanlan_with_category_rows_and_a_column_the_importer_does_not_use():
    cells = ["指标", "2020年", "2025年", "年均/累计", "属性",
             "经济发展",
             "地区生产总值增长（%）", "2.3", "6左右", "年均", "预期性",
             "全员劳动生产率增长（%）", "2.5", ">6", "年均", "预期性",
             "民生福祉",
             "城镇新增就业（万人）", "[62]", "[60]", "累计", "预期性"]
    reading = read_plan_file("\n\n".join(cells).encode(), "分类.txt")
    assert [(i.category, i.name, i.unit, i.target, i.attribute) for i in reading.indicators] == [
        ("经济发展", "地区生产总值增长", "%", Decimal("6"), "expected"),
        ("经济发展", "全员劳动生产率增长", "%", Decimal("6"), "expected"),
        ("民生福祉", "城镇新增就业", "万人", Decimal("60"), "expected"),
    ]
