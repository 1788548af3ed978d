"""Who may read which object: one rule per kind of object, written once here.

Every page, download, list, export, email and the admin asks this module; none re-derives the
rule. Each kind has a queryset filter (`reports_visible_to(user, qs)`), a predicate
(`report_visible_to(user, report)`) that is the same filter applied to the one row — so the
two cannot disagree — and, for views, a lookup that answers 404 (`report_or_404(user, pk)`):
another agency's object does not reveal that it exists.

The rule (issue 10):

- A task is seen by the agencies assigned to it and by the plan's office and leaders
  (tasks.selectors.tasks_visible_to). Nothing below is seen by anyone who cannot see its task.
- Report (the lead agency's): the lead agency (any agency leading the task: report_task
  permission) sees it in every state. Everyone else who sees the task — supporting agencies,
  the office, the director, leaders — sees it only once it has been sent on (SENT: submitted,
  returned, verified), never while it is a draft or awaits the agency head's sign-off.
- Contribution (配合单位材料): its own agency sees it always; the lead agency, the office and
  leaders once it is submitted. Other supporting agencies never see it.
- Attachment: follows the report or contribution it hangs on.
- Indicator value: entered with the lead's report, it follows that report: a lead agency of a
  task linked to the indicator sees it at once; everyone else who sees a linked task (or the
  plan whole) once a report of a linked task for that period has been sent. Dashboards,
  bulletins and the assessment count only sent values (indicator_values_sent).
- Instruction (领导批示): whoever sees its task — and, when it is about a report, that report.
- Bulletin (督查通报, files per period): the plan's office and leaders.
- Extension request (延期申请) and supervision slip (督办单): the agency that asked (or that
  the slip is addressed to), on a task it works on; and the plan's office and leaders.
  Another agency — a co-lead or supporting agency included — does not see them.
- Coordination matter (协调事项): the plan's office and leaders, the leader it is assigned to,
  and the staff of the agency that raised it, of the agencies asked and of the agency assigned.

A superuser is granted every object permission by Django and guardian, so sees everything;
model-wide permissions of an ordinary staff user open nothing here (accept_global_perms=False).
"""
from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from agencies.permissions import REPORT_TASK
from tasks.models import Indicator, Task
from tasks.selectors import (
    objects_for_user,
    plans_readable_by,
    tasks_of_agency_user,
    tasks_visible_to,
)

from .models import (
    Attachment,
    Contribution,
    CoordinationMatter,
    ExtensionRequest,
    IndicatorValue,
    Instruction,
    ProgressReport,
    ReportingPeriod,
    SupervisionSlip,
)

State = ProgressReport.State
# Sent on out of the lead agency: to the office (and back, when returned).
SENT = (State.SUBMITTED, State.RETURNED, State.VERIFIED)
# Still inside the lead agency: only it reads the content.
UNSENT = (State.DRAFT, State.AWAITING_SIGNOFF)


# ---- the building blocks: which tasks and plans, as subqueries -------------------------------

def lead_tasks(user) -> QuerySet[Task]:
    """Tasks the user's agency leads (report_task), whatever the report's state."""
    return objects_for_user(user, [REPORT_TASK], Task, any_perm=False)


def _pks(qs) -> QuerySet:
    return qs.values("pk")


def _anonymous(user) -> bool:
    return not user.is_authenticated


def _agency_id(user) -> int | None:
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    return getattr(profile, "agency_id", None)


# ---- reports --------------------------------------------------------------------------------

def reports_visible_to(user, qs: QuerySet | None = None) -> QuerySet[ProgressReport]:
    qs = ProgressReport.objects.all() if qs is None else qs
    if _anonymous(user):
        return qs.none()
    return qs.filter(
        Q(task__in=_pks(lead_tasks(user)))
        | Q(state__in=SENT, task__in=_pks(tasks_visible_to(user)))
    )


def report_visible_to(user, report: ProgressReport) -> bool:
    return reports_visible_to(user, ProgressReport.objects.filter(pk=report.pk)).exists()


def report_or_404(user, pk, qs: QuerySet | None = None) -> ProgressReport:
    qs = ProgressReport.objects.select_related("task__plan", "period", "agency") if qs is None \
        else qs
    return _one_or_404(reports_visible_to(user, qs), pk)


def report_steps_inside_visible_to(user, task: Task) -> bool:
    """Whether the user sees a report's steps inside the lead agency (sent for sign-off, sent
    back by the head with the head's reason): the lead agency only. Others see the steps whose
    target is SENT (submitted, signed off, returned, verified)."""
    if _anonymous(user):
        return False
    return lead_tasks(user).filter(pk=task.pk).exists()


def report_steps_visible_to(user, task: Task, logs: QuerySet) -> QuerySet:
    """A report's state log (django-fsm-log StateLog rows) as the user may read it."""
    if report_steps_inside_visible_to(user, task):
        return logs
    return logs.filter(state__in=SENT)


# ---- contributions --------------------------------------------------------------------------

def contributions_visible_to(user, qs: QuerySet | None = None) -> QuerySet[Contribution]:
    qs = Contribution.objects.all() if qs is None else qs
    if _anonymous(user):
        return qs.none()
    sent_to = (Q(task__in=_pks(lead_tasks(user)))
               | Q(task__plan__in=_pks(plans_readable_by(user))))
    own = Q(pk__in=[])
    agency_id = _agency_id(user)
    if agency_id is not None:
        # Its own agency's staff (reporters and heads on the task, not the office's staff
        # who happen to work for the same agency).
        own = Q(agency_id=agency_id, task__in=_pks(tasks_of_agency_user(user)))
    return qs.filter(own | (Q(submitted_at__isnull=False) & sent_to))


def contribution_visible_to(user, contribution: Contribution) -> bool:
    return contributions_visible_to(
        user, Contribution.objects.filter(pk=contribution.pk)).exists()


def contribution_or_404(user, pk, qs: QuerySet | None = None) -> Contribution:
    qs = Contribution.objects.select_related("task__plan", "period", "agency") if qs is None \
        else qs
    return _one_or_404(contributions_visible_to(user, qs), pk)


# ---- attachments ----------------------------------------------------------------------------

def attachments_visible_to(user, qs: QuerySet | None = None) -> QuerySet[Attachment]:
    qs = Attachment.objects.all() if qs is None else qs
    if _anonymous(user):
        return qs.none()
    return qs.filter(
        Q(report__in=_pks(reports_visible_to(user)))
        | Q(contribution__in=_pks(contributions_visible_to(user)))
    )


def attachment_visible_to(user, attachment: Attachment) -> bool:
    return attachments_visible_to(user, Attachment.objects.filter(pk=attachment.pk)).exists()


def attachment_or_404(user, pk, qs: QuerySet | None = None) -> Attachment:
    qs = Attachment.objects.select_related("report", "contribution") if qs is None else qs
    return _one_or_404(attachments_visible_to(user, qs), pk)


# ---- indicator values -----------------------------------------------------------------------

def _sent_report_of_value() -> Exists:
    return Exists(ProgressReport.objects.filter(
        task__indicators=OuterRef("indicator_id"), period=OuterRef("period_id"),
        state__in=SENT))


def indicator_values_sent(qs: QuerySet | None = None) -> QuerySet[IndicatorValue]:
    """Values a report of a linked task has carried out of the lead agency, for that period:
    what the office's figures (dashboards, bulletins, assessment) may count."""
    qs = IndicatorValue.objects.all() if qs is None else qs
    return qs.filter(_sent_report_of_value())


def indicator_values_visible_to(user, qs: QuerySet | None = None) -> QuerySet[IndicatorValue]:
    qs = IndicatorValue.objects.all() if qs is None else qs
    if _anonymous(user):
        return qs.none()
    led = Indicator.objects.filter(tasks__in=_pks(lead_tasks(user))).values("pk")
    seen = Indicator.objects.filter(
        Q(tasks__in=_pks(tasks_visible_to(user))) | Q(plan__in=_pks(plans_readable_by(user)))
    ).values("pk")
    return qs.filter(Q(indicator__in=led) | (Q(indicator__in=seen) & _sent_report_of_value()))


def indicator_value_visible_to(user, value: IndicatorValue) -> bool:
    return indicator_values_visible_to(
        user, IndicatorValue.objects.filter(pk=value.pk)).exists()


# ---- instructions ---------------------------------------------------------------------------

def instructions_visible_to(user, qs: QuerySet | None = None) -> QuerySet[Instruction]:
    qs = Instruction.objects.all() if qs is None else qs
    if _anonymous(user):
        return qs.none()
    return qs.filter(task__in=_pks(tasks_visible_to(user))).filter(
        Q(report__isnull=True) | Q(report__in=_pks(reports_visible_to(user))))


def instruction_visible_to(user, instruction: Instruction) -> bool:
    return instructions_visible_to(
        user, Instruction.objects.filter(pk=instruction.pk)).exists()


# ---- coordination matters (协调事项) ----------------------------------------------------------

def coordination_visible_to(user, qs: QuerySet | None = None) -> QuerySet[CoordinationMatter]:
    qs = CoordinationMatter.objects.all() if qs is None else qs
    if _anonymous(user):
        return qs.none()
    rule = Q(task__plan__in=_pks(plans_readable_by(user))) | Q(assigned_person=user)
    agency_id = _agency_id(user)
    if agency_id is not None:
        rule |= (Q(raised_by_agency_id=agency_id) | Q(assigned_agency_id=agency_id)
                 | Q(agencies_asked=agency_id))
    # agencies_asked is a join: the pk subquery keeps one row per matter.
    return qs.filter(pk__in=CoordinationMatter.objects.filter(rule).values("pk"))


def coordination_matter_visible_to(user, matter: CoordinationMatter) -> bool:
    return coordination_visible_to(
        user, CoordinationMatter.objects.filter(pk=matter.pk)).exists()


def coordination_or_404(user, pk) -> CoordinationMatter:
    return _one_or_404(coordination_visible_to(user, CoordinationMatter.objects.select_related(
        "task__plan", "raised_by_agency", "assigned_agency", "assigned_person", "period",
        "raised_by", "answered_by")), pk)


# ---- bulletins (files per reporting period) ---------------------------------------------------

def bulletin_periods_visible_to(user, qs: QuerySet | None = None) -> QuerySet[ReportingPeriod]:
    """Periods whose bulletins the user reads: the plan's office and leaders."""
    qs = ReportingPeriod.objects.all() if qs is None else qs
    if _anonymous(user):
        return qs.none()
    return qs.filter(plan__in=_pks(plans_readable_by(user)))


def bulletin_visible_to(user, period: ReportingPeriod) -> bool:
    return bulletin_periods_visible_to(
        user, ReportingPeriod.objects.filter(pk=period.pk)).exists()


def bulletin_period_or_404(user, pk) -> ReportingPeriod:
    return _one_or_404(
        bulletin_periods_visible_to(user, ReportingPeriod.objects.select_related("plan")), pk)


# ---- extension requests and supervision slips (an agency's own, and the plan's readers) ------

def _own_agency_or_plan(user, qs: QuerySet) -> QuerySet:
    if _anonymous(user):
        return qs.none()
    own = Q(pk__in=[])
    agency_id = _agency_id(user)
    if agency_id is not None:
        own = Q(agency_id=agency_id, task__in=_pks(tasks_of_agency_user(user)))
    return qs.filter(own | Q(task__plan__in=_pks(plans_readable_by(user))))


def extensions_visible_to(user, qs: QuerySet | None = None) -> QuerySet[ExtensionRequest]:
    return _own_agency_or_plan(user, ExtensionRequest.objects.all() if qs is None else qs)


def extension_or_404(user, pk) -> ExtensionRequest:
    return _one_or_404(extensions_visible_to(user, ExtensionRequest.objects.select_related(
        "task__plan", "period", "agency", "requested_by", "decided_by")), pk)


def slips_visible_to(user, qs: QuerySet | None = None) -> QuerySet[SupervisionSlip]:
    return _own_agency_or_plan(user, SupervisionSlip.objects.all() if qs is None else qs)


def slip_or_404(user, pk) -> SupervisionSlip:
    return _one_or_404(slips_visible_to(user, SupervisionSlip.objects.select_related(
        "task__plan", "period", "agency", "office_agency", "escalation", "issued_by",
        "acknowledged_by")), pk)


# ---- for views ------------------------------------------------------------------------------

def _one_or_404(qs: QuerySet, pk):
    """The visible row with this pk, or Http404 — the same answer whether it does not exist or
    belongs to someone else."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def visible_or_404(visible: bool) -> None:
    """For a view holding an object already: 404 unless the predicate said yes."""
    if not visible:
        raise Http404
