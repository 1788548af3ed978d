"""The supervision dashboard (督查看板): what a plan, or all the plans an office reads, stand at.

Every figure comes from the obligations (workflow.obligations.ledger) of the open periods that
have started — all of them, not only the latest, and the page says which. Per-task figures
(reports due, lights, report states) count each task and period once; the agency ranking
counts each lead agency's obligations, so a co-led task counts once per lead there.

plan_dashboard and office_dashboard read in a fixed number of queries whatever the number of
plans, tasks and reports: one ledger for all the plans, one count of tasks by state, one of
escalations, and the plans' sections.
"""
from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.core.cache import cache
from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from agencies.models import Agency
from lib.ranking import rank
from tasks.models import Plan, Section, Task
from tasks.selectors import plans_readable_by
from workflow.coordination import open_matters
from workflow.figures import figures_stamps
from workflow.models import Assignment, Escalation, ReportingPeriod
from workflow.obligations import (
    LATE,
    LEAD,
    LIGHT_LABELS,
    LIGHTS,
    NO_LIGHT,
    ON_TIME,
    OVERDUE,
    RED,
    REPORT_STATE_LABELS,
    REPORT_STATES,
    Ledger,
    current_period,
    ledger,
)

from .indicators import _pct, plan_indicators

logger = logging.getLogger("duban.dashboard")

RANKING_SORTS = ("name", "tasks", "due", "on_time", "late", "overdue", "returned", "verified",
                 "escalations", "on_time_rate")
DEFAULT_SORT = "-on_time_rate"
RANKING_LABELS = {
    "name": _("Agency"), "tasks": _("Tasks led"), "due": _("Reports due"),
    "on_time": _("Submitted on time"), "late": _("Submitted late"), "overdue": _("Overdue"),
    "returned": _("Returned"), "verified": _("Verified"), "escalations": _("Escalations"),
    "on_time_rate": _("On-time rate (%)"),
}


# ---- links ------------------------------------------------------------------------------------

def list_url(plan_id: int, **params) -> str:
    """The plan's filtered task list."""
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse("supervision:tasks", args=[plan_id]) + (f"?{query}" if query else "")


def scorecard_url(agency_id: int, plan_id: int | None = None) -> str:
    url = reverse("supervision:scorecard", args=[agency_id])
    return f"{url}?plan={plan_id}" if plan_id else url


def overdue_url(plan_id: int | None = None) -> str:
    if plan_id is None:
        return reverse("workflow:overdue-all")
    return reverse("workflow:overdue", args=[plan_id])


# ---- figures ----------------------------------------------------------------------------------

@dataclass
class Counts:
    """Reports due (one per task and period) counted by light, report state and status."""

    due: int = 0
    lights: dict = field(default_factory=lambda: dict.fromkeys((*LIGHTS, NO_LIGHT), 0))
    report_states: dict = field(default_factory=lambda: dict.fromkeys(REPORT_STATES, 0))
    on_time: int = 0
    late: int = 0
    overdue: int = 0  # past due and not submitted, chased or not

    def add(self, item) -> None:
        self.due += 1
        self.lights[item.light] += 1
        self.report_states[item.report_state] += 1
        self.on_time += item.status == ON_TIME
        self.late += item.status == LATE
        self.overdue += item.status == OVERDUE

    def merge(self, other: Counts) -> None:
        self.due += other.due
        self.on_time += other.on_time
        self.late += other.late
        self.overdue += other.overdue
        for key, n in other.lights.items():
            self.lights[key] += n
        for key, n in other.report_states.items():
            self.report_states[key] += n

    @property
    def on_time_rate(self) -> float | None:
        """On time out of everything that fell due: submitted, or overdue."""
        return _pct(self.on_time, self.on_time + self.late + self.overdue)


@dataclass
class PeriodFigures:
    period: object  # ReportingPeriod
    counts: Counts = field(default_factory=Counts)
    list_base: str = ""  # the plan's task list (list_url), reversed once per plan

    def light_links(self) -> dict:
        base = self.list_base or list_url(self.period.plan_id)
        return {light: f"{base}?{urlencode({'period': self.period.pk, 'light': light})}"
                for light in (*LIGHTS, NO_LIGHT)}


@dataclass
class PlanFigures:
    plan: Plan
    dispatched: bool
    periods: list[PeriodFigures] = field(default_factory=list)
    task_states: dict = field(default_factory=lambda: dict.fromkeys(Task.State.values, 0))
    sections: list = field(default_factory=list)
    totals: Counts = field(default_factory=Counts)
    cache_key: str = ""  # the plan's stamp and the day: its rendered rows are kept under it

    @property
    def task_total(self) -> int:
        return sum(self.task_states.values())

    # what the counts template shows, for one plan or the office's totals
    def light_rows(self) -> list[dict]:
        red_url = overdue_url(self.plan.pk if self.plan else None)
        return [{"key": k, "label": LIGHT_LABELS[k], "count": self.totals.lights[k],
                 "url": red_url if k == RED else None} for k in (*LIGHTS, NO_LIGHT)]

    def task_state_rows(self) -> list[dict]:
        return [{"key": k, "label": label, "count": self.task_states[k],
                 "url": list_url(self.plan.pk, state=k) if self.plan else None}
                for k, label in Task.State.choices]

    def report_state_rows(self) -> list[dict]:
        return [{"key": k, "label": REPORT_STATE_LABELS[k],
                 "count": self.totals.report_states[k]} for k in REPORT_STATES]

    @property
    def owed(self) -> int:
        return self.totals.due

    @property
    def lights(self) -> dict:
        return self.totals.lights

    @property
    def on_time_rate(self) -> float | None:
        return self.totals.on_time_rate


# ---- each plan's figures, computed once per state of the plan and day --------------------------

# What a plan's figures are kept for at most: they go stale sooner with every change
# (workflow.figures), this only bounds what a change made outside the services would leave.
FIGURES_TIMEOUT = 6 * 3600
RANKING_COUNTS = ("tasks", "due", "on_time", "late", "overdue", "returned", "verified",
                  "escalations")


def figures_compute(plans: list[Plan], on_date: date) -> dict[int, dict]:
    """Each plan's figures, from one ledger over them all: {plan id: {"periods": [(period,
    Counts)], "task_states", "sections", "ranking": {agency id: counts}}}. Five queries and the
    ledger's, whatever the number of plans."""
    plan_ids = [p.pk for p in plans]
    book = dashboard_ledger(plan_ids, on_date)
    out = {pk: {"periods": [], "task_states": dict.fromkeys(Task.State.values, 0),
                "sections": [], "ranking": {}} for pk in plan_ids}
    counts = {}
    for period in sorted(book.periods.values(), key=lambda p: (p.due_on, p.pk)):
        counts[period.pk] = Counts()
        out[period.plan_id]["periods"].append((period, counts[period.pk]))
    for item in book.items:
        counts[item.period_id].add(item)
    tasks = defaultdict(list)
    for row in Task.objects.filter(plan_id__in=plan_ids).values("pk", "plan_id", "section_id",
                                                                "state"):
        tasks[row["plan_id"]].append(row)
        out[row["plan_id"]]["task_states"][row["state"]] += 1
    sections = defaultdict(list)
    for row in (Section.objects.filter(plan_id__in=plan_ids)
                .values("pk", "plan_id", "parent_id", "number", "title").order_by("order")):
        sections[row["plan_id"]].append(row)
    submitted = {i.task_id for i in book.items if i.submitted}
    for plan in plans:
        out[plan.pk]["sections"] = _sections(plan, sections[plan.pk], tasks[plan.pk], submitted)
    for (plan_id, agency_id), row in _ranking_rows(book, plan_ids).items():
        out[plan_id]["ranking"][agency_id] = row
    return out


def plans_figures(plans: list[Plan], on_date: date, stamps=None) -> dict[int, dict]:
    """figures_compute's result for each plan, from the cache when the plan has not changed
    since (its workflow.figures stamp) on the same day; only the others are computed."""
    stamps = stamps or figures_stamps([p.pk for p in plans])
    keys = {p.pk: f"dashboard-figures:{p.pk}:{stamps[p.pk]}:{on_date.isoformat()}"
            for p in plans}
    found = _cache_get_many(list(keys.values()))
    result = {pk: found[key] for pk, key in keys.items() if key in found}
    stale = [p for p in plans if p.pk not in result]
    if stale:
        computed = figures_compute(stale, on_date)
        _cache_set_many({keys[pk]: data for pk, data in computed.items()})
        result.update(computed)
    for pk, data in result.items():
        data["key"] = keys[pk]
    return result


def _cache_get_many(keys: list[str]) -> dict:
    try:
        return cache.get_many(keys)
    except Exception:  # the cache is down: compute, as without it
        logger.warning("dashboard: the cache cannot be read", exc_info=True)
        return {}


def _cache_set_many(values: dict) -> None:
    try:
        cache.set_many(values, FIGURES_TIMEOUT)
    except Exception:
        logger.warning("dashboard: the cache cannot be written", exc_info=True)


def _plan_figures(plan: Plan, data: dict) -> PlanFigures:
    fig = PlanFigures(plan=plan, dispatched=plan.state != Plan.State.DRAFT,
                      task_states=dict(data["task_states"]), sections=data["sections"],
                      cache_key=data.get("key", ""))
    base = list_url(plan.pk)
    for period, counts in data["periods"]:
        fig.periods.append(PeriodFigures(period, counts, base))
        fig.totals.merge(counts)
    return fig


def _sections(plan: Plan, sections: list[dict], tasks: list[dict],
              submitted: set[int]) -> list[dict]:
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
        row["submitted"] += task["pk"] in submitted
    for row in out.values():
        row["verified_pct"] = _pct(row["verified"], row["tasks"]) or 0.0
        row["submitted_pct"] = _pct(row["submitted"], row["tasks"]) or 0.0
        row["url"] = list_url(plan.pk, section=row["pk"])
    return list(out.values())


def _ranking_rows(book: Ledger, plan_ids: list[int]) -> dict[tuple[int, int], dict]:
    """Per plan and lead agency, over the ledger's periods: its obligations by status,
    returns, verified reports, escalations on the tasks it leads, and its live tasks led.
    Counts only (RANKING_COUNTS): they add up across plans."""
    rows: dict[tuple[int, int], dict] = {}

    def row(plan_id, agency_id):
        key = (plan_id, agency_id)
        found = rows.get(key)
        if found is None:
            found = rows[key] = dict.fromkeys(RANKING_COUNTS, 0)
        return found

    for ob in book.obligations:
        if ob.role != LEAD:
            continue
        item = ob.item
        r = row(item.plan_id, ob.agency_id)
        r["due"] += 1
        r["on_time"] += ob.status == ON_TIME
        r["late"] += ob.status == LATE
        r["overdue"] += ob.status == OVERDUE
        r["returned"] += item.returns
        r["verified"] += item.verified
    escalations = dict(Escalation.objects.filter(task__plan_id__in=plan_ids)
                       .values_list("task_id").annotate(n=Count("pk")).order_by())
    for task_id, plan_id, agency_id in (Assignment.objects
                                        .filter(task__plan_id__in=plan_ids, active=True,
                                                role=LEAD,
                                                task__plan__state=Plan.State.DISPATCHED)
                                        .values_list("task_id", "task__plan_id", "agency_id")):
        r = row(plan_id, agency_id)
        r["tasks"] += 1
        r["escalations"] += escalations.get(task_id, 0)
    return rows


def ranking_sum(per_plan: list[dict]) -> list[dict]:
    """The agency ranking's rows ({agency id: counts} of each plan, added up), with the
    agencies' names and on-time rates."""
    rows: dict[int, dict] = {}
    for ranking in per_plan:
        for agency_id, counts in ranking.items():
            r = rows.get(agency_id)
            if r is None:
                rows[agency_id] = {"pk": agency_id, **counts}
            else:
                for key in RANKING_COUNTS:
                    r[key] += counts[key]
    names = dict(Agency.objects.filter(pk__in=list(rows)).values_list("pk", "name"))
    for r in rows.values():
        r["name"] = names.get(r["pk"], "")
        r["on_time_rate"] = _pct(r["on_time"], r["on_time"] + r["late"] + r["overdue"])
    return list(rows.values())


def agency_ranking(book: Ledger, plan_ids: list[int]) -> list[dict]:
    """The agency ranking straight from a ledger (no cache)."""
    per_plan = defaultdict(dict)
    for (plan_id, agency_id), counts in _ranking_rows(book, plan_ids).items():
        per_plan[plan_id][agency_id] = counts
    return ranking_sum(list(per_plan.values()))


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


def place_ranking(rows: list[dict]) -> list[dict]:
    """Each agency's place (名次) by on-time rate, whatever the sort shown: equal rates share
    it (并列, lib.ranking); an agency with no report due yet has none."""
    for r in rows:
        r["rank"], r["tied"] = None, False
    rated = sorted((r for r in rows if r["on_time_rate"] is not None),
                   key=lambda r: (-r["on_time_rate"], r["name"]))
    rank(rated, key=lambda r: r["on_time_rate"])
    return rows


def _ranking(per_plan: list[dict], plan_id, sort):
    rows = place_ranking(ranking_sum(per_plan))
    for r in rows:
        r["url"] = scorecard_url(r["pk"], plan_id)
    rows, sort = sort_ranking(rows, sort)
    return rows, sort


def _chart(totals: Counts, sections: list[dict]) -> dict:
    return {"lights": [{"key": k, "name": str(LIGHT_LABELS[k]), "value": totals.lights[k]}
                       for k in (*LIGHTS, NO_LIGHT)],
            "labels": {"verified": str(_("Tasks verified (%)")),
                       "submitted": str(_("Tasks with a submitted report (%)"))},
            "sections": [{"name": s["name"], "verified": s["verified_pct"],
                          "submitted": s["submitted_pct"]} for s in sections]}


def dashboard_ledger(plan_ids, on_date: date) -> Ledger:
    """The dashboards' scope: the open periods started by on_date, with returns counted."""
    return ledger(plan_ids=plan_ids, on_date=on_date, open_periods=True, started_by=on_date,
                  returns=True)


# ---- the two dashboards -----------------------------------------------------------------------

def plan_dashboard(plan: Plan, on_date: date, *, sort: str | None = None) -> dict:
    data = plans_figures([plan], on_date)[plan.pk]
    figures = _plan_figures(plan, data)
    ranking, sort = _ranking([data["ranking"]], plan.pk, sort)
    # The bulletins link: the current period, or once every period is closed, the latest.
    bulletin_period = current_period(ReportingPeriod.objects.filter(plan=plan), on_date)
    return {"plan": plan, "on_date": on_date, "figures": figures, "figures_list": [figures],
            "periods_key": figures.cache_key,
            "bulletin_period": bulletin_period,
            "links": {"all": list_url(plan.pk), "overdue": overdue_url(plan.pk)},
            "ranking": ranking, "sort": sort, "columns": ranking_columns(sort),
            "indicators": plan_indicators(plan, on_date),
            "chart": _chart(figures.totals, figures.sections)}


ITEMS = "items"  # every source but imported plans: the items registered outside a plan
SOURCE_CHOICES = [(ITEMS, _("Items outside a plan (立项)")), *Plan.Source.choices]


def by_source(plans, source: str | None):
    """The plans of a source kind (Plan.Source), or every item container (ITEMS)."""
    if source == ITEMS:
        return plans.exclude(source_kind=Plan.Source.PLAN)
    if source in Plan.Source.values:
        return plans.filter(source_kind=source)
    return plans


def office_dashboard(user, on_date: date, *, sort: str | None = None,
                     source: str | None = None) -> dict:
    """The same figures across every plan the user reads (as the office or a leader), or the
    plans of one source (`source`: a Plan.Source, or ITEMS). Plans not yet dispatched are
    listed apart and count in no total.

    The plans' figures, their totals and the ranking are kept together in the cache under the
    day and the stamps of all the plans shown: while none changes, the page reads them in one
    get."""
    plans = list(by_source(plans_readable_by(user), source).order_by("-imported_at", "-pk"))
    running = [p for p in plans if p.state != Plan.State.DRAFT]
    stamps = figures_stamps([p.pk for p in running])
    key = "dashboard-office:" + hashlib.sha256(
        (on_date.isoformat() + "|" + ",".join(f"{p.pk}:{stamps[p.pk]}" for p in running))
        .encode()).hexdigest()[:40]
    summary = _cache_get_many([key]).get(key)
    if summary is None:
        data = plans_figures(running, on_date, stamps)
        figures = [_plan_figures(p, data[p.pk]) for p in running]
        totals = PlanFigures(plan=None, dispatched=True)
        for fig in figures:
            totals.totals.merge(fig.totals)
            for state, n in fig.task_states.items():
                totals.task_states[state] += n
        ranking = place_ranking(ranking_sum([data[p.pk]["ranking"] for p in running]))
        for r in ranking:
            r["url"] = scorecard_url(r["pk"])
        links = [{"all": list_url(fig.plan.pk), "overdue": overdue_url(fig.plan.pk)}
                 for fig in figures]
        summary = {"figures": figures, "links": links, "totals": totals, "ranking": ranking}
        _cache_set_many({key: summary})
    figures = summary["figures"]
    ranking, sort = sort_ranking(summary["ranking"], sort)
    return {"on_date": on_date, "plans": list(zip(figures, summary["links"], strict=True)),
            "period_plans": figures, "periods_key": key,
            "drafts": [p for p in plans if p.state == Plan.State.DRAFT],
            "totals": summary["totals"], "ranking": ranking, "sort": sort,
            "columns": ranking_columns(sort), "chart": _chart(summary["totals"].totals, []),
            "overdue_url": overdue_url(), "source": source if source in dict(SOURCE_CHOICES)
            else "", "source_choices": SOURCE_CHOICES,
            "coordination": open_matters(plan_ids=[p.pk for p in plans], on_date=on_date)}


def count_by_period(book: Ledger) -> dict:
    """{period id: Counts} — the figures the property tests compare with the other pages."""
    result = defaultdict(Counts)
    for item in book.items:
        result[item.period_id].add(item)
    return dict(result)

