"""The bulletin's section on coordination matters (协调事项): those not closed, oldest first,
with their age in working days (workflow.coordination). Kept apart from the bulletin's own
layout (bulletins.py), which calls these three functions."""
from __future__ import annotations

from datetime import date

from workflow.coordination import NOT_CLOSED, matter_age
from workflow.models import CoordinationMatter

STATE_ZH = {"open": "待交办", "assigned": "已交办待答复", "answered": "已答复待办结"}
COLUMNS = ["序号", "任务", "提出单位", "协调事项", "需协调决定", "状态", "承办", "已历工作日"]
HEADING = "四、待协调事项"


def coordination_figures(plan_id: int, on_date: date) -> list[dict]:
    """The plan's matters not closed, oldest first (one query)."""
    matters = (CoordinationMatter.objects
               .filter(task__plan_id=plan_id, state__in=NOT_CLOSED)
               .select_related("task", "raised_by_agency", "assigned_agency", "assigned_person")
               .order_by("created_at", "pk"))
    rows = []
    for matter in matters:
        person = matter.assigned_person
        assignee = (matter.assigned_agency.name if matter.assigned_agency
                    else f"{person.last_name}{person.first_name}" or person.username
                    if person else "")
        rows.append({"task": matter.task.content, "agency": matter.raised_by_agency.name,
                     "text": matter.text, "decision": matter.decision_needed,
                     "state": STATE_ZH.get(matter.state, ""), "assignee": assignee,
                     "working_days": matter_age(matter, on_date)})
    return rows


def _cells(rows: list[dict]) -> list[list]:
    return [[n, r["task"], r["agency"], r["text"], r["decision"], r["state"], r["assignee"],
             r["working_days"]] for n, r in enumerate(rows, 1)]


def coordination_xlsx(book, rows: list[dict]) -> None:
    """A 协调事项 sheet."""
    sheet = book.create_sheet("协调事项")
    sheet.append(COLUMNS)
    for cells in _cells(rows):
        sheet.append(cells)
    sheet.freeze_panes = "A2"


def coordination_docx(document, rows: list[dict]) -> None:
    """The 四、待协调事项 section."""
    document.add_heading(HEADING, level=1)
    if not rows:
        document.add_paragraph("本期无待协调事项。")
        return
    document.add_paragraph(f"共有{len(rows)}项待协调事项，最早的已历{rows[0]['working_days']}个工作日。")
    grid = document.add_table(rows=1, cols=len(COLUMNS))
    grid.style = "Table Grid"
    for cell, text in zip(grid.rows[0].cells, COLUMNS, strict=True):
        cell.text = text
    for cells in _cells(rows):
        for cell, value in zip(grid.add_row().cells, cells, strict=True):
            cell.text = str(value)
