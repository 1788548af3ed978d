"""Reading plans from real .xlsx, .docx and .html tables: merged cells, sections, agencies, targets.

Pure reading tests: the files are built here, nothing touches the database.
"""
import io
import zipfile
from datetime import date
from decimal import Decimal

import docx
import openpyxl
import pytest
from django.utils import translation

from tasks.importers.document import TableBlock
from tasks.importers.reading import PlanImportError
from tasks.importers.tabular import docx_document, html_document, read_docx, read_html, read_xlsx

LEAD_IP = "市市场监管局(市知识产权局)"
COUNTIES = "各县(市、区)人民政府"
MEMBERS = "遵义市知识产权强市建设工作领导小组相关成员单位"

pytestmark = pytest.mark.usefixtures("english")


def layout(document):
    """The document as the grammars see it: ('table', where) or ('text', line) in order."""
    return [("table", b.where) if isinstance(b, TableBlock) else ("text", b.full_text)
            for b in document.blocks]


def sections(reading):
    return [(s.number, s.title, s.parent) for s in reading.sections]


def tasks(reading):
    return [
        {"content": t.content, "section": t.section, "lead": t.lead,
         "supporting": t.supporting, "groups": t.groups,
         "needs_assignment": t.needs_assignment}
        for t in reading.tasks
    ]


# ---- .xlsx -----------------------------------------------------------------------------------

def add_task_sheet(book):
    sheet = book.active
    sheet.title = "任务分解"
    rows = [
        ["附件3 工作任务分解表"],
        ["序 号", "重点任务", "主要工作内容", "牵头单位", "责任单位", "完成时限"],
        ["(一)健全工作机制"],
        [1, "1.促进高价值发明专利增长", "引导企业获取核心关键技术。", "市市场监管局(知识产权局)",
         f"市工业和能源局、市科技与大数据局,{COUNTIES}", "2025年底前"],
        [2, None, "推动企业开展知识产权深度合作。", "市市场监管局(知识产权局)",
         "市市场监管局(知识产权局)、市财政局", "持续推进"],
        [3, "2.引导企业知识产权品牌打造", "完善地理标志产业规划。", None, "市农业农村局",
         "2023年6月"],
        ["(二)提高知识产权保护水平"],
        [4, "加强执法", "依法严惩侵害知识产权犯罪行为。", "市中级人民法院\n市检察院", MEMBERS],
        [5, None, "加强仲裁机构建设。", f"市司法局、{COUNTIES}"],
    ]
    for row in rows:
        sheet.append(row)
    for span in ("A1:F1", "A3:F3", "B4:B5", "A7:F7", "B8:B9"):
        sheet.merge_cells(span)


def add_indicator_sheet(book):
    sheet = book.create_sheet("主要目标")
    rows = [
        ["类别", "序号", "指标名称", "牵头单位", "单位", "基期值", "目标数"],
        [None, None, None, None, None, "2020年", None],
        ["知识产权创造", 1, "每万人口高价值发明专利拥有量", LEAD_IP, "件", 3.2, "20 (累计数)"],
        [None, 2, "商标有效注册量", f"{LEAD_IP}、市农业农村局", "万件", 12, 15.6],
        ["知识产权运用", 3, "申报专利奖项数", LEAD_IP, "个", None, "42 (期间数)"],
        [None, 4, "申报高价值核心专利项目数", LEAD_IP, "个", None, None],
        [None, 5, "知识产权案件查办率", LEAD_IP, "%", None, "≥95"],
        [None, 6, "研发投入强度", "市科技局", "%", 0.021, 0.025],
    ]
    for row in rows:
        sheet.append(row)
    for span in ("A1:A2", "B1:B2", "C1:C2", "D1:D2", "E1:E2", "G1:G2", "A3:A4", "A5:A8",
                 "G5:G6"):
        sheet.merge_cells(span)
    sheet["F8"].number_format = sheet["G8"].number_format = "0.0%"


def xlsx_bytes(*builders) -> bytes:
    book = openpyxl.Workbook()
    for build in builders:
        build(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def xlsx_plan():
    with translation.override("en"):  # module scope: the english fixture is per test
        return read_xlsx(xlsx_bytes(add_task_sheet, add_indicator_sheet), "方案.xlsx")


def test_xlsx_merged_rows_and_category_column_become_sections(xlsx_plan):
    assert sections(xlsx_plan) == [
        ("(一)", "健全工作机制", None),
        ("1.", "促进高价值发明专利增长", 0),
        ("2.", "引导企业知识产权品牌打造", 0),
        ("(二)", "提高知识产权保护水平", None),
        ("", "加强执法", 3),
    ]


def test_xlsx_task_rows_with_their_agencies(xlsx_plan):
    assert tasks(xlsx_plan) == [
        {"content": "引导企业获取核心关键技术。", "section": 1,
         "lead": ["市市场监管局(知识产权局)"], "supporting": ["市工业和能源局", "市科技与大数据局"],
         "groups": [COUNTIES], "needs_assignment": False},
        {"content": "推动企业开展知识产权深度合作。", "section": 1,
         "lead": ["市市场监管局(知识产权局)"], "supporting": ["市财政局"], "groups": [],
         "needs_assignment": False},
        {"content": "完善地理标志产业规划。", "section": 2, "lead": [],
         "supporting": ["市农业农村局"], "groups": [], "needs_assignment": True},
        {"content": "依法严惩侵害知识产权犯罪行为。", "section": 4,
         "lead": ["市中级人民法院", "市检察院"], "supporting": [], "groups": [MEMBERS],
         "needs_assignment": False},
        {"content": "加强仲裁机构建设。", "section": 4, "lead": ["市司法局"], "supporting": [],
         "groups": [COUNTIES], "needs_assignment": False},
    ]


def test_xlsx_deadlines_and_sources(xlsx_plan):
    assert [(t.deadline_on, t.deadline_text, t.source) for t in xlsx_plan.tasks] == [
        (date(2025, 12, 31), "2025年底前", "sheet 任务分解 row 4"),
        (None, "持续推进", "sheet 任务分解 row 5"),
        (date(2023, 6, 30), "2023年6月", "sheet 任务分解 row 6"),
        (None, "", "sheet 任务分解 row 8"),
        (None, "", "sheet 任务分解 row 9"),
    ]


def test_xlsx_lead_repeated_as_supporting_is_dropped_with_a_warning(xlsx_plan):
    repeated = [w for w in xlsx_plan.warnings if "市市场监管局(知识产权局)" in w]
    assert len(repeated) == 1
    assert repeated[0].startswith("sheet 任务分解 row 5:")


def test_xlsx_indicators_share_a_merged_target_and_a_merged_category(xlsx_plan):
    rows = [(i.seq, i.name, i.category, i.unit, i.target, i.target_kind, i.comparator,
             i.target_from) for i in xlsx_plan.indicators]
    assert rows == [
        (1, "每万人口高价值发明专利拥有量", "知识产权创造", "件", Decimal("20"), "cumulative", "",
         None),
        (2, "商标有效注册量", "知识产权创造", "万件", Decimal("15.6"), "", "", None),
        (3, "申报专利奖项数", "知识产权运用", "个", Decimal("42"), "period", "", None),
        (4, "申报高价值核心专利项目数", "知识产权运用", "个", None, "", "", 2),
        (5, "知识产权案件查办率", "知识产权运用", "%", Decimal("95"), "", "ge", None),
        (6, "研发投入强度", "知识产权运用", "%", Decimal("2.5"), "", "", None),
    ]
    assert xlsx_plan.indicators[3].target_text == ""


def test_xlsx_indicator_baselines_leads_and_sources(xlsx_plan):
    rows = [(i.baseline, i.baseline_label, i.lead, i.source) for i in xlsx_plan.indicators]
    assert rows[:2] == [
        (Decimal("3.2"), "2020年", [LEAD_IP], "sheet 主要目标 row 3"),
        (Decimal("12"), "2020年", [LEAD_IP, "市农业农村局"], "sheet 主要目标 row 4"),
    ]
    assert rows[5][0] == Decimal("2.1")  # 0.021 formatted as a percentage


def test_xlsx_heading_columns_under_one_content_header_and_a_content_cell_over_two_rows():
    def seed_layout(book):  # 附件3 as published: 主要工作内容 heads a heading column too
        sheet = book.active
        for row in [
            ["序号", "主要工作内容", None, "牵头单位", "责任单位"],
            ["(二)提高知识产权创造质量", "1.促进高价值发明专利增长",
             "推进企事业单位进行重点实验室、技术中心等建设。", LEAD_IP, "市教体局"],
            [None, None, "引导开展订单式研发和投放式创新。", LEAD_IP, "市科技与大数据局"],
            [None, None, None, "市农业农村局", None],
            [None, "2.引导企业知识产权品牌打造", "完善地理标志产业规划。", LEAD_IP, COUNTIES],
        ]:
            sheet.append(row)
        for span in ("B1:C1", "A2:A5", "B2:B4", "C3:C4"):
            sheet.merge_cells(span)

    reading = read_xlsx(xlsx_bytes(seed_layout), "附件3.xlsx")
    assert sections(reading) == [("(二)", "提高知识产权创造质量", None),
                                 ("1.", "促进高价值发明专利增长", 0),
                                 ("2.", "引导企业知识产权品牌打造", 0)]
    assert [(t.content, t.section, t.lead, t.supporting, t.groups) for t in reading.tasks] == [
        ("推进企事业单位进行重点实验室、技术中心等建设。", 1, [LEAD_IP], ["市教体局"], []),
        ("引导开展订单式研发和投放式创新。", 1, [LEAD_IP, "市农业农村局"], ["市科技与大数据局"],
         []),
        ("完善地理标志产业规划。", 2, [LEAD_IP], [], [COUNTIES]),
    ]


def test_xlsx_table_without_agency_columns_is_refused():
    def sheet_without_agencies(book):
        sheet = book.active
        sheet.title = "任务"
        sheet.append(["序号", "工作任务", "完成时限"])
        sheet.append([1, "建立工作机制。", "2024年底"])

    with pytest.raises(PlanImportError) as error:
        read_xlsx(xlsx_bytes(sheet_without_agencies), "无单位.xlsx")
    message = str(error.value)
    assert message.startswith("无单位.xlsx, sheet 任务 row 1:")
    assert "牵头单位" in message and "责任单位" in message and "序号 | 工作任务" in message


def test_xlsx_without_a_plan_table_is_refused():
    def contacts(book):
        book.active.append(["姓名", "电话"])
        book.active.append(["张三", "12345"])

    with pytest.raises(PlanImportError, match=r"^通讯录\.xlsx: no task decomposition table"):
        read_xlsx(xlsx_bytes(contacts), "通讯录.xlsx")


@pytest.mark.parametrize("data", [
    b"this is not a spreadsheet",
    xlsx_bytes(add_task_sheet)[:1500],  # truncated download
], ids=["garbage", "truncated"])
def test_xlsx_unreadable_bytes(data):
    with pytest.raises(PlanImportError, match=r"^坏\.xlsx: not a readable \.xlsx file \(\w+"):
        read_xlsx(data, "坏.xlsx")


def test_xlsx_zip_that_is_not_a_workbook():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(PlanImportError, match=r"^z\.xlsx: not a readable \.xlsx file"):
        read_xlsx(buffer.getvalue(), "z.xlsx")


# ---- .docx -----------------------------------------------------------------------------------

def fill(table, rows):
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            if text is not None:
                table.cell(r, c).text = text


def docx_plan_bytes() -> bytes:
    document = docx.Document()
    document.add_paragraph("关于印发《某市知识产权强市建设工作方案》的通知")
    document.add_paragraph("")
    document.add_paragraph(f"{COUNTIES}：")
    tasks_table = document.add_table(rows=6, cols=4)
    tasks_table.cell(1, 0).merge(tasks_table.cell(1, 3))
    tasks_table.cell(2, 2).merge(tasks_table.cell(3, 2))
    fill(tasks_table, [
        ["序号", "工作任务", "牵头单位", "配合单位"],
        ["一、完善体制机制"],
        ["1", "建立联席会议制度。", "市发展改革委", "市财政局、市发展改革委"],
        ["2", "制定年度推进计划。", None, COUNTIES],
        ["(一)", "加强宣传", None, None],
        ["3", "开展宣传周活动。", "市委宣传部", None],
    ])
    document.add_paragraph("附件2")
    targets = document.add_table(rows=4, cols=6)
    targets.cell(2, 4).merge(targets.cell(3, 4))
    fill(targets, [
        ["序号", "指标", "单位", "2020年", "2025年", "属性"],
        ["1", "地区生产总值年均增长", "%", "7.5", "6 (年均)", "预期性"],
        ["2", "研发投入", "亿元", "10", "30", "约束性"],
        ["3", "技术合同成交额", "亿元", "5", None, "预期性"],
    ])
    contacts = document.add_table(rows=2, cols=2)
    fill(contacts, [["联系人", "电话"], ["张三", "12345"]])
    document.add_paragraph("联系人：张三")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def docx_plan():
    return read_docx(docx_plan_bytes(), "方案.docx")


def test_docx_merged_heading_row_and_numbered_heading_row(docx_plan):
    assert sections(docx_plan) == [("一", "完善体制机制", None), ("(一)", "加强宣传", 0)]


def test_docx_tasks_share_a_vertically_merged_lead(docx_plan):
    assert tasks(docx_plan) == [
        {"content": "建立联席会议制度。", "section": 0, "lead": ["市发展改革委"],
         "supporting": ["市财政局"], "groups": [], "needs_assignment": False},
        {"content": "制定年度推进计划。", "section": 0, "lead": ["市发展改革委"],
         "supporting": [], "groups": [COUNTIES], "needs_assignment": False},
        {"content": "开展宣传周活动。", "section": 1, "lead": ["市委宣传部"], "supporting": [],
         "groups": [], "needs_assignment": False},
    ]
    assert [t.source for t in docx_plan.tasks] == ["table 1 row 3", "table 1 row 4",
                                                   "table 1 row 6"]
    assert any(w.startswith("table 1 row 3: 市发展改革委") for w in docx_plan.warnings)


def test_docx_indicator_table_with_year_columns_and_merged_target(docx_plan):
    rows = [(i.name, i.unit, i.baseline, i.baseline_label, i.target, i.target_kind,
             i.attribute, i.target_from) for i in docx_plan.indicators]
    assert rows == [
        ("地区生产总值年均增长", "%", Decimal("7.5"), "2020年", Decimal("6"), "period",
         "expected", None),
        ("研发投入", "亿元", Decimal("10"), "2020年", Decimal("30"), "", "binding", None),
        ("技术合同成交额", "亿元", Decimal("5"), "2020年", None, "", "expected", 1),
    ]


def test_docx_paragraphs_tables_and_unread_tables_keep_their_order(docx_plan):
    document = docx_document(docx_plan_bytes(), "方案.docx")
    assert layout(document) == [
        ("text", "关于印发《某市知识产权强市建设工作方案》的通知"), ("text", f"{COUNTIES}："),
        ("table", "table 1"), ("text", "附件2"), ("table", "table 2"),
        ("text", "联系人"), ("text", "电话"), ("text", "张三"), ("text", "12345"),
        ("text", "联系人：张三"),
    ]
    assert document.lines == ["关于印发《某市知识产权强市建设工作方案》的通知", "",
                              f"{COUNTIES}：", "附件2", "联系人", "电话", "张三", "12345",
                              "联系人：张三"]
    assert any(w.startswith("table 3: skipped") for w in docx_plan.warnings)
    assert docx_plan.meta.title == "某市知识产权强市建设工作方案"


def test_docx_paragraphs_give_tasks_when_no_table_does():
    document = docx.Document()
    document.add_paragraph("一、主要任务")
    document.add_paragraph("（一）建立工作机制。成立工作专班。（牵头单位：市财政局；配合单位：市商务局）")
    fill(document.add_table(rows=2, cols=4), [
        ["序号", "指标名称", "单位", "目标值"], ["1", "专利拥有量", "件", "10"]])
    buffer = io.BytesIO()
    document.save(buffer)
    reading = read_docx(buffer.getvalue(), "指标.docx")
    assert [(t.content, t.lead, t.supporting) for t in reading.tasks] == [
        ("建立工作机制。成立工作专班。", ["市财政局"], ["市商务局"])]
    assert [i.name for i in reading.indicators] == ["专利拥有量"]


def test_docx_task_table_without_agency_columns_is_refused():
    document = docx.Document()
    fill(document.add_table(rows=2, cols=3), [["序号", "主要任务", "完成时间"],
                                              ["1", "建立工作机制。", "2024年"]])
    buffer = io.BytesIO()
    document.save(buffer)
    with pytest.raises(PlanImportError, match=r"^d\.docx, table 1 row 1: .*牵头单位.*责任单位"):
        read_docx(buffer.getvalue(), "d.docx")


def test_docx_without_any_plan_table_or_task_paragraph_is_refused():
    document = docx.Document()
    document.add_paragraph("会议通知")
    buffer = io.BytesIO()
    document.save(buffer)
    with pytest.raises(PlanImportError, match=r"^n\.docx: no task decomposition table"):
        read_docx(buffer.getvalue(), "n.docx")


@pytest.mark.parametrize("data", [
    b"PK\x03\x04 broken",
    docx_plan_bytes()[:2000],
    xlsx_bytes(add_task_sheet),  # a workbook renamed .docx
], ids=["garbage", "truncated", "xlsx"])
def test_docx_unreadable_bytes(data):
    with pytest.raises(PlanImportError, match=r"^坏\.docx: not a readable \.docx file \(\w+"):
        read_docx(data, "坏.docx")


# ---- .html -----------------------------------------------------------------------------------

HTML_PLAN = """<html><head>
<meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>页面标题</title><style>p { color: red }</style></head>
<body><div class="nav">首页 &gt; 政策文件</div>
<p>某市推进知识产权强市建设工作方案</p>
<p>第一段<br>第二段 <span>续</span></p>
<table border="1">
<tr><th colspan="2">序号</th><th>具体任务</th><th>牵头单位</th><th>责任单位</th></tr>
<tr><td colspan="5">(一)提高创造质量</td></tr>
<tr><td>1</td><td rowspan="2">促进专利增长</td><td>培育高价值
专利。</td><td rowspan="2">市市场监管局</td><td>市科技局</td></tr>
<tr><td>2</td><td>开展专利导航。</td><td>市工业和信息化局<br>市市场监管局</td></tr>
<tr><td>3</td><td>加强品牌建设</td><td>打造区域品牌。</td><td>市农业农村局</td><td></td></tr>
</table>
<table><tr><td>序号</td><td>指标名称</td><td>单位</td><td>目标值</td></tr>
<tr><td>1</td><td>专利代理师人数</td><td>人</td><td rowspan="2">35(累计数)</td></tr>
<tr><td>2</td><td>知识产权师人数</td><td>人</td></tr></table>
<script>var x = "脚本";</script><!-- 注释 -->
</body></html>"""


@pytest.fixture
def html_plan():
    return read_html(HTML_PLAN.encode("gb2312"), "方案.html")


def test_html_colspan_heading_and_rowspan_category(html_plan):
    assert sections(html_plan) == [
        ("(一)", "提高创造质量", None), ("", "促进专利增长", 0), ("", "加强品牌建设", 0)]


def test_html_rowspan_lead_and_line_broken_agencies(html_plan):
    assert tasks(html_plan) == [
        {"content": "培育高价值专利。", "section": 1, "lead": ["市市场监管局"],
         "supporting": ["市科技局"], "groups": [], "needs_assignment": False},
        {"content": "开展专利导航。", "section": 1, "lead": ["市市场监管局"],
         "supporting": ["市工业和信息化局"], "groups": [], "needs_assignment": False},
        {"content": "打造区域品牌。", "section": 2, "lead": ["市农业农村局"], "supporting": [],
         "groups": [], "needs_assignment": False},
    ]
    assert html_plan.tasks[0].source == "table 1 row 3"


def test_html_rowspan_target(html_plan):
    rows = [(i.name, i.target, i.target_kind, i.target_from, i.source)
            for i in html_plan.indicators]
    assert rows == [
        ("专利代理师人数", Decimal("35"), "cumulative", None, "table 2 row 2"),
        ("知识产权师人数", None, "", 0, "table 2 row 3"),
    ]


def test_html_text_and_tables_keep_their_order(html_plan):
    document = html_document(HTML_PLAN.encode("gb2312"), "方案.html")
    assert document.lines == ["首页 > 政策文件", "某市推进知识产权强市建设工作方案", "第一段",
                              "第二段续"]
    assert [kind for kind, _ in layout(document)] == ["text"] * 4 + ["table"] * 2
    assert html_plan.meta.title == "某市推进知识产权强市建设工作方案"


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_html_without_charset_is_read_as_utf8_or_gb18030(encoding):
    page = HTML_PLAN.replace('<meta http-equiv="Content-Type" content="text/html; '
                             'charset=gb2312">', "")
    reading = read_html(page.encode(encoding), "方案.html")
    assert [t.content for t in reading.tasks] == ["培育高价值专利。", "开展专利导航。",
                                                  "打造区域品牌。"]


def test_html_meta_charset_is_honoured():
    page = ("<meta charset='hz-gb-2312'><table><tr><td>工作任务</td><td>牵头单位</td></tr>"
            "<tr><td>推进工作。</td><td>市财政局</td></tr></table>")
    # HZ is 7-bit, so its bytes are valid UTF-8 too: only the declared charset reads the words.
    reading = read_html(page.encode("hz"), "p.html")
    assert [(t.content, t.lead) for t in reading.tasks] == [("推进工作。", ["市财政局"])]


def test_html_page_without_tables_is_refused():
    with pytest.raises(PlanImportError, match=r"^空\.html: no task decomposition table"):
        read_html("<p>通知</p>".encode(), "空.html")


def test_xlsx_task_table_with_a_column_of_leaders_and_measures_named_举措():
    book = openpyxl.Workbook()
    for row in (["序号", "具体举措", "牵头市领导", "牵头单位", "配合单位", "时间进度"],
                [1, "建设产业园区。", "张三", "市发展改革委", "市财政局", "2025年底前"]):
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    reading = read_xlsx(buffer.getvalue(), "举措.xlsx")
    assert [(t.content, t.lead, t.supporting, str(t.deadline_on)) for t in reading.tasks] == [
        ("建设产业园区。", ["市发展改革委"], ["市财政局"], "2025-12-31")]
