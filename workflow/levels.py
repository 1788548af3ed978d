"""Escalation levels by name: 提醒, 催办, 督办, 通报 — never "2/4".

A task's escalation level is the order of a tier of its plan's ladder (EscalationTier); the
tier's name is what every page, export, email and bulletin shows. A plan without tiers uses
the default ladder's names (workflow.periods.DEFAULT_TIERS). `level_names(plan_ids)` reads
the ladders of many plans in one query; `LevelNames.name(plan_id, level)` answers.
"""
from __future__ import annotations

from collections import defaultdict

from django.utils.translation import gettext as _

from .models import EscalationTier
from .periods import DEFAULT_TIERS

DEFAULT_NAMES = {order: name for order, name, *_rest in DEFAULT_TIERS}
NONE = "—"


class LevelNames:
    """The names of each plan's levels; a plan without tiers has the default names."""

    def __init__(self, rows=(), plan_ids=()):
        self._only = plan_ids[0] if len(plan_ids) == 1 else None
        self._names: dict[int, dict[int, str]] = defaultdict(dict)
        for plan_id, order, name in rows:
            self._names[plan_id][order] = name

    def ladder(self, plan_id: int | None = None) -> dict[int, str]:
        """A plan's levels by order; without plan_id, the one plan these names were read for."""
        return self._names.get(plan_id if plan_id is not None else self._only) or DEFAULT_NAMES

    def name(self, plan_id: int | None, level: int | None) -> str:
        """The tier's name; level 0 (not escalated) is "—"; a level above the plan's ladder
        (its tiers were cut after the fact) is named by the highest tier below it."""
        if not level:
            return NONE
        ladder = self.ladder(plan_id)
        if level in ladder:
            return ladder[level]
        below = [order for order in ladder if order < level]
        return ladder[max(below)] if below else _("level %(n)s") % {"n": level}

    def of(self, obj) -> str:
        """A task (its escalation_level) or an escalation (its level, its task's plan)."""
        if hasattr(obj, "escalation_level"):
            return self.name(obj.plan_id, obj.escalation_level)
        return self.name(obj.task.plan_id, obj.level)


def level_names(plan_ids) -> LevelNames:
    """The ladders of these plans, in one query."""
    plan_ids = list(plan_ids)
    return LevelNames(EscalationTier.objects.filter(plan_id__in=plan_ids)
                      .values_list("plan_id", "order", "name"), plan_ids)


def level_name(plan_id: int | None, level: int | None) -> str:
    """One level of one plan by name (one query; use level_names() for a list)."""
    return level_names([plan_id]).name(plan_id, level)
