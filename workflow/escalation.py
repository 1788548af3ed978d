"""催办 and 督办 by hand: the office chases a task with its own text.

Each raises the task's escalation level to the plan's 催办 or 督办 tier (by name; 2 or 3 when
the plan has no such tier), is recorded as an Escalation (shown in the task's timeline), and
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
from .models import Assignment, Escalation, EscalationTier, ReportingPeriod
from .recipients import agency_tell

Kind = Escalation.Kind
# The tier whose order a manual notice raises the level to, and the level without that tier.
TIER_NAMES = {Kind.URGE: ("催办", 2), Kind.SUPERVISE: ("督办", 3)}


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
    name, fallback = TIER_NAMES[kind]
    tier_order = (EscalationTier.objects.filter(plan_id=task.plan_id, name=name)
                  .values_list("order", flat=True).first())
    with transaction.atomic():
        current = Task.objects.select_for_update().values_list(
            "escalation_level", flat=True).get(pk=task.pk)
        level = max(current, tier_order if tier_order is not None else fallback)
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
                     "level_name": name, "text": escalation.text,
                     "period_label": period.label if period else ""})
    return escalation
