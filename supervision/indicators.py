"""Indicators against their targets (主要预期目标): the share of the target reached and the
share of the plan's term elapsed, as plain functions, and a plan's indicator table.

- target_reached_pct: how much of a target a value reaches (cumulative, % change, lower is
  better);
- term_elapsed_pct: how much of the plan's term has passed;
- indicator_light: red when reached% lags elapsed% by more than 25 points, yellow by 10.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date
from decimal import Decimal

from tasks.models import Indicator, Plan, Target, Task
from workflow.models import IndicatorValue, ProgressReport
from workflow.obligations import GREEN, LIGHTS, NO_LIGHT, RED, YELLOW
from workflow.visibility import indicator_values_sent

State = ProgressReport.State


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


def plan_indicators(plan: Plan, on_date: date) -> dict:
    """One row per indicator (latest verified value, else the latest, marked unverified) and
    light counts per target: a target shared by several indicators counts once (its worst)."""
    indicators = list(Indicator.objects.filter(plan=plan).select_related("target")
                      .order_by("order"))
    links = defaultdict(set)
    for task_id, indicator_id in Task.indicators.through.objects.filter(
            indicator__plan=plan).values_list("task_id", "indicator_id"):
        links[indicator_id].add(task_id)
    verified = set(ProgressReport.objects.filter(task__plan=plan, state=State.VERIFIED)
                   .values_list("task_id", "period_id").order_by())
    values = defaultdict(list)
    for value in (indicator_values_sent(IndicatorValue.objects.filter(indicator__plan=plan))
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
