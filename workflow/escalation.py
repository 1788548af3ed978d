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

from agencies.models import StaffProfile
from notifications.models import Notification
from notifications.outbox import message_enqueue
from tasks.models import Task, TaskAgency, may_supervise

from .models import Escalation, EscalationTier, ReportingPeriod
from .services import WorkflowError

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
        _tell_lead_agencies(escalation, task, period)
    return escalation


def _tell_lead_agencies(escalation: Escalation, task: Task, period) -> None:
    leads = task.assignments.filter(active=True, role=TaskAgency.Role.LEAD).values("agency")
    profiles = (StaffProfile.objects
                .filter(agency__in=leads, role__in=[StaffProfile.Role.REPORTER,
                                                    StaffProfile.Role.HEAD],
                        user__is_active=True)
                .select_related("user", "agency").order_by("user_id"))
    url = reverse("workflow:task", args=[task.pk])
    if period is not None:
        url = f"{url}?period={period.pk}"
    label = escalation.get_kind_display()
    notice = _("%(kind)s on: %(task)s") % {"kind": label, "task": task.content[:40]}
    Notification.objects.bulk_create([
        Notification(recipient=p.user, text=f"{notice} — {escalation.text}"[:500], url=url)
        for p in profiles
    ])
    by = escalation.by
    for profile in profiles:
        user = profile.user
        message_enqueue(
            recipient=user, key=f"escalation|{escalation.pk}|{user.pk}", template="escalation",
            context={
                "escalation": escalation, "kind": escalation.kind, "kind_label": label,
                "level": escalation.level, "text": escalation.text, "task": task,
                "plan": task.plan, "period": period, "agency": profile.agency,
                "by": (by.get_full_name() or by.get_username()) if by else "",
                "url": url, "recipient": user,
            },
        )
