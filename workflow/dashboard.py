"""The supervision dashboard (督查看板): what a plan, or all the plans an office reads, stand at.

plan_dashboard(plan, on_date) and office_dashboard(user, on_date) read everything in a fixed
number of queries, whatever the number of plans, tasks, reports and indicators: each kind of row
is read once for all the plans (values() rows, no per-object queries), the rest is computed here.

The rules are small pure functions, tested on their own:
- current_period: the latest open period that has started, else the latest period;
- report_light: red (overdue: due date passed, not submitted), yellow (due within
  LIGHT_WORKING_DAYS working days, not submitted), green (submitted on time, or verified); a
  report submitted late and not yet verified, or not yet near its due date, has no light;
- target_reached_pct, term_elapsed_pct, indicator_light: an indicator's progress against its
  target and against the share of the plan's term already elapsed.

A lead report is owed for a period as lights.owes_report says (the rule the task list and the
reminders share).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_fsm_log.models import StateLog

from tasks.models import Indicator, Plan, Section, Target, Task, TaskAgency

from . import selectors
from .lights import (  # one rule for the lights, shared with the task list  # noqa: F401
    GREEN,
    LIGHT_WORKING_DAYS,
    NO_LIGHT,
    RED,
    YELLOW,
    current_period,
    owes_report,
    report_light,
)
from .models import Assignment, Escalation, IndicatorValue, ProgressReport, ReportingPeriod
from .reminders import DONE

State = ProgressReport.State

LIGHTS = (RED, YELLOW, GREEN)
NOT_STARTED = "not_started"  # no report written yet
REPORT_STATES = [NOT_STARTED, *State.values]
RANKING_SORTS = ("name", "tasks", "due", "on_time", "late", "overdue", "returned", "verified",
                 "escalations", "on_time_rate")
DEFAULT_SORT = "-on_time_rate"
LIGHT_LABELS = {RED: _("Red: overdue"), YELLOW: _("Yellow: due soon"),
                GREEN: _("Green: on time or verified"), NO_LIGHT: _("No light yet")}
REPORT_STATE_LABELS = {NOT_STARTED: _("Not started"), **dict(State.choices)}


# ---- the rules ------------------------------------------------------------------------------

def _pct(part, whole) -> float | None:
    if not whole:
        return None
    return round(float(part) * 100 / float(whole), 1)


def target_reached_pct(*, value, target, comparator: str = "", kind: str = "",
                       baseline=None) -> float | None:
    """Share of the target reached, in %, or None when it cannot be said.

    increase_pct / decrease_pct: the value is the % change already achieved, so value/target.
    Cumulative with a baseline: (value − baseline) / (target − baseline), which also serves
    targets below the baseline; cumulative without one and period targets: value / target.
    """
    if value is None or target is None:
        return None
    value, target = Decimal(value), Decimal(target)
    C = Target.Comparator
    if comparator in (C.INCREASE_PCT, C.DECREASE_PCT):
        return _pct(value, target)
    if kind == Target.Kind.CUMULATIVE and baseline is not None:
        baseline = Decimal(baseline)
        return _pct(value - baseline, target - baseline)
    if comparator in (C.LE, C.LT):  # lower is better: met when at or under the target
        return 100.0 if value <= target else _pct(target, value)
    return _pct(value, target)


def term_elapsed_pct(start: date | None, end: date | None, on_date: date) -> float | None:
    """Share of the plan's term already elapsed, in % (0 to 100)."""
    if start is None or end is None or end <= start:
        return None
    elapsed = min(max((on_date - start).days, 0), (end - start).days)
    return _pct(elapsed, (end - start).days)


def indicator_light(reached: float | None, elapsed: float | None) -> str:
    """Red when reached% lags elapsed% by more than 25 points, yellow by more than 10."""
    if reached is None or elapsed is None:
        return NO_LIGHT
    if reached < elapsed - 25:
        return RED
    if reached < elapsed - 10:
        return YELLOW
    return GREEN


def sort_ranking(rows: list[dict], sort: str | None) -> tuple[list[dict], str]:
    """Rows sorted by ?sort= (a RANKING_SORTS key, '-' for descending), ties by name."""
    key = (sort or DEFAULT_SORT).strip()
    if key.lstrip("-") not in RANKING_SORTS:
        key = DEFAULT_SORT
    name, reverse = key.lstrip("-"), key.startswith("-")
    rows = sorted(rows, key=lambda r: r["name"])
    if name != "name":
        rows = sorted(rows, key=lambda r: (r[name] is not None, r[name] or 0), reverse=reverse)
    elif reverse:
        rows.reverse()
    return rows, key


RANKING_LABELS = {
    "name": _("Agency"), "tasks": _("Tasks led"), "due": _("Reports due"),
    "on_time": _("Submitted on time"), "late": _("Submitted late"), "overdue": _("Overdue"),
    "returned": _("Returned"), "verified": _("Verified"), "escalations": _("Escalations"),
    "on_time_rate": _("On-time rate (%)"),
}


def ranking_columns(sort: str) -> list[dict]:
    """The ranking's column heads: each links to its sort, again to reverse it."""
    columns = []
    for key in RANKING_SORTS:
        first = key if key == "name" else f"-{key}"
        active = sort.lstrip("-") == key
        other = key if sort.startswith("-") else f"-{key}"
        columns.append({
            "key": key, "label": RANKING_LABELS[key], "sort": other if active else first,
            "aria_sort": ("descending" if sort.startswith("-") else "ascending") if active
            else None,
        })
    return columns


def list_url(plan_id: int, **params) -> str:
    """The filtered task list (workflow/urls_lists.py)."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse("lists:tasks", args=[plan_id]) + (f"?{query}" if query else "")


def scorecard_url(agency_id: int, plan_id: int | None = None) -> str:
    url = reverse("lists:scorecard", args=[agency_id])
    return f"{url}?plan={plan_id}" if plan_id else url


# ---- reading --------------------------------------------------------------------------------

@dataclass
class PlanFigures:
    plan: Plan
    period: ReportingPeriod | None
    task_states: dict = field(default_factory=dict)
    report_states: dict = field(default_factory=dict)
    lights: dict = field(default_factory=dict)
    owed: int = 0
    on_time: int = 0
    on_time_base: int = 0  # reports submitted, or overdue: what the rate is out of
    sections: list = field(default_factory=list)

    @property
    def on_time_rate(self) -> float | None:
        return _pct(self.on_time, self.on_time_base)

    @property
    def task_total(self) -> int:
        return sum(self.task_states.values())

    def light_rows(self) -> list[dict]:
        links = self.links()["lights"] if self.plan else {}
        return [{"key": k, "label": LIGHT_LABELS[k], "count": self.lights[k],
                 "url": links.get(k)} for k in (*LIGHTS, NO_LIGHT)]

    def task_state_rows(self) -> list[dict]:
        links = self.links()["states"] if self.plan else {}
        return [{"key": k, "label": label, "count": self.task_states[k], "url": links.get(k)}
                for k, label in Task.State.choices]

    def report_state_rows(self) -> list[dict]:
        return [{"key": k, "label": REPORT_STATE_LABELS[k], "count": self.report_states[k]}
                for k in REPORT_STATES]

    def links(self) -> dict:
        pk = self.plan.pk
        period = self.period.pk if self.period else None
        return {
            "lights": {light: list_url(pk, light=light, period=period) for light in LIGHTS},
            "states": {state: list_url(pk, state=state) for state in Task.State.values},
            "all": list_url(pk),
        }


def _owed(assignment_dates: list[date], task_state: str, report, period) -> bool:
    return owes_report(assigned_on=assignment_dates, due_on=period.due_on,
                       task_verified=task_state == Task.State.VERIFIED,
                       has_report=report is not None)


def _read(plans: list[Plan], on_date: date) -> dict:
    """Every row the dashboards need, for all the plans, in a fixed number of queries."""
    plan_ids = [p.pk for p in plans]
    periods = list(ReportingPeriod.objects.filter(plan_id__in=plan_ids).order_by("starts_on"))
    tasks = list(Task.objects.filter(plan_id__in=plan_ids)
                 .values("pk", "plan_id", "section_id", "state").order_by("plan_id", "order"))
    sections = list(Section.objects.filter(plan_id__in=plan_ids)
                    .values("pk", "plan_id", "parent_id", "number", "title")
                    .order_by("plan_id", "order"))
    leads = list(Assignment.objects.filter(task__plan_id__in=plan_ids, active=True,
                                           role=TaskAgency.Role.LEAD)
                 .values("task_id", "agency_id", "agency__name", "created_at"))
    reports = list(ProgressReport.objects.filter(task__plan_id__in=plan_ids)
                   .values("pk", "task_id", "period_id", "state", "late", "submitted_at"))
    returns = dict(StateLog.objects.filter(
        content_type__app_label="workflow", content_type__model="progressreport",
        state=State.RETURNED,
        object_id__in=ProgressReport.objects.filter(task__plan_id__in=plan_ids).values("pk"))
        .values_list("object_id").annotate(n=Count("pk")).order_by())
    escalations = dict(Escalation.objects.filter(task__plan_id__in=plan_ids)
                       .values_list("task_id").annotate(n=Count("pk")).order_by())
    return {"periods": periods, "tasks": tasks, "sections": sections, "leads": leads,
            "reports": reports, "returns": returns, "escalations": escalations}


def _figures(plans: list[Plan], on_date: date, rows: dict) -> tuple[list[PlanFigures], list]:
    periods_of = defaultdict(list)
    for period in rows["periods"]:
        periods_of[period.plan_id].append(period)
    lead_dates = defaultdict(list)
    lead_agencies = defaultdict(dict)
    for a in rows["leads"]:
        lead_dates[a["task_id"]].append(timezone.localdate(a["created_at"]))
        lead_agencies[a["task_id"]][a["agency_id"]] = a["agency__name"]
    report_of = {(r["task_id"], r["period_id"]): r for r in rows["reports"]}
    tasks_of = defaultdict(list)
    for task in rows["tasks"]:
        tasks_of[task["plan_id"]].append(task)

    figures, ranking = [], {}
    for plan in plans:
        period = current_period(periods_of[plan.pk], on_date)
        fig = PlanFigures(plan=plan, period=period,
                          task_states=dict.fromkeys(Task.State.values, 0),
                          report_states=dict.fromkeys(REPORT_STATES, 0),
                          lights=dict.fromkeys((*LIGHTS, NO_LIGHT), 0))
        submitted_tasks = set()
        for task in tasks_of[plan.pk]:
            fig.task_states[task["state"]] += 1
            if period is None:
                continue
            report = report_of.get((task["pk"], period.pk))
            if not _owed(lead_dates[task["pk"]], task["state"], report, period):
                continue
            state = report["state"] if report else NOT_STARTED
            late = bool(report and report["late"])
            fig.owed += 1
            fig.report_states[state] += 1
            fig.lights[report_light(due_on=period.due_on, on_date=on_date, state=state,
                                    late=late)] += 1
            if state in DONE:
                submitted_tasks.add(task["pk"])
                fig.on_time_base += 1
                fig.on_time += not late
            elif on_date > period.due_on:
                fig.on_time_base += 1
        fig.sections = _sections(plan, rows["sections"], tasks_of[plan.pk], submitted_tasks)
        figures.append(fig)
        _rank(ranking, plan, tasks_of[plan.pk], periods_of[plan.pk], on_date, lead_dates,
              lead_agencies, report_of, rows)
    return figures, list(ranking.values())


def _sections(plan, sections, tasks, submitted_tasks) -> list[dict]:
    """Progress of each top-level section (its sub-sections' tasks included)."""
    mine = [s for s in sections if s["plan_id"] == plan.pk]
    parent = {s["pk"]: s["parent_id"] for s in mine}

    def top(section_id):
        seen = set()
        while parent.get(section_id) and section_id not in seen:
            seen.add(section_id)
            section_id = parent[section_id]
        return section_id

    out = {s["pk"]: {"pk": s["pk"], "name": f"{s['number']}{s['title']}", "tasks": 0,
                     "verified": 0, "submitted": 0}
           for s in mine if s["parent_id"] is None}
    for task in tasks:
        row = out.get(top(task["section_id"])) if task["section_id"] else None
        if row is None:
            continue
        row["tasks"] += 1
        row["verified"] += task["state"] == Task.State.VERIFIED
        row["submitted"] += task["pk"] in submitted_tasks
    for row in out.values():
        row["verified_pct"] = _pct(row["verified"], row["tasks"]) or 0.0
        row["submitted_pct"] = _pct(row["submitted"], row["tasks"]) or 0.0
        row["url"] = list_url(plan.pk, section=row["pk"])
    return list(out.values())


def _rank(ranking, plan, tasks, periods, on_date, lead_dates, lead_agencies, report_of, rows):
    """Add the plan's figures per lead agency, over the periods started by on_date."""
    started = [p for p in periods if p.starts_on <= on_date]
    for task in tasks:
        for agency_id, name in lead_agencies[task["pk"]].items():
            row = ranking.setdefault(agency_id, {
                "pk": agency_id, "name": name, "tasks": 0, "due": 0, "on_time": 0, "late": 0,
                "overdue": 0, "returned": 0, "verified": 0, "escalations": 0,
            })
            row["tasks"] += 1
            row["escalations"] += rows["escalations"].get(task["pk"], 0)
            for period in started:
                report = report_of.get((task["pk"], period.pk))
                if not _owed(lead_dates[task["pk"]], task["state"], report, period):
                    continue
                row["due"] += 1
                if report is not None:
                    row["returned"] += rows["returns"].get(report["pk"], 0)
                    row["verified"] += report["state"] == State.VERIFIED
                    if report["submitted_at"] is not None:
                        row["late" if report["late"] else "on_time"] += 1
                        continue
                if on_date > period.due_on:
                    row["overdue"] += 1


def _finish_ranking(rows: list[dict], plan_id: int | None, sort: str | None):
    for row in rows:
        row["on_time_rate"] = _pct(row["on_time"], row["on_time"] + row["late"] + row["overdue"])
        row["url"] = scorecard_url(row["pk"], plan_id)
    return sort_ranking(rows, sort)


def _indicators(plan: Plan, on_date: date, rows: dict) -> dict:
    """One row per indicator (latest verified value, else the latest, marked unverified) and
    light counts per target: a target shared by several indicators counts once (its worst)."""
    indicators = list(Indicator.objects.filter(plan=plan).select_related("target")
                      .order_by("order"))
    links = defaultdict(set)
    for task_id, indicator_id in Task.indicators.through.objects.filter(
            indicator__plan=plan).values_list("task_id", "indicator_id"):
        links[indicator_id].add(task_id)
    verified = {(r["task_id"], r["period_id"]) for r in rows["reports"]
                if r["state"] == State.VERIFIED}
    values = defaultdict(list)
    for value in (IndicatorValue.objects.filter(indicator__plan=plan)
                  .select_related("period").order_by("period__starts_on", "pk")):
        values[value.indicator_id].append(value)
    elapsed = term_elapsed_pct(plan.period_start, plan.period_end, on_date)
    out, worst = [], {}
    rank = {NO_LIGHT: 0, GREEN: 1, YELLOW: 2, RED: 3}
    for indicator in indicators:
        candidates = values[indicator.pk]
        good = [v for v in candidates
                if any((t, v.period_id) in verified for t in links[indicator.pk])]
        latest = (good or candidates or [None])[-1]
        target = indicator.target
        reached = target_reached_pct(
            value=latest.value if latest else None, target=target.value if target else None,
            comparator=target.comparator if target else "", kind=target.kind if target else "",
            baseline=indicator.baseline_value)
        light = indicator_light(reached, elapsed)
        out.append({"indicator": indicator, "target": target, "value": latest,
                    "verified": bool(good), "reached_pct": reached, "light": light,
                    "shared": indicator.target_id is not None
                    and sum(i.target_id == indicator.target_id for i in indicators) > 1})
        key = indicator.target_id or f"i{indicator.pk}"
        if rank[light] >= rank.get(worst.get(key), -1):
            worst[key] = light
    counts = Counter(worst.values())
    return {"rows": out, "elapsed_pct": elapsed, "targets": len(worst),
            "lights": {light: counts.get(light, 0) for light in (*LIGHTS, NO_LIGHT)}}


def _chart(figures: list[PlanFigures], sections: list[dict]) -> dict:
    lights = Counter()
    for fig in figures:
        lights.update(fig.lights)
    return {"lights": [{"key": k, "name": str(LIGHT_LABELS[k]), "value": lights.get(k, 0)}
                       for k in (*LIGHTS, NO_LIGHT)],
            "labels": {"verified": str(_("Tasks verified (%)")),
                       "submitted": str(_("Tasks with a submitted report (%)"))},
            "sections": [{"name": s["name"], "verified": s["verified_pct"],
                          "submitted": s["submitted_pct"]} for s in sections]}


# ---- the two dashboards -----------------------------------------------------------------------

def plan_dashboard(plan: Plan, on_date: date, *, sort: str | None = None) -> dict:
    rows = _read([plan], on_date)
    [figures], ranking = _figures([plan], on_date, rows)
    ranking, sort = _finish_ranking(ranking, plan.pk, sort)
    return {"plan": plan, "on_date": on_date, "figures": figures, "links": figures.links(),
            "ranking": ranking, "sort": sort, "columns": ranking_columns(sort),
            "indicators": _indicators(plan, on_date, rows),
            "chart": _chart([figures], figures.sections)}


def office_dashboard(user, on_date: date, *, sort: str | None = None) -> dict:
    """The same figures across every plan the user reads (as the office or a leader)."""
    plans = list(selectors.plans_readable_by(user).order_by("-imported_at"))
    rows = _read(plans, on_date)
    figures, ranking = _figures(plans, on_date, rows)
    ranking, sort = _finish_ranking(ranking, None, sort)
    totals = PlanFigures(plan=None, period=None,
                         task_states=dict.fromkeys(Task.State.values, 0),
                         report_states=dict.fromkeys(REPORT_STATES, 0),
                         lights=dict.fromkeys((*LIGHTS, NO_LIGHT), 0))
    for fig in figures:
        for name in ("task_states", "report_states", "lights"):
            for key, n in getattr(fig, name).items():
                getattr(totals, name)[key] += n
        totals.owed += fig.owed
        totals.on_time += fig.on_time
        totals.on_time_base += fig.on_time_base
    return {"on_date": on_date, "plans": [(fig, fig.links()) for fig in figures],
            "totals": totals, "ranking": ranking, "sort": sort,
            "columns": ranking_columns(sort), "chart": _chart(figures, [])}
