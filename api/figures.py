"""A plan's supervision figures for the API: the dashboard's own output
(supervision.dashboard.plan_dashboard), turned into plain data. Nothing is counted here, so a
数据大屏 built on the API shows exactly what the office's dashboard shows."""
from __future__ import annotations

from datetime import date

from supervision.dashboard import Counts, office_dashboard, plan_dashboard
from tasks.models import Plan


def _counts(counts: Counts) -> dict:
    return {"due": counts.due, "on_time": counts.on_time, "late": counts.late,
            "overdue": counts.overdue, "on_time_rate": counts.on_time_rate,
            "lights": dict(counts.lights), "report_states": dict(counts.report_states)}


def _ranking(rows: list[dict]) -> list[dict]:
    return [{"agency": r["pk"], **{k: r[k] for k in (
        "name", "tasks", "due", "on_time", "late", "overdue", "returned", "verified",
        "escalations", "on_time_rate")}} for r in rows]


def office_figures(user, on_date: date) -> dict:
    """Every plan the user reads, as the office dashboard shows them (plans not yet
    dispatched are listed apart and count in no total)."""
    board = office_dashboard(user, on_date)
    totals = board["totals"]
    return {
        "on_date": on_date,
        "task_total": totals.task_total,
        "task_states": dict(totals.task_states),
        "totals": _counts(totals.totals),
        "plans": [{"plan": fig.plan.pk, "title": fig.plan.title,
                   "task_total": fig.task_total, "task_states": dict(fig.task_states),
                   "totals": _counts(fig.totals)} for fig in board["period_plans"]],
        "drafts": [plan.pk for plan in board["drafts"]],
        "ranking": _ranking(board["ranking"]),
    }


def plan_figures(plan: Plan, on_date: date) -> dict:
    board = plan_dashboard(plan, on_date)
    figures = board["figures"]
    indicators = board["indicators"]
    return {
        "plan": plan.pk,
        "on_date": on_date,
        "dispatched": figures.dispatched,
        "task_total": figures.task_total,
        "task_states": dict(figures.task_states),
        "totals": _counts(figures.totals),
        "periods": [{"period": p.period.pk, "label": p.period.label, "due_on": p.period.due_on,
                     "counts": _counts(p.counts)} for p in figures.periods],
        "sections": [{"section": s["pk"], "name": s["name"], "tasks": s["tasks"],
                      "verified": s["verified"], "submitted": s["submitted"],
                      "verified_pct": s["verified_pct"], "submitted_pct": s["submitted_pct"]}
                     for s in figures.sections],
        "ranking": _ranking(board["ranking"]),
        "indicators": {
            "elapsed_pct": indicators["elapsed_pct"],
            "targets": indicators["targets"],
            "lights": dict(indicators["lights"]),
            "rows": [{
                "indicator": row["indicator"].pk, "name": row["indicator"].name,
                "unit": row["indicator"].unit,
                "target": row["target"].value if row["target"] else None,
                "value": row["value"].value if row["value"] else None,
                "period": row["value"].period_id if row["value"] else None,
                "verified": row["verified"], "reached_pct": row["reached_pct"],
                "light": row["light"], "shared": row["shared"],
            } for row in indicators["rows"]],
        },
    }
