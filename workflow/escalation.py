"""催办 and 督办 by hand: the office chases a task with its own text.

A 催办 raises the task's escalation level one step up the plan's ladder (提醒 → 催办 → 督办 →
通报; never past its top); a 督办 raises it to the plan's 督办 tier (by name; 3 when the plan
has no such tier) if it is below. Each is recorded as an Escalation (shown in the task's
timeline), and
reaches the lead agency's reporters and head in the app and by email — the email through the
outbox, in the same transaction, so it is sent once the escalation is saved and never without it.
"""
from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from agencies.permissions import may_supervise
from tasks.models import Plan, Task, TaskAgency

from .errors import WorkflowError
from .levels import level_names
from .models import Assignment, Escalation, ReportingPeriod
from .recipients import agency_tell

Kind = Escalation.Kind
# The tier a manual notice is named after, and its level when the plan has no such tier.
TIER_NAMES = {Kind.URGE: ("催办", 2), Kind.SUPERVISE: ("督办", 3)}


def raised_level(*, kind: str, current: int, ladder: dict[int, str]) -> int:
    """The level after the office's notice: a 催办 one level up (at most the ladder's top), a
    督办 at least the 督办 tier; neither ever lowers it."""
    top = max(ladder, default=current)
    if kind == Kind.URGE:
        return max(current, min(current + 1, top))
    name, fallback = TIER_NAMES[kind]
    order = next((o for o, n in ladder.items() if n == name), fallback)
    return max(current, order)


def task_escalate(*, task: Task, by, kind: str, text: str,
                  period: ReportingPeriod | None = None) -> Escalation:
    """The office's 催办 (urge) or 督办 (formal supervision notice) on a task."""
    if not may_supervise(task.plan, by):
        raise WorkflowError(_("You are not allowed to do this."))
    if kind not in TIER_NAMES:
        raise WorkflowError(_("Choose 催办 or 督办."))
    text = (text or "").strip()
    if not text:
        raise WorkflowError(_("Write the text of the notice: the agency reads it."))
    if task.plan.state != Plan.State.DISPATCHED:
        raise WorkflowError(_("The plan has not been dispatched: no agency has this task yet."))
    if not Assignment.objects.filter(task=task, active=True, role=TaskAgency.Role.LEAD).exists():
        raise WorkflowError(_("The task has no lead agency to chase; assign one first."))
    if period is not None and period.plan_id != task.plan_id:
        raise WorkflowError(_("This reporting period belongs to another plan."))
    names = level_names([task.plan_id])
    ladder = names.ladder(task.plan_id)
    with transaction.atomic():
        current = Task.objects.select_for_update().values_list(
            "escalation_level", flat=True).get(pk=task.pk)
        level = raised_level(kind=kind, current=current, ladder=ladder)
        escalation = Escalation.objects.create(task=task, period=period, level=level, kind=kind,
                                               text=text, by=by)
        if level > current:
            Task.objects.filter(pk=task.pk).update(escalation_level=level)
        task.escalation_level = level
        url = reverse("workflow:task", args=[task.pk])
        label = escalation.get_kind_display()
        agency_tell(
            task.assignments.filter(active=True, role=TaskAgency.Role.LEAD)
            .values_list("agency", flat=True),
            kind="escalation", about=escalation, task=task,
            text=_("%(kind)s on: %(task)s") % {"kind": label, "task": task.content[:40]}
            + f" — {escalation.text}", by=by,
            url=f"{url}?period={period.pk}" if period is not None else url,
            context={"kind": kind, "kind_label": label, "level": escalation.level,
                     "level_name": names.name(task.plan_id, level), "text": escalation.text,
                     "period_label": period.label if period else ""})
    return escalation
