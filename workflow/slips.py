"""督办单: a 催办 or 督办 issued as a numbered, coloured slip, printable, acknowledged.

The office issues the slip with the 催办/督办 (workflow.escalation.task_escalate) or later for
one already sent: one slip per lead agency still assigned, each numbered in the office's
yearly series (年度流水号, 〔2026〕第12号), the number taken by one atomic upsert of
SlipCounter so that two slips issued at once never share a number. The colour follows the
obligation's state as the ledger reads it (slip_colour, the one rule):

    red     the report due is overdue (past the due date in force, extensions included);
    yellow  it was returned for revision (退回), or the task is behind the expected pace
            (序时进度): an earlier period's report was late or is still missing;
    blue    otherwise: due soon, or not yet due.

The agency acknowledges it (签收) as it does an assignment; the .docx (A4, 公文 layout) is
read by the agency it is addressed to and by the plan's office and leaders (visibility).
The slips of a period are listed for the office and counted in the assessment.
"""
from __future__ import annotations

import io

from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from agencies.permissions import may_supervise
from tasks.models import Task, TaskAgency

from .errors import WorkflowError
from .escalation import task_escalate
from .models import Assignment, Escalation, ProgressReport, ReportingPeriod, SlipCounter
from .models import SupervisionSlip as Slip
from .obligations import LATE, OVERDUE, ReportDue, current_period, ledger
from .recipients import agency_tell

Colour = Slip.Colour
COLOUR_NAMES = {Colour.BLUE: "蓝色", Colour.YELLOW: "黄色", Colour.RED: "红色"}
COLOUR_RGB = {Colour.BLUE: (0x1F, 0x4E, 0x79), Colour.YELLOW: (0xB8, 0x86, 0x0B),
              Colour.RED: (0xC0, 0x00, 0x00)}
KIND_WORDS = {Escalation.Kind.URGE: "催办", Escalation.Kind.SUPERVISE: "督办"}
COLOUR_MEANING = {Colour.BLUE: "即将到期", Colour.YELLOW: "进度滞后或被退回",
                  Colour.RED: "已逾期"}


def slip_colour(item: ReportDue | None, *, behind_pace: bool = False) -> str:
    """The one rule: red overdue; yellow returned or behind pace; blue otherwise."""
    if item is not None and item.status == OVERDUE:
        return Colour.RED
    if behind_pace or (item is not None and (
            item.report_state == ProgressReport.State.RETURNED
            or (item.returns and item.report_state != ProgressReport.State.VERIFIED))):
        return Colour.YELLOW
    return Colour.BLUE


def _obligation_state(task: Task, period: ReportingPeriod | None):
    """(the report due the slip is about, whether the task is behind pace, its due date)."""
    book = ledger(plan_ids=[task.plan_id], task_ids=[task.pk], returns=True)
    items = sorted(book.items_by_task().get(task.pk, []), key=lambda i: i.period.due_on)
    if period is None:
        period = current_period(book.periods.values(), book.on_date)
    item = book.item(task.pk, period.pk) if period is not None else None
    earlier = [i for i in items if item is not None and i.period.due_on < item.period.due_on]
    behind = any(i.status in (LATE, OVERDUE) for i in earlier)
    due = item.due_on if item is not None else task.deadline_on
    return item, behind, due


def _next_number(office_agency_id: int, year: int) -> int:
    """The office's next number this year: one statement, atomic on PostgreSQL and SQLite."""
    table = connection.ops.quote_name(SlipCounter._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (office_agency_id, year, last) VALUES (%s, %s, 1) "  # noqa: S608
            f"ON CONFLICT (office_agency_id, year) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last", [office_agency_id, year])
        return cursor.fetchone()[0]


def slips_issue(*, escalation: Escalation, by) -> list[Slip]:
    """督办单 for a manual 催办/督办: one per live lead agency, numbered and coloured."""
    task = Task.objects.select_related("plan").get(pk=escalation.task_id)
    if not may_supervise(task.plan, by):
        raise WorkflowError(_("You are not allowed to do this."))
    if escalation.kind == Escalation.Kind.AUTO:
        raise WorkflowError(_("Only the office's 催办 or 督办 is issued as a slip."))
    office = task.plan.office_agency_id
    if office is None:
        raise WorkflowError(_("The plan has no office to number the slip."))
    if escalation.slips.exists():
        raise WorkflowError(_("A slip was already issued for this notice."))
    leads = list(Assignment.objects.filter(task=task, active=True, role=TaskAgency.Role.LEAD)
                 .select_related("agency").order_by("pk"))
    if not leads:
        raise WorkflowError(_("The task has no lead agency to chase; assign one first."))
    period = escalation.period
    item, behind, due = _obligation_state(task, period)
    colour = slip_colour(item, behind_pace=behind)
    if period is None and item is not None:
        period = item.period
    year = timezone.localdate().year
    slips = []
    with transaction.atomic():
        for lead in leads:
            slip = Slip.objects.create(
                escalation=escalation, task=task, period=period, agency=lead.agency,
                office_agency_id=office, year=year, number=_next_number(office, year),
                colour=colour, due_on=due, issued_by=by)
            slips.append(slip)
            agency_tell(
                [lead.agency_id], kind="slip", about=slip, task=task, by=by,
                url=reverse("workflow:slip", args=[slip.pk]),
                text=_("Supervision slip %(number)s (%(colour)s): %(task)s") % {
                    "number": slip.label, "colour": COLOUR_NAMES[colour],
                    "task": task.content[:40]},
                context={"heading": _("Supervision slip")})
    return slips


def task_escalate_as_slip(*, task: Task, by, kind: str, text: str,
                          period: ReportingPeriod | None = None) -> list[Slip]:
    """催办/督办 and its slips in one transaction: no slip without its notice, nor the reverse."""
    with transaction.atomic():
        escalation = task_escalate(task=task, by=by, kind=kind, text=text, period=period)
        return slips_issue(escalation=escalation, by=by)


def slip_acknowledge(*, slip: Slip, by) -> Slip:
    """签收 by the agency the slip is addressed to; only the first time counts."""
    profile = getattr(by, "profile", None)
    if profile is None or profile.agency_id != slip.agency_id or profile.is_office:
        raise WorkflowError(_("You are not allowed to do this."))
    Slip.objects.filter(pk=slip.pk, acknowledged_at=None).update(
        acknowledged_at=timezone.now(), acknowledged_by=by)
    slip.refresh_from_db()
    return slip


def slips_of(plan_ids, *, period_id: int | None = None):
    """The slips of plans (of one period), newest number first, for the office's list."""
    rows = (Slip.objects.filter(task__plan_id__in=plan_ids)
            .select_related("task", "period", "agency", "escalation", "acknowledged_by")
            .order_by("-year", "-number"))
    if period_id is not None:
        rows = rows.filter(period_id=period_id)
    return rows


# ---- the printable slip -----------------------------------------------------------------------

def _cn_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def slip_docx(slip: Slip) -> bytes:
    """The slip on A4 in 公文 form: the office's name (版头), 督办单 with its colour, the number,
    the agency addressed, the task, what is asked, the due date, the 落款 and the date."""
    from docx import Document  # python-docx loads lxml: only when a slip is printed
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)  # A4
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)  # GB/T 9704 版心
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = "仿宋", Pt(16)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "仿宋")
    rgb = RGBColor(*COLOUR_RGB[slip.colour])

    def line(text, *, align=None, size=None, bold=False, colour=None):
        paragraph = document.add_paragraph()
        if align is not None:
            paragraph.alignment = align
        run = paragraph.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        if colour is not None:
            run.font.color.rgb = colour
        return paragraph

    centre, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT
    office = slip.office_agency.name
    line(office, align=centre, size=26, bold=True, colour=RGBColor(0xC0, 0, 0))
    line(f"督办单（{COLOUR_NAMES[slip.colour]}）", align=centre, size=22, bold=True,
         colour=rgb)
    line(f"■ {COLOUR_NAMES[slip.colour]}督办：{COLOUR_MEANING[slip.colour]}", align=centre,
         size=14, colour=rgb)
    line(slip.label, align=right)
    line(f"{slip.agency.name}：")
    what = KIND_WORDS.get(slip.escalation.kind, "督办")
    period = f"（{slip.period.label}）" if slip.period_id else ""
    line(f"    你单位牵头的“{slip.task.content}”{period}，现予{what}。")
    line(f"    督办事项：{slip.escalation.text}")
    if slip.due_on is not None:
        line(f"    办理时限：请于{_cn_date(slip.due_on)}前报送办理情况。")
    line("    请收到后及时签收，抓紧办理，按时反馈。")
    document.add_paragraph()
    line(office, align=right)
    line(_cn_date(timezone.localtime(slip.issued_at).date()), align=right)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def slip_filename(slip: Slip) -> str:
    return f"督办单{slip.year}-{slip.number:03d}.docx"
