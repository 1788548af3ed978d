"""When the dashboards' figures of a plan go stale: a stamp per plan (FiguresStamp).

The dashboards (supervision.dashboard) keep each plan's figures — computed by the ledger
(workflow.obligations), never by a second copy of its rules — in the cache under the plan's
stamp and the day; `figures_changed()` draws a new stamp, in the caller's transaction, at
every change the ledger reads:

- a report's, task's, plan's, period's, assignment's, contribution's, section's or escalation's
  save or deletion (signals below, connected in WorkflowConfig.ready);
- the services' bulk writes, which send no signals (they call figures_changed themselves:
  dispatch and reassignment, generated periods and the plan's term, closing and reopening a
  period, the sweep's escalations, agency merges);
- a day of the working-day calendar entered or deleted: every plan (overdue days, lights);
- an agency saved again (renamed): the plans it works on (their rankings show its name).

A new day needs no stamp: the day is part of the cache key.
"""
from __future__ import annotations

import secrets

from django.db.models.signals import post_delete, post_save

from agencies.models import Agency
from tasks.models import Plan, Section, Task

from .models import (
    Assignment,
    CalendarDay,
    Contribution,
    Escalation,
    ExtensionRequest,
    FiguresStamp,
    ProgressReport,
    ReportingPeriod,
)


def figures_changed(plan_ids=None, *, task_ids=None) -> None:
    """The figures of these plans (ids or a queryset of ids), or of the plans of these tasks,
    or of every plan (neither given), are stale: one UPDATE."""
    stamps = FiguresStamp.objects.all()
    if task_ids is not None:
        stamps = stamps.filter(plan__tasks__in=task_ids)
    elif plan_ids is not None:
        stamps = stamps.filter(plan_id__in=plan_ids)
    # Distinct plans through the join: UPDATE … WHERE plan_id IN (subquery).
    FiguresStamp.objects.filter(pk__in=stamps.values("pk")).update(token=secrets.token_hex(16))


def figures_stamps(plan_ids) -> dict[int, str]:
    """{plan id: token}, the rows missing made (one query, three the first time)."""
    plan_ids = list(plan_ids)
    stamps = _stamps_read(plan_ids)
    missing = [pk for pk in plan_ids if pk not in stamps]
    if missing:
        FiguresStamp.objects.bulk_create(
            [FiguresStamp(plan_id=pk, token=secrets.token_hex(16)) for pk in missing],
            ignore_conflicts=True)
        stamps = _stamps_read(plan_ids)
    return stamps


def _stamps_read(plan_ids) -> dict[int, str]:
    return dict(FiguresStamp.objects.filter(plan_id__in=plan_ids).values_list("plan_id", "token"))


# ---- signals: the saves and deletions one model instance at a time ----------------------------

def _plan_changed(sender, instance, created=False, **kwargs):
    if created:  # its stamp from the start: the dashboards' first read makes none
        FiguresStamp.objects.create(plan=instance, token=secrets.token_hex(16))
    else:
        figures_changed([instance.pk])


def _plan_of_changed(sender, instance, **kwargs):
    figures_changed([instance.plan_id])


def _task_of_changed(sender, instance, **kwargs):
    figures_changed(task_ids=[instance.task_id])


def _calendar_changed(sender, instance, **kwargs):
    figures_changed()


def _agency_renamed(sender, instance, created=False, **kwargs):
    if not created:  # its name is in the rankings of the plans it works on
        figures_changed(Assignment.objects.filter(agency_id=instance.pk)
                        .values("task__plan_id"))


RECEIVERS = [
    (Plan, _plan_changed),
    (Task, _plan_of_changed),
    (Section, _plan_of_changed),
    (ReportingPeriod, _plan_of_changed),
    (ProgressReport, _task_of_changed),
    (Assignment, _task_of_changed),
    (Contribution, _task_of_changed),
    (Escalation, _task_of_changed),
    (ExtensionRequest, _task_of_changed),  # an accepted one moves a due date (rule 11)
    (CalendarDay, _calendar_changed),
    (Agency, _agency_renamed),
]


def figures_signals_connect() -> None:
    for model, receiver in RECEIVERS:
        uid = f"figures-{model._meta.label}"
        post_save.connect(receiver, sender=model, dispatch_uid=uid)
        post_delete.connect(receiver, sender=model, dispatch_uid=uid)
