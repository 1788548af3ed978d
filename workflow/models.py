"""Assignments, reporting periods, progress reports and what hangs on them.

Every state change goes through a django-fsm-2 transition; django-fsm-log writes who, when,
from, to and the comment to its append-only StateLog. Services (workflow/services.py) run the
transitions: calling one does not check its permission, the service does.
"""
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from agencies.models import Agency, AgencyGroup
from tasks.models import Indicator, Plan, Task, TaskAgency, may_supervise

Role = TaskAgency.Role


class Assignment(models.Model):
    """One agency's part in one task, created at dispatch. Reassignment ends it (history kept)."""

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="assignments"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="assignments"
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    via_group = models.ForeignKey(
        AgencyGroup, verbose_name=_("through the group"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("assigned at"), auto_now_add=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    end_reason = models.TextField(_("reason it ended"), blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("acknowledged by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["task", "role", "agency__name"]
        constraints = [
            # One live assignment per task and agency; ended ones stay as history.
            models.UniqueConstraint(
                fields=["task", "agency"], condition=Q(active=True),
                name="workflow_assignment_one_active",
            ),
        ]
        indexes = [
            # 签收 chasing: live assignments not yet acknowledged.
            models.Index(
                fields=["created_at"], condition=Q(active=True, acknowledged_at=None),
                name="workflow_assignment_unacked",
            ),
        ]

    def __str__(self):
        return f"{self.agency} · {self.get_role_display()} · {self.task}"


class ReportingPeriod(models.Model):
    """A period the agencies report on (the reminders issue generates them; entered by hand now)."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="periods"
    )
    label = models.CharField(_("label"), max_length=50)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    due_on = models.DateField(_("due on"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("reporting period")
        verbose_name_plural = _("reporting periods")
        ordering = ["plan", "starts_on"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "label"], name="workflow_period_unique_label"),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="workflow_period_ends_after"
            ),
        ]

    def __str__(self):
        return self.label

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


def _may_report(report, user) -> bool:
    return user.has_perm("tasks.report_task", report.task)


def _may_sign_off(report, user) -> bool:
    return user.has_perm("tasks.signoff_task", report.task)


def _may_supervise_report(report, user) -> bool:
    return may_supervise(report.task.plan, user)


class ProgressReport(ConcurrentTransitionMixin, models.Model):
    """填报: the lead agency's report for one task and one period."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        AWAITING_SIGNOFF = "awaiting_signoff", _("Awaiting sign-off")
        SUBMITTED = "submitted", _("Submitted")
        RETURNED = "returned", _("Returned")
        VERIFIED = "verified", _("Verified")

    class Completion(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="reports"
    )
    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("period"), on_delete=models.PROTECT,
        related_name="reports",
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("reporting agency"), on_delete=models.PROTECT,
        related_name="reports",
    )
    state = FSMField(_("state"), choices=State.choices, default=State.DRAFT, protected=True)
    progress = models.TextField(_("progress"), blank=True)
    completion = models.CharField(
        _("completion"), max_length=12, choices=Completion.choices,
        default=Completion.IN_PROGRESS,
    )
    problems = models.TextField(_("problems met"), blank=True)
    next_steps = models.TextField(_("next steps"), blank=True)
    return_reason = models.TextField(_("reason for return"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    late = models.BooleanField(_("submitted late"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["period__starts_on", "task__order"]
        constraints = [
            models.UniqueConstraint(fields=["task", "period"],
                                    name="workflow_report_one_per_period"),
        ]
        indexes = [
            # The office's review queue: submitted reports, oldest first.
            models.Index(fields=["submitted_at"], condition=Q(state="submitted"),
                         name="workflow_report_queue"),
        ]

    def __str__(self):
        return f"{self.task} · {self.period}"

    def needs_signoff(self) -> bool:
        return self.task.plan.requires_signoff

    def goes_straight_to_office(self) -> bool:
        return not self.task.plan.requires_signoff

    def period_open(self) -> bool:
        return not self.period.is_closed

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=[State.DRAFT, State.RETURNED], target=State.SUBMITTED,
                conditions=[goes_straight_to_office], permission=_may_report)
    def submit(self, by=None, description=None):
        """报送 to the office."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=[State.DRAFT, State.RETURNED],
                target=State.AWAITING_SIGNOFF, conditions=[needs_signoff],
                permission=_may_report)
    def request_signoff(self, by=None, description=None):
        """To the agency head first, when the plan asks for sign-off."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.AWAITING_SIGNOFF, target=State.SUBMITTED,
                permission=_may_sign_off)
    def sign_off(self, by=None, description=None):
        """The agency head signs and the report goes to the office."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.AWAITING_SIGNOFF, target=State.DRAFT,
                permission=_may_sign_off)
    def send_back(self, by=None, description=None):
        """The agency head sends it back to the reporter, with a reason."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.SUBMITTED, target=State.VERIFIED,
                permission=_may_supervise_report)
    def verify(self, by=None, description=None):
        """审核通过."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.SUBMITTED, target=State.RETURNED,
                permission=_may_supervise_report)
    def return_for_revision(self, by=None, description=None):
        """退回, with a reason (the description)."""


class IndicatorValue(models.Model):
    """A figure for an indicator and a period, entered once and shown on every linked task."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="values"
    )
    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("period"), on_delete=models.PROTECT,
        related_name="indicator_values",
    )
    value = models.DecimalField(_("value"), max_digits=20, decimal_places=4)
    note = models.CharField(_("note"), max_length=300, blank=True)
    agency = models.ForeignKey(
        Agency, verbose_name=_("reported by agency"), on_delete=models.PROTECT, related_name="+"
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now=True)

    class Meta:
        verbose_name = _("indicator value")
        verbose_name_plural = _("indicator values")
        constraints = [
            models.UniqueConstraint(fields=["indicator", "period"],
                                    name="workflow_indicator_value_once"),
        ]

    def __str__(self):
        return f"{self.indicator} {self.period}: {self.value}"


class Contribution(models.Model):
    """配合单位材料: a supporting agency's input to the lead's report."""

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="contributions"
    )
    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("period"), on_delete=models.PROTECT,
        related_name="contributions",
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="contributions"
    )
    text = models.TextField(_("material"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("submitted by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        ordering = ["period", "agency__name"]
        constraints = [
            models.UniqueConstraint(fields=["task", "period", "agency"],
                                    name="workflow_contribution_once"),
        ]

    def __str__(self):
        return f"{self.agency} · {self.task}"


class Attachment(models.Model):
    """A file on a report or a contribution: stored privately, served by a checking view."""

    report = models.ForeignKey(
        ProgressReport, verbose_name=_("report"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="attachments",
    )
    contribution = models.ForeignKey(
        Contribution, verbose_name=_("contribution"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="attachments",
    )
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/")
    name = models.CharField(_("file name"), max_length=200)
    kind = models.CharField(_("type"), max_length=10)
    size = models.PositiveIntegerField(_("size"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["uploaded_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(report__isnull=False, contribution__isnull=True)
                | Q(report__isnull=True, contribution__isnull=False),
                name="workflow_attachment_one_owner",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def task(self):
        owner = self.report or self.contribution
        return owner.task


class Instruction(models.Model):
    """领导批示: a leader's or the office director's instruction on a task or a report."""

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="instructions"
    )
    report = models.ForeignKey(
        ProgressReport, verbose_name=_("report"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="instructions",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField(_("instruction"))
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("leader instruction")
        verbose_name_plural = _("leader instructions")
        ordering = ["created_at"]

    def __str__(self):
        return self.text[:40]
