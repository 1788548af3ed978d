"""督查通报: the bulletin of a reporting period, as .xlsx and .docx.

bulletin_figures(period) reads the figures once (plain data); bulletin_xlsx / bulletin_docx lay
them out; bulletin_generate stores both files in private storage under
bulletins/<plan>/<period>/<timestamp>.<ext>. There is no model: the files are kept with the
period, listed from storage newest first (bulletin_files) and regenerated on demand.

What is due and what is overdue is decided by the obligations (workflow.obligations), so the
bulletin, the dashboard, the overdue page and the reminders agree. The document is Chinese
whatever the interface language: it is a document sent out, not a page.
"""
from __future__ import annotations

import io
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from agencies.models import Agency
from agencies.permissions import may_supervise
from lib.spreadsheets import save_workbook
from tasks.models import Plan
from workflow.models import IndicatorValue, ProgressReport, ReportingPeriod
from workflow.obligations import LATE, NOT_DUE, NOT_STARTED, ON_TIME, OVERDUE, ledger
from workflow.visibility import indicator_values_sent

from .coordination import coordination_docx, coordination_figures, coordination_xlsx

State = ProgressReport.State
EXTENSIONS = ("xlsx", "docx")
# <YYYYmmdd-HHMMSS-micro>.<ext>: the only names a download accepts.
FILE_NAME = re.compile(r"^(?P<stamp>\d{8}-\d{6}-\d{6})\.(?P<ext>xlsx|docx)$")

STATE_ZH = {
    None: "未填报",
    State.DRAFT: "草稿未报送",
    State.AWAITING_SIGNOFF: "待单位负责人签发",
    State.RETURNED: "退回待修改",
}
SUMMARY_ROWS = [  # (key, label) in the order of the 概况 sheet
    ("tasks", "任务总数（项）"),
    ("due", "应报送报告（份）"),
    ("on_time", "按时报送（份）"),
    ("late", "逾期报送（份）"),
    ("missing", "未报送（份）"),
    ("returned", "被退回（份）"),
    ("verified", "审核通过（份）"),
]
AGENCY_COLUMNS = ["单位", "应报送", "按时报送", "逾期报送", "未报送", "被退回", "审核通过"]
OVERDUE_COLUMNS = ["序号", "任务", "牵头单位", "报告状态", "逾期工作日", "督办等级"]
INDICATOR_COLUMNS = ["序号", "类别", "指标", "单位", "基期值", "目标值", "最新值",
                     "最新值所属期", "属性"]


# ---- the figures ------------------------------------------------------------------------------

def _number(value: Decimal | None):
    """A Decimal as an int when whole, else a float; None stays None."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


@dataclass
class AgencyRow:
    name: str
    due: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    returned: int = 0
    verified: int = 0

    def cells(self) -> list:
        return [self.name, self.due, self.on_time, self.late, self.missing, self.returned,
                self.verified]


def bulletin_figures(period: ReportingPeriod, *, on_date: date | None = None) -> dict:
    """Everything a bulletin shows, as plain data, as of `on_date` (today; for a closed period
    at the latest the day it closed), from the period's obligations (workflow.obligations).

    The summary counts each task once (one report due per task); the agency table counts each
    lead agency's obligation, so a co-led task appears under each of its leads, and its 合计 row
    is the sum of its rows."""
    on_date = on_date or timezone.localdate()
    if period.closed_at is not None:
        on_date = min(on_date, timezone.localdate(period.closed_at))
    plan = period.plan
    book = ledger(plan_ids=[plan.pk], on_date=on_date, period_ids=[period.pk], returns=True)
    items = book.items
    names = dict(Agency.objects.filter(pk__in={o.agency_id for o in book.leads()})
                 .values_list("pk", "name"))

    agencies: dict[int, AgencyRow] = {}
    for ob in book.leads():
        row = agencies.setdefault(ob.agency_id, AgencyRow(names.get(ob.agency_id, "")))
        row.due += 1
        row.on_time += ob.status == ON_TIME
        row.late += ob.status == LATE
        row.missing += ob.status in (OVERDUE, NOT_DUE)
        row.returned += ob.item.returns > 0
        row.verified += ob.item.verified
    rows = sorted(agencies.values(), key=lambda r: (-r.missing, -r.late, r.name))
    total = AgencyRow("合计")
    for row in rows:
        for name in ("due", "on_time", "late", "missing", "returned", "verified"):
            setattr(total, name, getattr(total, name) + getattr(row, name))

    summary = {
        "tasks": plan.tasks.count(),
        "due": len(items),
        "on_time": sum(i.status == ON_TIME for i in items),
        "late": sum(i.status == LATE for i in items),
        "missing": sum(i.status in (OVERDUE, NOT_DUE) for i in items),
        "returned": sum(i.returns > 0 for i in items),
        "verified": sum(i.verified for i in items),
    }
    summary["on_time_rate"] = (round(100 * summary["on_time"] / summary["due"], 1)
                               if summary["due"] else None)
    levels = dict(plan.tasks.values_list("pk", "escalation_level"))
    contents = dict(plan.tasks.values_list("pk", "content"))
    overdue = [{
        "task": contents[i.task_id], "task_id": i.task_id,
        "agencies": [names.get(a, "") for a in i.lead_ids],
        "state": STATE_ZH.get(None if i.report_state == NOT_STARTED else i.report_state, ""),
        "working_days": i.overdue_days, "level": levels.get(i.task_id, 0),
    } for i in items if i.status == OVERDUE]
    return {
        "plan": plan.title,
        "period": period.label,
        "due_on": period.due_on,
        "as_of": on_date,
        "before_due": on_date <= period.due_on,
        "summary": summary,
        "agencies": rows,
        "agency_total": total,
        "overdue": overdue,
        "indicators": _indicator_rows(plan, period),
        "coordination": coordination_figures(plan.pk, on_date),
    }


def _indicator_rows(plan: Plan, period: ReportingPeriod) -> list[dict]:
    """Each indicator of the plan with its latest value up to this period."""
    latest = {}
    values = (indicator_values_sent(IndicatorValue.objects)
              .filter(indicator__plan=plan, period__starts_on__lte=period.starts_on)
              .select_related("period").order_by("period__starts_on"))
    for value in values:
        latest[value.indicator_id] = value
    rows = []
    for indicator in plan.indicators.select_related("target").order_by("order"):
        value = latest.get(indicator.pk)
        target = indicator.target
        rows.append({
            "seq": indicator.seq,
            "category": indicator.category,
            "name": indicator.name,
            "unit": indicator.unit,
            "baseline": _number(indicator.baseline_value),
            "baseline_label": indicator.baseline_label,
            "target": (target.text or _text(_number(target.value))) if target else "",
            "value": _number(value.value) if value else None,
            "value_period": value.period.label if value else "",
            "attribute": {"binding": "约束性", "expected": "预期性"}.get(indicator.attribute, ""),
        })
    return rows


def _text(value) -> str:
    return "" if value is None else str(value)


def summary_text(figures: dict) -> str:
    """The summary paragraph, in Chinese."""
    s = figures["summary"]
    rate = "—" if s["on_time_rate"] is None else f"{s['on_time_rate']:g}%"
    return (
        f"截至{figures['as_of']:%Y年%m月%d日}，《{figures['plan']}》{figures['period']}"
        f"（报送截止日期{figures['due_on']:%Y年%m月%d日}）共有任务{s['tasks']}项，"
        f"应报送进展报告{s['due']}份，其中按时报送{s['on_time']}份，逾期报送{s['late']}份，"
        f"未报送{s['missing']}份，按时报送率{rate}；被退回修改{s['returned']}份，"
        f"审核通过{s['verified']}份。"
    )


# ---- the files --------------------------------------------------------------------------------

def bulletin_xlsx(period: ReportingPeriod, *, figures: dict | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    figures = figures or bulletin_figures(period)
    book = Workbook()
    sheet = book.active
    sheet.title = "概况"
    sheet.append(["督查通报"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["规划", figures["plan"]])
    sheet.append(["报送期", figures["period"]])
    sheet.append(["统计截至", figures["as_of"]])
    sheet.append([])
    for key, label in SUMMARY_ROWS:  # rows 6 to 12
        sheet.append([label, figures["summary"][key]])
    rate = figures["summary"]["on_time_rate"]
    sheet.append(["按时报送率（%）", rate])
    sheet.append([])
    sheet.append([summary_text(figures)])
    sheet["B4"].number_format = "yyyy-mm-dd"
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 40

    def table(title: str, columns: list[str], rows: list[list]):
        ws = book.create_sheet(title)
        ws.append(columns)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for cells in rows:
            ws.append(cells)
        ws.freeze_panes = "A2"
        return ws

    table("单位情况", AGENCY_COLUMNS,
          [r.cells() for r in figures["agencies"]] + [figures["agency_total"].cells()])
    ws = table("逾期清单", OVERDUE_COLUMNS, [
        [n, o["task"], "、".join(o["agencies"]), o["state"], o["working_days"], o["level"]]
        for n, o in enumerate(figures["overdue"], 1)])
    ws.column_dimensions["B"].width = 60
    ws = table("指标", INDICATOR_COLUMNS, [
        [i["seq"], i["category"], i["name"], i["unit"], i["baseline"], i["target"], i["value"],
         i["value_period"], i["attribute"]] for i in figures["indicators"]])
    ws.column_dimensions["C"].width = 40
    coordination_xlsx(book, figures.get("coordination", []))
    out = io.BytesIO()
    save_workbook(book, out)  # every cell as data, never a formula
    return out.getvalue()


def bulletin_docx(period: ReportingPeriod, *, figures: dict | None = None) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn

    figures = figures or bulletin_figures(period)
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = "宋体"
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")
    title = document.add_heading("督查通报", level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subtitle = document.add_paragraph(f"《{figures['plan']}》{figures['period']}")
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(summary_text(figures))

    def table(heading: str, columns: list[str], rows: list[list], empty: str):
        document.add_heading(heading, level=1)
        if not rows:
            document.add_paragraph(empty)
            return
        grid = document.add_table(rows=1, cols=len(columns))
        grid.style = "Table Grid"
        for cell, text in zip(grid.rows[0].cells, columns, strict=True):
            cell.text = text
        for cells in rows:
            for cell, value in zip(grid.add_row().cells, cells, strict=True):
                cell.text = _text(value)

    table("一、各单位报送情况", AGENCY_COLUMNS,
          [r.cells() for r in figures["agencies"]] + [figures["agency_total"].cells()]
          if figures["agencies"] else [], "本期无应报送的单位。")
    if figures["agencies"]:
        document.add_paragraph("注：共同牵头的任务计入每个牵头单位，故合计可多于应报送报告总数。")
    table("二、逾期未报清单", OVERDUE_COLUMNS, [
        [n, o["task"], "、".join(o["agencies"]), o["state"], o["working_days"], o["level"]]
        for n, o in enumerate(figures["overdue"], 1)], "本期无逾期未报的任务。")
    table("三、主要指标进展", INDICATOR_COLUMNS, [
        [i["seq"], i["category"], i["name"], i["unit"], i["baseline"], i["target"], i["value"],
         i["value_period"], i["attribute"]] for i in figures["indicators"]], "本规划未设指标。")
    coordination_docx(document, figures.get("coordination", []))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# ---- storage ----------------------------------------------------------------------------------

def bulletin_dir(period: ReportingPeriod) -> str:
    return f"bulletins/{period.plan_id}/{period.pk}"


def bulletin_generate(*, period: ReportingPeriod, by) -> list[str]:
    """Generate the period's bulletin (office only) and store it; the storage names of the
    .xlsx and the .docx. Earlier versions are kept."""
    if not may_supervise(period.plan, by):
        raise PermissionDenied
    figures = bulletin_figures(period)
    moment = timezone.localtime()
    while any(default_storage.exists(f"{bulletin_dir(period)}/{_stamp(moment)}.{ext}")
              for ext in EXTENSIONS):  # a second generation within the same microsecond
        moment += timedelta(microseconds=1)
    stamp = _stamp(moment)
    files = {"xlsx": bulletin_xlsx(period, figures=figures),
             "docx": bulletin_docx(period, figures=figures)}
    return [default_storage.save(f"{bulletin_dir(period)}/{stamp}.{ext}", ContentFile(data))
            for ext, data in files.items()]


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%d-%H%M%S-%f")


def bulletin_files(period: ReportingPeriod) -> list[str]:
    """The base names of the period's stored bulletin files, newest first."""
    try:
        _dirs, files = default_storage.listdir(bulletin_dir(period))
    except FileNotFoundError:
        return []
    return sorted((f for f in files if FILE_NAME.match(f)), reverse=True)


def bulletin_versions(period: ReportingPeriod) -> list[dict]:
    """The stored bulletins grouped by generation, newest first: {stamp, at, files{ext: name}}."""
    versions: dict[str, dict] = defaultdict(dict)
    for name in bulletin_files(period):
        match = FILE_NAME.match(name)
        versions[match["stamp"]][match["ext"]] = name
    rows = []
    for stamp in sorted(versions, reverse=True):
        at = datetime.strptime(stamp, "%Y%m%d-%H%M%S-%f")
        rows.append({"stamp": stamp, "at": at, "files": versions[stamp]})
    return rows


def bulletin_file(period: ReportingPeriod, name: str) -> str | None:
    """The storage name of one of the period's files, or None: only a base name that is
    listed for this period is accepted, never a path from the client."""
    if not FILE_NAME.match(name) or name not in bulletin_files(period):
        return None
    return f"{bulletin_dir(period)}/{name}"
