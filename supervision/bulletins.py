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
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from agencies.permissions import may_supervise
from lib.gongwen import BODY_FONT, HEADING_FONT, TITLE_FONT, chinese_date, chinese_number
from lib.ranking import rank_label
from lib.spreadsheets import save_workbook
from tasks.models import Plan
from workflow.levels import level_names
from workflow.models import IndicatorValue, ProgressReport, ReportingPeriod
from workflow.obligations import (
    LATE,
    NOT_DUE,
    ON_TIME,
    OVERDUE,
    REPORT_STATE_LABELS,
    ledger,
)
from workflow.visibility import indicator_values_sent

from .assessment import assessment_ranking, period_facts, weights_for
from .coordination import COLUMNS as COORDINATION_COLUMNS
from .coordination import coordination_cells, coordination_figures
from .models import BulletinIssue

State = ProgressReport.State
EXTENSIONS = ("xlsx", "docx")
# <YYYYmmdd-HHMMSS-micro>.<ext>: the only names a download accepts.
FILE_NAME = re.compile(r"^(?P<stamp>\d{8}-\d{6}-\d{6})\.(?P<ext>xlsx|docx)$")

# The document's words are the interface's (zh-hans), so the bulletin says 迟报 where the
# dashboard says 迟报: (key, msgid) of the summary, the agency table, the overdue list.
SUMMARY_ROWS = [
    ("tasks", _("Tasks")),
    ("due", _("Reports due")),
    ("on_time", _("Submitted on time")),
    ("late", _("Submitted late")),
    ("missing", _("Missing")),
    ("returned", _("Returned")),
    ("verified", _("Verified")),
]
AGENCY_COLUMNS = [_("Agency"), _("Reports due"), _("Submitted on time"), _("Submitted late"),
                  _("Missing"), _("Returned"), _("Verified")]
OVERDUE_COLUMNS = ["序号", _("Task"), _("Lead agencies"), _("Report state"),
                   _("Working days overdue"), _("Escalation level")]
RANKING_COLUMNS = [_("Rank"), _("Agency"), _("Score")]
INDICATOR_COLUMNS = ["序号", "类别", "指标", "单位", "基期值", "目标值", "最新值",
                     "最新值所属期", "属性"]
DEFAULT_ISSUER = "督办办公室"  # a plan whose leading group and office are unknown


def _zh(words) -> list[str]:
    """The interface's words in the document's language (zh-hans), whatever the request's."""
    with translation.override("zh-hans"):
        return [str(w) for w in words]


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
    ladder = level_names([plan.pk])
    contents = dict(plan.tasks.values_list("pk", "content"))
    with translation.override("zh-hans"):
        overdue = [{
            "task": contents[i.task_id], "task_id": i.task_id,
            "agencies": [names.get(a, "") for a in i.lead_ids],
            "state": str(REPORT_STATE_LABELS.get(i.report_state, "")),
            "working_days": i.overdue_days, "level": ladder.name(plan.pk, levels.get(i.task_id)),
        } for i in items if i.status == OVERDUE]
    # 考核排名: the assessment's ranking of the period, ties shared (并列), as on its page.
    facts, _periods = period_facts([plan.pk], on_date)
    ranking = assessment_ranking(period, facts, weights_for(plan))
    return {
        "plan": plan.title,
        "period": period.label,
        "due_on": period.due_on,
        "as_of": on_date,
        "before_due": on_date <= period.due_on,
        "issuer": bulletin_issuer(plan),
        "summary": summary,
        "agencies": rows,
        "agency_total": total,
        "overdue": overdue,
        "ranking": [{"rank": r["rank"], "tied": r["tied"], "name": r["name"],
                     "score": r["score"].total, "out_of": r["score"].out_of} for r in ranking],
        "indicators": _indicator_rows(plan, period),
        "coordination": coordination_figures(plan.pk, on_date),
    }


def bulletin_issuer(plan: Plan) -> str:
    """发文机关: the plan's leading group's office (XX领导小组办公室), else the agency that
    hosts the office, else 督办办公室."""
    group = getattr(plan, "leading_group", None)
    if group is not None and group.name:
        return group.name if group.name.endswith("办公室") else f"{group.name}办公室"
    if group is not None and group.office_agency_id:
        return group.office_agency.name
    return DEFAULT_ISSUER


def bulletin_issue(period: ReportingPeriod, issuer: str, on_date: date) -> BulletinIssue:
    """The period's 期号: the one it has, else the issuer's next number in on_date's year."""
    for _attempt in range(5):
        issue = BulletinIssue.objects.filter(period=period).first()
        if issue is not None:
            return issue
        top = (BulletinIssue.objects.filter(issuer=issuer, year=on_date.year)
               .aggregate(top=Max("number"))["top"] or 0)
        try:
            with transaction.atomic():
                return BulletinIssue.objects.create(period=period, issuer=issuer,
                                                    year=on_date.year, number=top + 1)
        except IntegrityError:  # another generation took this number or this period: again
            continue
    raise IntegrityError("no bulletin number could be taken")


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
    """The summary paragraph, in Chinese, in the interface's words."""
    s = figures["summary"]
    rate = "—" if s["on_time_rate"] is None else f"{s['on_time_rate']:g}%"
    return (
        f"截至{_date(figures['as_of'])}，《{figures['plan']}》{figures['period']}"
        f"（报送截止日期{_date(figures['due_on'])}）共有任务{s['tasks']}项，"
        f"应报送进展报告{s['due']}份，其中按时报送{s['on_time']}份，迟报{s['late']}份，"
        f"未报送{s['missing']}份，按时报送率{rate}；退回修改{s['returned']}份，"
        f"已审核{s['verified']}份。"
    )


def before_due_warning(figures: dict) -> str:
    """Said on the page and in the files when the bulletin is made before the due date."""
    if not figures["before_due"]:
        return ""
    return (f"注意：本通报生成于{_date(figures['as_of'])}，早于本报送周期的报送截止日期"
            f"{_date(figures['due_on'])}，各单位仍可报送，数据尚不完整，仅供参考。")


def _date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


# ---- the sections -----------------------------------------------------------------------------

@dataclass
class Section:
    """One numbered part of the bulletin (一、各单位报送情况): a table, or what is said when it
    has no row, and notes under it. The .docx and the .xlsx lay out the same sections."""

    heading: str
    sheet: str  # the .xlsx sheet's name
    columns: list[str]
    rows: list[list]
    empty: str
    notes: list[str] = field(default_factory=list)


def _agencies_section(figures: dict) -> Section:
    rows = [r.cells() for r in figures["agencies"]]
    return Section(
        "各单位报送情况", "单位情况", _zh(AGENCY_COLUMNS),
        rows + [figures["agency_total"].cells()] if rows else [], "本期无应报送的单位。",
        ["注：共同牵头的任务计入每个牵头单位，故合计可多于应报送进展报告总数。"] if rows else [])


def _overdue_section(figures: dict) -> Section:
    return Section("逾期未报清单", "逾期清单", _zh(OVERDUE_COLUMNS), [
        [n, o["task"], "、".join(o["agencies"]), o["state"], o["working_days"], o["level"]]
        for n, o in enumerate(figures["overdue"], 1)], "本期无逾期未报的任务。")


def _ranking_section(figures: dict) -> Section:
    return Section("考核排名", "考核排名", _zh(RANKING_COLUMNS), [
        [rank_label(r["rank"], r["tied"]), r["name"], f"{r['score']} / {r['out_of']}"]
        for r in figures["ranking"]], "本期尚无可考核的单位。",
        ["注：得分相同的单位名次并列。"] if any(r["tied"] for r in figures["ranking"]) else [])


def _indicators_section(figures: dict) -> Section:
    return Section("主要指标进展", "指标", INDICATOR_COLUMNS, [
        [i["seq"], i["category"], i["name"], i["unit"], i["baseline"], i["target"], i["value"],
         i["value_period"], i["attribute"]] for i in figures["indicators"]], "本规划未设指标。")


def _coordination_section(figures: dict) -> Section:
    rows = figures.get("coordination", [])
    return Section("待协调事项", "协调事项", COORDINATION_COLUMNS, coordination_cells(rows),
                   "本期无待协调事项。",
                   [f"共有{len(rows)}项待协调事项，最早的已历{rows[0]['working_days']}个工作日。"]
                   if rows else [])


# The bulletin's parts in order, numbered 一、二、… as laid out: one more part is one more
# function here (figures → Section).
SECTIONS = [_agencies_section, _overdue_section, _ranking_section, _indicators_section,
            _coordination_section]


def bulletin_sections(figures: dict) -> list[Section]:
    with translation.override("zh-hans"):  # a document sent out, whatever the request's
        return [build(figures) for build in SECTIONS]


# ---- the files --------------------------------------------------------------------------------

def bulletin_xlsx(period: ReportingPeriod, *, figures: dict | None = None,
                  issue: BulletinIssue | None = None) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    figures = figures or bulletin_figures(period)
    issue = issue or bulletin_issue(period, figures["issuer"], figures["as_of"])
    book = Workbook()
    sheet = book.active
    sheet.title = "概况"
    sheet.append(["督查通报"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["规划", figures["plan"]])
    sheet.append([_zh([_("Reporting period")])[0], figures["period"]])
    sheet.append(["统计截至", figures["as_of"]])
    sheet.append(["期号", f"第{issue.number}期"])
    for key, label in zip([k for k, _label in SUMMARY_ROWS], _zh(w for _k, w in SUMMARY_ROWS),
                          strict=True):  # rows 6 to 12
        sheet.append([label, figures["summary"][key]])
    rate = figures["summary"]["on_time_rate"]
    sheet.append([_zh([_("On-time rate (%)")])[0], rate])
    sheet.append(["发文机关", figures["issuer"]])
    sheet.append([summary_text(figures)])
    if figures["before_due"]:
        sheet.append([before_due_warning(figures)])
        sheet.cell(sheet.max_row, 1).font = Font(bold=True, color="C00000")
    sheet["B4"].number_format = "yyyy-mm-dd"
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 40

    for section in bulletin_sections(figures):
        ws = book.create_sheet(section.sheet[:31])
        ws.append(section.columns)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for cells in section.rows:
            ws.append(cells)
        ws.freeze_panes = "A2"
        widest = max(range(len(section.columns)),
                     key=lambda i: max((len(str(r[i] or "")) for r in section.rows), default=0))
        ws.column_dimensions[chr(ord("A") + widest)].width = 60
    out = io.BytesIO()
    save_workbook(book, out)  # every cell as data, never a formula
    return out.getvalue()


def bulletin_docx(period: ReportingPeriod, *, figures: dict | None = None,
                  issue: BulletinIssue | None = None) -> bytes:
    """The bulletin as a 公文 (GB/T 9704-2012): A4 with the standard's margins; the title in
    小标宋 22 pt, the headings in 黑体 and the body in 仿宋_GB2312 16 pt (each with stand-ins);
    the 期号, the 发文机关 and the date above a red line; the 落款 with the 成文日期 in
    Chinese characters at the end; a warning first when made before the due date."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt, RGBColor

    figures = figures or bulletin_figures(period)
    issue = issue or bulletin_issue(period, figures["issuer"], figures["as_of"])
    document = Document()
    for section in document.sections:  # A4, the standard's margins
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
    _font(document.styles["Normal"], BODY_FONT, 16)
    _font(document.styles["Title"], TITLE_FONT, 22)
    _font(document.styles["Heading 1"], HEADING_FONT, 16)
    for name in ("Title", "Heading 1"):
        style = document.styles[name]
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.font.bold = False
    _stand_ins(document, (TITLE_FONT, HEADING_FONT, BODY_FONT))

    red = RGBColor(0xC0, 0, 0)
    title = document.add_paragraph("督查通报", style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.runs[0].font.color.rgb = red
    number = document.add_paragraph(f"第{issue.number}期")
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    masthead = document.add_paragraph(f"{figures['issuer']}\t{chinese_date(figures['as_of'])}")
    masthead.paragraph_format.tab_stops.add_tab_stop(Mm(156), alignment=2)  # right
    _red_line(masthead)
    if figures["before_due"]:
        warning = document.add_paragraph()
        run = warning.add_run(before_due_warning(figures))
        run.bold = True
        run.font.color.rgb = red
    subtitle = document.add_paragraph(f"《{figures['plan']}》{figures['period']}进展情况")
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    document.add_paragraph(summary_text(figures))

    for n, section in enumerate(bulletin_sections(figures), 1):
        document.add_heading(f"{chinese_number(n)}、{section.heading}", level=1)
        if not section.rows:
            document.add_paragraph(section.empty)
        else:
            grid = document.add_table(rows=1, cols=len(section.columns))
            grid.style = "Table Grid"
            for cell, text in zip(grid.rows[0].cells, section.columns, strict=True):
                cell.text = text
            for cells in section.rows:
                for cell, value in zip(grid.add_row().cells, cells, strict=True):
                    cell.text = _text(value)
            for row in grid.rows:
                for cell in row.cells:
                    for paragraph in cell.paragraphs:
                        for run in paragraph.runs:
                            run.font.size = Pt(12)
        for note in section.notes:
            document.add_paragraph(note)

    for text in (figures["issuer"], chinese_date(figures["as_of"])):  # 落款 and 成文日期
        signature = document.add_paragraph(text)
        signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _font(style, font: tuple[str, list[str]], size: int) -> None:
    """A style in a Chinese font: the East Asian and the Latin name, and its size."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    name = font[0]
    style.font.name = name
    style.font.size = Pt(size)
    r_pr = style.element.get_or_add_rPr()
    r_fonts = r_pr.get_or_add_rFonts()
    for attr in ("w:eastAsia", "w:ascii", "w:hAnsi"):
        r_fonts.set(qn(attr), name)


def _stand_ins(document, fonts) -> None:
    """Name each font's stand-ins in the document's font table (w:altName), which Word uses
    where the font itself is not installed."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls, qn
    from lxml import etree

    part = document.part.part_related_by(RT.FONT_TABLE)
    table = parse_xml(part.blob)
    for name, stand_ins in fonts:
        for old in table.findall(qn("w:font")):
            if old.get(qn("w:name")) == name:
                table.remove(old)
        table.append(parse_xml(
            f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{stand_ins[0]}"/>'
            '<w:charset w:val="86"/><w:family w:val="auto"/></w:font>'))
        for stand_in in stand_ins:  # each stand-in listed too, so a reader finds them all
            if not any(f.get(qn("w:name")) == stand_in for f in table.findall(qn("w:font"))):
                table.append(parse_xml(
                    f'<w:font {nsdecls("w")} w:name="{stand_in}"><w:charset w:val="86"/>'
                    '<w:family w:val="auto"/></w:font>'))
    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)


def _red_line(paragraph) -> None:
    """The red separator under the masthead (版头中的分隔线)."""
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    border = parse_xml(f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="12" '
                       'w:space="4" w:color="C00000"/></w:pBdr>')
    # In its place in the schema's order: after the keep/page-break flags, before the tabs.
    paragraph._p.get_or_add_pPr().insert_element_before(
        border, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
        "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
        "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
        "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
        "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr",
        "w:pPrChange")


# ---- storage ----------------------------------------------------------------------------------

def bulletin_dir(period: ReportingPeriod) -> str:
    return f"bulletins/{period.plan_id}/{period.pk}"


def bulletin_generate(*, period: ReportingPeriod, by) -> list[str]:
    """Generate the period's bulletin (office only) and store it; the storage names of the
    .xlsx and the .docx. Earlier versions are kept."""
    if not may_supervise(period.plan, by):
        raise PermissionDenied
    figures = bulletin_figures(period)
    issue = bulletin_issue(period, figures["issuer"], figures["as_of"])
    moment = timezone.localtime()
    while any(default_storage.exists(f"{bulletin_dir(period)}/{_stamp(moment)}.{ext}")
              for ext in EXTENSIONS):  # a second generation within the same microsecond
        moment += timedelta(microseconds=1)
    stamp = _stamp(moment)
    files = {"xlsx": bulletin_xlsx(period, figures=figures, issue=issue),
             "docx": bulletin_docx(period, figures=figures, issue=issue)}
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
