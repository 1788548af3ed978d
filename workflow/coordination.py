"""协调事项: a problem an agency cannot solve alone, raised on a task, settled by another.

raise (the task's lead or supporting agency) → assign (the office: to an agency or a leader)
→ answer (that agency's staff, or that leader) → close (the office). Each step is a transition
of CoordinationMatter, logged by django-fsm-log; the answer goes to the raising agency in-app
and by email (the outbox), as the other notices do. A matter owes no report: it is what the
office must settle, counted on the dashboard and in the bulletin by its age in working days.

Who reads a matter is workflow.visibility's rule (coordination_visible_to); anyone else gets
404.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import ConcurrentTransition
from django_fsm_log.models import StateLog

from agencies import permissions
from agencies.models import Agency
from lib.workdays import working_days_between
from notifications.models import Notification
from tasks.models import Task
from tasks.selectors import plans_supervised_by

from . import visibility
from .errors import StaleObject, WorkflowError
from .models import CoordinationMatter, ReportingPeriod
from .recipients import agency_tell
from .services import _require

State = CoordinationMatter.State
NOT_CLOSED = (State.OPEN, State.ASSIGNED, State.ANSWERED)
WAITING = (State.OPEN, State.ASSIGNED)  # waiting for someone to settle it


def _agency_of(user):
    profile = permissions.profile_of(user)
    return profile.agency_id if profile is not None else None


def matter_for_user(user, pk: int, *, write: bool = False) -> CoordinationMatter:
    """The matter (visibility.coordination_or_404); with write, 403 unless its office."""
    matter = visibility.coordination_or_404(user, pk)
    if write and not permissions.may_supervise(matter.task.plan, user):
        raise PermissionDenied
    return matter


def _run(matter: CoordinationMatter, name: str, by, description: str = "", **fields) -> None:
    method = getattr(matter, name)
    for key, value in fields.items():  # the transition's conditions read them
        setattr(matter, key, value)
    try:
        _require(method, by)
    except WorkflowError:
        matter.refresh_from_db()
        raise
    try:
        with transaction.atomic():
            method(by=by, description=description or None)
            matter.save()
    except ConcurrentTransition:
        raise StaleObject(_("This was changed by someone else meanwhile; reload the page.")) \
            from None


def matter_raise(*, task: Task, by, text: str, decision_needed: str,
                 agencies_asked: list[Agency] = (),
                 period: ReportingPeriod | None = None) -> CoordinationMatter:
    """An agency working on the task (lead or supporting) asks the office for coordination."""
    if not (by.has_perm("tasks.report_task", task) or by.has_perm("tasks.contribute_task", task)):
        raise WorkflowError(_("You are not allowed to do this."))
    text, decision_needed = (text or "").strip(), (decision_needed or "").strip()
    if not text or not decision_needed:
        raise WorkflowError(_("Describe the problem and the decision that is needed."))
    if period is not None and period.plan_id != task.plan_id:
        raise WorkflowError(_("You are not allowed to do this."))
    with transaction.atomic():
        matter = CoordinationMatter.objects.create(
            task=task, period=period, raised_by_agency_id=_agency_of(by), raised_by=by,
            text=text, decision_needed=decision_needed)
        matter.agencies_asked.set([a for a in agencies_asked if a.pk != matter.raised_by_agency_id])
    return matter


def matter_assign(*, matter: CoordinationMatter, by, agency: Agency | None = None,
                  person=None, note: str = "") -> CoordinationMatter:
    """The office gives the matter to the agency or the leader who can settle it; they are
    told (in-app and by email)."""
    if (agency is None) == (person is None):
        raise WorkflowError(_("Choose either an agency or a leader."))
    if person is not None and not permissions.is_leader(person):
        raise WorkflowError(_("Choose either an agency or a leader."))
    with transaction.atomic():
        _run(matter, "assign", by, note, assigned_agency=agency, assigned_person=person,
             assigned_at=timezone.now())
        text = _("Coordination asked of you: %(text)s") % {"text": matter.text[:60]}
        if agency is not None:
            # about this assignment's log row: a reassignment is a second notice
            agency_tell([agency.pk], kind="coordination", about=_last_step(matter),
                        task=matter.task,
                        text=text, by=by, url=matter_url(matter),
                        context={"decision_needed": matter.decision_needed})
        else:
            _tell_person(person, matter, text)
    return matter


def _last_step(matter: CoordinationMatter) -> StateLog:
    return StateLog.objects.for_(matter).order_by("-pk").first()


def _tell_person(person, matter, text) -> None:
    Notification.objects.create(recipient=person, text=text[:500], url=matter_url(matter))


def matter_url(matter: CoordinationMatter) -> str:
    return reverse("workflow:coordination-matter", args=[matter.pk])


def matter_answer(*, matter: CoordinationMatter, by, answer: str) -> CoordinationMatter:
    """The agency or leader assigned answers; the raising agency is told, and reads the
    answer on its task page."""
    answer = (answer or "").strip()
    if not answer:
        raise WorkflowError(_("Write the answer first."))
    with transaction.atomic():
        _run(matter, "give_answer", by, answer=answer, answered_by=by,
             answered_at=timezone.now())
        agency_tell([matter.raised_by_agency_id], kind="coordination", about=_last_step(matter),
                    task=matter.task, by=by,
                    text=_("Coordination answered: %(text)s") % {"text": matter.text[:60]},
                    context={"answer": answer, "decision_needed": matter.decision_needed})
    return matter


def matter_close(*, matter: CoordinationMatter, by, note: str = "") -> CoordinationMatter:
    _run(matter, "close", by, note, closed_at=timezone.now())
    return matter


def matter_timeline(matter: CoordinationMatter):
    """Who raised, assigned, answered and closed it, when (its StateLog), oldest first."""
    return list(StateLog.objects.for_(matter).select_related("by").order_by("timestamp", "pk"))


def matters_of_task(user, task: Task):
    """The task page's matters: those on the task the user may read, oldest first."""
    return list(visibility.coordination_visible_to(user, task.coordination.all())
                .select_related("raised_by_agency", "assigned_agency", "assigned_person",
                                "period").order_by("created_at", "pk"))


# ---- what the office sees ----------------------------------------------------------------------

@dataclass
class OpenMatters:
    """Matters not yet closed, in the plans given: how many, and the oldest's age."""
    count: int
    waiting: int  # open or assigned: nobody has answered yet
    oldest_days: int | None
    oldest: CoordinationMatter | None


def matter_age(matter: CoordinationMatter, on_date: date) -> int:
    """Working days since it was raised (China's calendar, lib.workdays)."""
    return working_days_between(timezone.localdate(matter.created_at), on_date)


def open_matters(*, plan_ids, on_date: date | None = None) -> OpenMatters:
    """The dashboard's and the bulletin's figures (two queries)."""
    on_date = on_date or timezone.localdate()
    qs = CoordinationMatter.objects.filter(task__plan_id__in=plan_ids, state__in=NOT_CLOSED)
    oldest = qs.select_related("task").order_by("created_at", "pk").first()
    counts = qs.values_list("state", flat=True)
    states = list(counts)
    return OpenMatters(
        count=len(states), waiting=sum(s in WAITING for s in states),
        oldest_days=matter_age(oldest, on_date) if oldest else None, oldest=oldest)


def office_matters(user):
    """The office's list: the matters of the plans it supervises, not closed first, oldest
    first."""
    return (CoordinationMatter.objects
            .filter(task__plan__in=plans_supervised_by(user).values("pk"))
            .select_related("task__plan", "raised_by_agency", "assigned_agency",
                            "assigned_person", "period")
            .prefetch_related("agencies_asked").order_by("closed_at", "created_at", "pk"))
