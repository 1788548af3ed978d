"""Assignments, reporting periods, progress reports and what hangs on them.

Every state change goes through a django-fsm-2 transition; django-fsm-log writes who, when,
from, to and the comment to its append-only StateLog. Services (workflow/services.py) run the
transitions: calling one does not check its permission, the service does.
"""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from agencies.models import Agency, AgencyGroup
from agencies.permissions import may_supervise
from lib.fsm import ThreadSafeRefreshMixin
from tasks.models import Indicator, Plan, Task, TaskAgency

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
    """A period the agencies report on: generated from the plan's schedule (workflow.periods),
    editable by hand; the office closes it (period_close) and its reports become read-only."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="periods"
    )
    label = models.CharField(_("label"), max_length=50)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    due_on = models.DateField(_("due on"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # A period of one task only: an item registered outside a plan that reports once, by its
    # deadline (workflow.adhoc); None for the plan's periods, owed by its tasks.
    task = models.ForeignKey(
        Task, verbose_name=_("only for the task"), null=True, blank=True,
        on_delete=models.CASCADE, related_name="own_periods",
    )

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


def head_signs_off(plan, agency) -> bool:
    """What an agency sends the office passes its head first when the plan asks it of every
    agency or the agency asks it of its own."""
    return plan.requires_signoff or agency.requires_signoff


def _may_report(report, user) -> bool:
    return user.has_perm("tasks.report_task", report.task)


def _may_sign_off(report, user) -> bool:
    return user.has_perm("tasks.signoff_task", report.task)


def _may_supervise_report(report, user) -> bool:
    return may_supervise(report.task.plan, user)


class ProgressReport(ThreadSafeRefreshMixin, ConcurrentTransitionMixin, models.Model):
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
        return head_signs_off(self.task.plan, self.agency)

    def goes_straight_to_office(self) -> bool:
        return not self.needs_signoff()

    def period_open(self) -> bool:
        return not self.period.is_closed

    def verifying_closes_task(self) -> bool:
        """A report claiming completion closes its task (办结) when verified, if the task is
        reporting: report_verify does it, the queue's confirmation announces it."""
        return (self.completion == self.Completion.COMPLETED
                and self.task.state == Task.State.REPORTING)

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
    # The office registered the instruction as an item of its own (立项, workflow.adhoc).
    became_task = models.ForeignKey(
        Task, verbose_name=_("registered as the item"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="from_instructions",
    )

    class Meta:
        verbose_name = _("leader instruction")
        verbose_name_plural = _("leader instructions")
        ordering = ["created_at"]

    def __str__(self):
        return self.text[:40]


# ---- coordination matters (协调事项) ------------------------------------------------------------

def _may_supervise_matter(matter, user) -> bool:
    return may_supervise(matter.task.plan, user)


def _may_answer_matter(matter, user) -> bool:
    """The leader it is assigned to, or the staff (reporters, heads) of the agency."""
    if matter.assigned_person_id is not None:
        return user.pk == matter.assigned_person_id
    profile = getattr(user, "profile", None) if user.is_authenticated else None
    return (profile is not None and matter.assigned_agency_id is not None
            and profile.agency_id == matter.assigned_agency_id
            and profile.role in ("reporter", "head"))


class CoordinationMatter(ThreadSafeRefreshMixin, ConcurrentTransitionMixin, models.Model):
    """协调事项: a problem an agency cannot solve alone, raised on a task (and a period's
    report); the office assigns it to an agency or a leader, who answers; the office closes it.
    Every transition is logged (django-fsm-log); workflow.coordination holds the services."""

    class State(models.TextChoices):
        OPEN = "open", _("Open")
        ASSIGNED = "assigned", _("Assigned")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="coordination"
    )
    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("period"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    raised_by_agency = models.ForeignKey(
        Agency, verbose_name=_("raised by agency"), on_delete=models.PROTECT, related_name="+"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("raised by"), null=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    text = models.TextField(_("problem"))
    decision_needed = models.TextField(_("decision needed"))
    agencies_asked = models.ManyToManyField(
        Agency, verbose_name=_("agencies asked"), related_name="coordination_asked", blank=True
    )
    state = FSMField(_("state"), choices=State.choices, default=State.OPEN, protected=True)
    assigned_agency = models.ForeignKey(
        Agency, verbose_name=_("assigned to agency"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="coordination_assigned",
    )
    assigned_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned to leader"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="coordination_assigned",
    )
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("answered by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("coordination matter")
        verbose_name_plural = _("coordination matters")
        ordering = ["created_at", "pk"]
        indexes = [
            # The office's list and the dashboard's count: matters not yet closed, oldest first.
            models.Index(fields=["created_at"], condition=~Q(state="closed"),
                         name="workflow_coord_not_closed"),
        ]

    def __str__(self):
        return self.text[:40]

    def is_assigned(self) -> bool:
        return self.assigned_agency_id is not None or self.assigned_person_id is not None

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=[State.OPEN, State.ASSIGNED], target=State.ASSIGNED,
                conditions=[is_assigned], permission=_may_supervise_matter)
    def assign(self, by=None, description=None):
        """The office gives it to the agency or leader who can settle it (again: reassigns)."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.ASSIGNED, target=State.ANSWERED,
                permission=_may_answer_matter)
    def give_answer(self, by=None, description=None):
        """The assignee answers."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=[State.OPEN, State.ASSIGNED, State.ANSWERED],
                target=State.CLOSED, permission=_may_supervise_matter)
    def close(self, by=None, description=None):
        """The office closes it."""


# ---- reporting schedule, reminders and escalation ---------------------------------------------

class ReportingSchedule(models.Model):
    """报送周期: how often a plan's agencies report, and how long after a period they may."""

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")
        HALF_YEARLY = "half_yearly", _("Half-yearly")
        YEARLY = "yearly", _("Yearly")
        FIXED = "fixed", _("Fixed dates entered by the office")

    plan = models.OneToOneField(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="reporting_schedule"
    )
    frequency = models.CharField(
        _("frequency"), max_length=12, choices=Frequency.choices, default=Frequency.QUARTERLY
    )
    due_working_days = models.PositiveSmallIntegerField(
        _("due after the period ends, in working days"), default=5,
        help_text=_("e.g. 5 for 每季度结束后5个工作日内."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("reporting schedule")
        verbose_name_plural = _("reporting schedules")

    def __str__(self):
        return f"{self.plan} · {self.get_frequency_display()}"


def parse_day_list(text: str) -> list[int]:
    """'7,3,1' (or 7，3、1) → [7, 3, 1]: distinct positive numbers, largest first."""
    parts = [p.strip() for p in str(text or "").replace("，", ",").replace("、", ",").split(",")]
    days = set()
    for part in filter(None, parts):
        if not part.isdigit() or int(part) == 0:
            raise ValueError(part)
        days.add(int(part))
    return sorted(days, reverse=True)


def validate_day_list(text: str) -> None:
    try:
        parse_day_list(text)
    except ValueError:
        raise ValidationError(
            _("Enter working days as whole numbers above 0 separated by commas, e.g. 7,3,1.")
        ) from None


class ReminderPolicy(models.Model):
    """When reminders go out for a plan; the office edits it, the defaults suit most plans."""

    plan = models.OneToOneField(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="reminder_policy"
    )
    before_working_days = models.CharField(
        _("remind before the due date (working days)"), max_length=50, default="7,3,1",
        validators=[validate_day_list], blank=True,
        help_text=_("Comma-separated, e.g. 7,3,1; empty for no reminder before."),
    )
    remind_on_due = models.BooleanField(_("remind on the due date"), default=True)
    overdue_every_working_days = models.PositiveSmallIntegerField(
        _("when overdue, remind again every (working days)"), default=3,
        help_text=_("The first overdue reminder goes out on the next working day; 0 for no "
                    "repeat."),
    )
    escalate_after_working_days = models.PositiveSmallIntegerField(
        _("escalate to the agency head and the office after (working days overdue)"), default=5,
        help_text=_("Used when the plan has no escalation tiers, and for the 督办 tier of the "
                    "default tiers."),
    )

    class Meta:
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policies")

    def __str__(self):
        return str(self.plan)

    def before_days(self) -> list[int]:
        """The reminders before the due date, farthest first: [7, 3, 1]."""
        try:
            return parse_day_list(self.before_working_days)
        except ValueError:
            return []


class EscalationTier(models.Model):
    """One step of a plan's escalation ladder (提醒 → 催办 → 督办 → 通报): data, not code."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="escalation_tiers"
    )
    order = models.PositiveSmallIntegerField(_("order (escalation level)"))
    name = models.CharField(_("name"), max_length=20)
    after_working_days_overdue = models.PositiveSmallIntegerField(
        _("applies after (working days overdue)")
    )
    binding_after_working_days_overdue = models.PositiveSmallIntegerField(
        _("for tasks of binding indicators, after (working days overdue)"), null=True,
        blank=True, help_text=_("约束性 indicators may escalate faster; empty: as above."),
    )
    to_reporters = models.BooleanField(_("to the lead agency's reporters"), default=True)
    to_heads = models.BooleanField(_("to the lead agency's head"), default=False)
    to_office = models.BooleanField(_("to the office"), default=False)

    class Meta:
        verbose_name = _("escalation tier")
        verbose_name_plural = _("escalation tiers")
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="workflow_tier_unique_order"),
        ]

    def __str__(self):
        return f"{self.order}. {self.name}"

    def threshold(self, binding: bool = False) -> int:
        """Working days overdue after which the tier applies to a task."""
        if binding and self.binding_after_working_days_overdue is not None:
            return self.binding_after_working_days_overdue
        return self.after_working_days_overdue


class Escalation(models.Model):
    """A step up in the chasing of a task: an automatic tier, or the office's 催办 / 督办."""

    class Kind(models.TextChoices):
        AUTO = "auto", _("Automatic")
        URGE = "urge", _("Urge (催办)")
        SUPERVISE = "supervise", _("Supervision notice (督办)")

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="escalations"
    )
    # RESTRICT: the history keeps its period and tier, yet deleting the whole plan still works.
    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("period"), null=True, blank=True,
        on_delete=models.RESTRICT, related_name="escalations",
    )
    tier = models.ForeignKey(
        EscalationTier, verbose_name=_("tier"), null=True, blank=True,
        on_delete=models.RESTRICT, related_name="escalations",
    )
    level = models.PositiveSmallIntegerField(_("level"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    text = models.TextField(_("text"), blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["created_at"]
        constraints = [
            # An automatic tier applies once per task and period: a second sweep adds nothing
            # (workflow.reminders.escalations_apply).
            models.UniqueConstraint(
                fields=["task", "period", "tier"], condition=Q(tier__isnull=False),
                name="workflow_escalation_tier_once",
            ),
        ]

    def __str__(self):
        return f"{self.task} · {self.get_kind_display()} {self.level}"


class CalendarDay(models.Model):
    """A day of the working-day calendar entered by the office from the State Council's notice
    (关于某年部分节假日安排的通知): a public holiday or a make-up working day. Registered into
    lib.workdays (workflow.calendar), where it wins over the chinese-calendar package."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday (法定节假日)")
        WORKDAY = "workday", _("Make-up working day (调休上班)")

    day = models.DateField(_("day"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("holiday"), max_length=50, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("entered by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["day"]

    def __str__(self):
        return f"{self.day} {self.get_kind_display()}"

    @property
    def is_working_day(self) -> bool:
        return self.kind == self.Kind.WORKDAY


# ---- 延期申请 (extension requests) -----------------------------------------------------------

def _may_ask(request, user) -> bool:
    return user.has_perm("tasks.report_task", request.task)


def _may_approve_as_head(request, user) -> bool:
    return user.has_perm("tasks.signoff_task", request.task)


def _may_decide(request, user) -> bool:
    """The plan's office decides; once referred (呈领导), a leader of the plan."""
    if request.state == ExtensionRequest.State.REFERRED:
        return user.has_perm("tasks.lead_plan", request.task.plan)
    return may_supervise(request.task.plan, user)


def _may_refer(request, user) -> bool:
    return may_supervise(request.task.plan, user)


class ExtensionRequest(ThreadSafeRefreshMixin, ConcurrentTransitionMixin, models.Model):
    """延期申请: the lead agency asks, before the due date, for more time on a period's report
    (or on the task's own deadline, period empty). Its head approves it when the plan asks for
    sign-off; the office accepts (setting the new date), refuses, or refers it to a leader who
    decides. Until accepted the original date holds; an accepted one moves the due date of
    that task and period in the ledger (workflow.obligations.extended_due)."""

    class State(models.TextChoices):
        REQUESTED = "requested", _("Awaiting the agency head")
        SUBMITTED = "submitted", _("With the office")
        REFERRED = "referred", _("Referred to a leader")
        ACCEPTED = "accepted", _("Accepted")
        REFUSED = "refused", _("Refused")

    PENDING = (State.REQUESTED, State.SUBMITTED, State.REFERRED)

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="extensions"
    )
    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("period"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="extensions",
        help_text=_("Empty: the task's own deadline."),
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="extensions"
    )
    state = FSMField(_("state"), choices=State.choices, default=State.REQUESTED,
                     protected=True)
    reason = models.TextField(_("reason"))
    progress = models.TextField(_("progress so far"))
    original_due_on = models.DateField(_("due on when asked"))
    proposed_on = models.DateField(_("proposed new date"))
    decided_on = models.DateField(_("new due date"), null=True, blank=True)
    refusal_reason = models.TextField(_("reason for refusal"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), null=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["requested_at"]
        constraints = [
            # One request at a time per task and period (or deadline): the pending list and
            # the ledger never meet two.
            models.UniqueConstraint(
                fields=["task", "period"], condition=Q(state__in=["requested", "submitted",
                                                                   "referred"]),
                name="workflow_extension_one_pending", nulls_distinct=False,
            ),
        ]
        indexes = [
            # obligations.extended_due: the accepted extensions of the ledger's tasks.
            models.Index(fields=["task", "period"], condition=Q(state="accepted"),
                         name="workflow_extension_accepted"),
        ]

    def __str__(self):
        return f"{self.task} · {self.period or _('deadline')}"

    def needs_head(self) -> bool:
        """As for reports (head_signs_off)."""
        return head_signs_off(self.task.plan, self.agency)

    def goes_straight_to_office(self) -> bool:
        return not self.needs_head()

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.REQUESTED, target=State.SUBMITTED,
                conditions=[goes_straight_to_office], permission=_may_ask)
    def send(self, by=None, description=None):
        """To the office at once, when the plan asks for no sign-off."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.REQUESTED, target=State.SUBMITTED,
                conditions=[needs_head], permission=_may_approve_as_head)
    def head_approve(self, by=None, description=None):
        """The agency head approves and the request goes to the office."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.REQUESTED, target=State.REFUSED,
                permission=_may_approve_as_head)
    def head_refuse(self, by=None, description=None):
        """The agency head withholds it, with a reason."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.SUBMITTED, target=State.REFERRED,
                permission=_may_refer)
    def refer(self, by=None, description=None):
        """呈领导: the office passes it to a leader of the plan to decide."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=[State.SUBMITTED, State.REFERRED], target=State.ACCEPTED,
                permission=_may_decide)
    def accept(self, by=None, description=None):
        """Accepted, with the new due date (decided_on)."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=[State.SUBMITTED, State.REFERRED], target=State.REFUSED,
                permission=_may_decide)
    def refuse(self, by=None, description=None):
        """Refused, with a reason: the original date holds."""


# ---- 督办单 (numbered supervision slips) ----------------------------------------------------

class SlipCounter(models.Model):
    """The last 督办单 number an office gave in a year (年度流水号): taken by one
    INSERT … ON CONFLICT DO UPDATE … RETURNING (workflow.slips), safe under concurrency."""

    office_agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="+",
                                      verbose_name=_("office"))
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number given"), default=0)

    class Meta:
        verbose_name = _("slip numbering")
        verbose_name_plural = _("slip numbering")
        constraints = [
            models.UniqueConstraint(fields=["office_agency", "year"],
                                    name="workflow_slipcounter_once"),
        ]


class SupervisionSlip(models.Model):
    """督办单: a 催办 or 督办 issued as a numbered slip to one lead agency, in the colour the
    obligation's state gives it (workflow.slips.slip_colour), printable as a .docx and
    acknowledged (签收) by the agency."""

    class Colour(models.TextChoices):
        BLUE = "blue", _("Blue: due soon")
        YELLOW = "yellow", _("Yellow: behind pace or returned")
        RED = "red", _("Red: overdue")

    escalation = models.ForeignKey(
        Escalation, verbose_name=_("escalation"), on_delete=models.CASCADE,
        related_name="slips",
    )
    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="slips"
    )
    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("period"), null=True, blank=True,
        on_delete=models.RESTRICT, related_name="slips",
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="slips"
    )
    office_agency = models.ForeignKey(
        Agency, verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("number"))
    colour = models.CharField(_("colour"), max_length=6, choices=Colour.choices)
    due_on = models.DateField(_("due on"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("issued by"), null=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("acknowledged by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )

    class Meta:
        verbose_name = _("supervision slip")
        verbose_name_plural = _("supervision slips")
        ordering = ["-year", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["office_agency", "year", "number"],
                                    name="workflow_slip_number_once"),
            models.UniqueConstraint(fields=["escalation", "agency"],
                                    name="workflow_slip_once_per_agency"),
        ]

    def __str__(self):
        return self.label

    @property
    def label(self) -> str:
        """〔2026〕第12号"""
        return f"〔{self.year}〕第{self.number}号"
class FiguresStamp(models.Model):
    """Which state of a plan the dashboards' cached figures were computed from
    (workflow.figures): a new random `token`, in the same transaction, with every change the
    obligations read. Drawn afresh each time, a token never comes back: not after a rolled-back
    transaction, nor in a restored database."""

    plan = models.OneToOneField(Plan, primary_key=True, on_delete=models.CASCADE,
                                related_name="+", verbose_name=_("plan"))
    token = models.CharField(_("token"), max_length=32)

    class Meta:
        verbose_name = _("figures stamp")
        verbose_name_plural = _("figures stamps")
