"""The bulletin's figures on coordination matters (协调事项): those not closed, oldest first,
with their age in working days (workflow.coordination). bulletins.py lays them out as one of
its sections."""
from __future__ import annotations

from datetime import date

from agencies.models import person_name
from workflow.coordination import NOT_CLOSED, matter_age
from workflow.models import CoordinationMatter

STATE_ZH = {"open": "待交办", "assigned": "已交办待答复", "answered": "已答复待办结"}
COLUMNS = ["序号", "任务", "提出单位", "协调事项", "需协调决定", "状态", "承办", "已历工作日"]


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
                    else person_name(person) if person else "")
        rows.append({"task": matter.task.content, "agency": matter.raised_by_agency.name,
                     "text": matter.text, "decision": matter.decision_needed,
                     "state": STATE_ZH.get(matter.state, ""), "assignee": assignee,
                     "working_days": matter_age(matter, on_date)})
    return rows


def coordination_cells(rows: list[dict]) -> list[list]:
    return [[n, r["task"], r["agency"], r["text"], r["decision"], r["state"], r["assignee"],
             r["working_days"]] for n, r in enumerate(rows, 1)]
