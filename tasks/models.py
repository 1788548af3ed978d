"""Plans (规划/工作方案), their sections, tasks and indicators."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, transition
from django_fsm_log.decorators import fsm_log_by, fsm_log_description

from agencies.models import Agency, AgencyGroup
from agencies.permissions import may_supervise
from lib.fsm import ThreadSafeRefreshMixin


def _may_supervise_task(task, user) -> bool:
    return may_supervise(task.plan, user)


class Plan(ThreadSafeRefreshMixin, ConcurrentTransitionMixin, models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        DISPATCHED = "dispatched", _("Dispatched")
        CLOSED = "closed", _("Closed")

    class Source(models.TextChoices):
        """Where a plan's tasks come from: an imported plan, or the office's container of the
        items it registers outside a plan (立项), one per source kind and year."""
        PLAN = "plan", _("Plan (规划/方案)")
        INSTRUCTION = "instruction", _("Leader's instruction (领导批示)")
        MEETING = "meeting", _("Meeting decision (会议议定事项)")
        HIGHER = "higher", _("Document from above (上级来文)")
        OTHER = "other", _("Other assigned matter (其他交办)")

    title = models.CharField(_("title"), max_length=300)
    issuer = models.CharField(_("issuer"), max_length=200, blank=True)
    doc_number = models.CharField(_("document number"), max_length=100, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    source_file = models.FileField(_("source file"), upload_to="plans/%Y/", blank=True)
    source_name = models.CharField(_("source file name"), max_length=255, blank=True)
    # The same bytes imported twice are the same plan: the importer refuses the second time.
    source_sha256 = models.CharField(_("source sha256"), max_length=64, unique=True)
    # Only transitions move it (workflow.services.plan_dispatch / plan_close).
    state = FSMField(_("state"), choices=State.choices, default=State.DRAFT, protected=True)
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    requires_signoff = models.BooleanField(
        _("reports need the agency head's sign-off"), default=False,
        help_text=_("If set, a report goes to the agency head before it reaches the office."),
    )
    # The leading group office (领导小组办公室) that supervises this plan: its office staff
    # get the plan's office permissions (workflow.permissions).
    office_agency = models.ForeignKey(
        Agency, verbose_name=_("office host agency"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="supervised_plans",
    )
    acknowledge_within_days = models.PositiveSmallIntegerField(
        _("working days to acknowledge an assignment"), default=3
    )
    source_kind = models.CharField(
        _("source"), max_length=12, choices=Source.choices, default=Source.PLAN, db_index=True,
    )

    class Meta:
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        ordering = ["-imported_at"]
        permissions = [
            ("supervise_plan", _("Can dispatch, verify, return, reopen and reassign in a plan")),
            ("lead_plan", _("Can read a whole plan as a leader")),
        ]

    def __str__(self):
        return self.title

    def tasks_needing_lead(self):
        return self.tasks.filter(needs_lead=True)

    @property
    def is_container(self) -> bool:
        """The office's container of items registered outside a plan (立项)."""
        return self.source_kind != self.Source.PLAN

    def has_no_task_needing_lead(self) -> bool:
        return not self.tasks.filter(needs_lead=True).exists()

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.DRAFT, target=State.DISPATCHED,
                conditions=[has_no_task_needing_lead], permission=may_supervise)
    def dispatch(self, by=None, description=None):
        """派发: the office publishes the tasks to the agencies (assignments: services)."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.DISPATCHED, target=State.CLOSED,
                permission=may_supervise)
    def close(self, by=None, description=None):
        """The plan's term is over; nothing is reported any more."""


class Section(models.Model):
    """A heading of the plan, following its own numbering: 三、 / (一) / 1."""

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="sections"
    )
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.CASCADE,
        related_name="children",
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    number = models.CharField(_("number"), max_length=20, blank=True)
    title = models.CharField(_("title"), max_length=300)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["plan", "order"]

    def __str__(self):
        return f"{self.number}{self.title}"


def _may_report(task, user) -> bool:
    return user.has_perm("tasks.report_task", task)


class Task(ThreadSafeRefreshMixin, ConcurrentTransitionMixin, models.Model):
    class State(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        REPORTING = "reporting", _("Reporting")
        VERIFIED = "verified", _("Verified (办结)")

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="tasks"
    )
    section = models.ForeignKey(
        Section, verbose_name=_("section"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="tasks",
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    content = models.TextField(_("content"))
    agencies = models.ManyToManyField(
        Agency, through="TaskAgency", verbose_name=_("agencies"), related_name="tasks"
    )
    groups = models.ManyToManyField(
        AgencyGroup, through="TaskGroup", verbose_name=_("agency groups"), related_name="tasks",
        blank=True,
    )
    deadline_on = models.DateField(_("deadline"), null=True, blank=True)
    deadline_text = models.CharField(_("deadline as written"), max_length=100, blank=True)
    # Set on import and kept in step by services: dispatch is refused while any is set.
    needs_lead = models.BooleanField(_("needs a lead agency"), default=False, db_index=True)
    source_ref = models.CharField(_("where in the source"), max_length=100, blank=True)
    indicators = models.ManyToManyField(
        "Indicator", verbose_name=_("indicators"), related_name="tasks", blank=True
    )
    # Only transitions move it: the first submitted report, the office's verification, reopen.
    state = FSMField(_("state"), choices=State.choices, default=State.ASSIGNED, protected=True)
    # Raised by escalations (workflow.reminders, workflow.escalation), never lowered by them.
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    # An item registered outside a plan (立项, workflow.adhoc): where it comes from.
    doc_number = models.CharField(_("source document number"), max_length=100, blank=True)
    asked_by = models.CharField(_("leader who asked"), max_length=100, blank=True)
    # Reports once, by its deadline: it owes the one reporting period of its own and none of
    # its plan's (workflow.obligations, rule 11).
    reports_once = models.BooleanField(_("reports once, by its deadline"), default=False)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["plan", "order"]
        permissions = [
            ("report_task", _("Can report on a task (lead agency)")),
            ("contribute_task", _("Can contribute to a task (supporting agency)")),
            ("signoff_task", _("Can sign off a task's reports (agency head)")),
        ]

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.ASSIGNED, target=State.REPORTING, permission=_may_report)
    def start_reporting(self, by=None, description=None):
        """The lead agency submitted its first report."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.REPORTING, target=State.VERIFIED,
                permission=_may_supervise_task)
    def verify(self, by=None, description=None):
        """办结: the office verified a report that claims completion."""

    @fsm_log_by
    @fsm_log_description
    @transition(field=state, source=State.VERIFIED, target=State.REPORTING,
                permission=_may_supervise_task)
    def reopen(self, by=None, description=None):
        """重新打开, with a reason (the description)."""

    def __str__(self):
        return self.content[:40]

    def lead_agencies(self):
        return [
            link.agency for link in self.agency_links.all() if link.role == TaskAgency.Role.LEAD
        ]

    def supporting_agencies(self):
        return [
            link.agency for link in self.agency_links.all()
            if link.role == TaskAgency.Role.SUPPORTING
        ]


class TaskAgency(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("Lead (牵头单位)")
        SUPPORTING = "supporting", _("Supporting (责任/配合单位)")

    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="agency_links"
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT, related_name="task_links"
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("task agency")
        verbose_name_plural = _("task agencies")
        ordering = ["task", "role", "order"]
        constraints = [
            # A lead is never also its own supporting agency.
            models.UniqueConstraint(fields=["task", "agency"], name="tasks_taskagency_unique"),
        ]

    def __str__(self):
        return f"{self.agency} ({self.get_role_display()})"


class TaskGroup(models.Model):
    task = models.ForeignKey(
        Task, verbose_name=_("task"), on_delete=models.CASCADE, related_name="group_links"
    )
    group = models.ForeignKey(
        AgencyGroup, verbose_name=_("agency group"), on_delete=models.PROTECT,
        related_name="task_links",
    )
    role = models.CharField(
        _("role"), max_length=12, choices=TaskAgency.Role.choices,
        default=TaskAgency.Role.SUPPORTING,
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("task agency group")
        verbose_name_plural = _("task agency groups")
        ordering = ["task", "order"]
        constraints = [
            models.UniqueConstraint(fields=["task", "group"], name="tasks_taskgroup_unique"),
        ]

    def __str__(self):
        return str(self.group)


class Target(models.Model):
    """A target value. One target may belong to several indicators: a cell spanning rows."""

    class Comparator(models.TextChoices):
        GE = "ge", "≥"
        GT = "gt", ">"
        LE = "le", "≤"
        LT = "lt", "<"
        EQ = "eq", "="
        INCREASE_PCT = "increase_pct", _("increase by %")
        DECREASE_PCT = "decrease_pct", _("decrease by %")

    class Kind(models.TextChoices):
        CUMULATIVE = "cumulative", _("Cumulative (累计数)")
        PERIOD = "period", _("Period (期间数)")

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="targets"
    )
    value = models.DecimalField(_("target value"), max_digits=20, decimal_places=4, null=True)
    comparator = models.CharField(
        _("comparator"), max_length=12, choices=Comparator.choices, blank=True
    )
    kind = models.CharField(_("target kind"), max_length=12, choices=Kind.choices, blank=True)
    text = models.CharField(_("as written"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")

    def __str__(self):
        return self.text or str(self.value)


class Indicator(models.Model):
    class Attribute(models.TextChoices):
        EXPECTED = "expected", _("Expected (预期性)")
        BINDING = "binding", _("Binding (约束性)")

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="indicators"
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    category = models.CharField(_("category"), max_length=100, blank=True)
    seq = models.PositiveIntegerField(_("sequence number"), null=True, blank=True)
    name = models.CharField(_("name"), max_length=300)
    unit = models.CharField(_("unit"), max_length=30, blank=True)
    baseline_value = models.DecimalField(
        _("baseline value"), max_digits=20, decimal_places=4, null=True, blank=True
    )
    baseline_label = models.CharField(_("baseline year/label"), max_length=50, blank=True)
    target = models.ForeignKey(
        Target, verbose_name=_("target"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="indicators",
    )
    attribute = models.CharField(
        _("attribute"), max_length=10, choices=Attribute.choices, blank=True
    )
    lead_agencies = models.ManyToManyField(
        Agency, through="IndicatorLead", verbose_name=_("lead agencies"),
        related_name="indicators", blank=True,
    )
    source_ref = models.CharField(_("where in the source"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["plan", "order"]

    def __str__(self):
        return self.name

    def shares_target_with(self):
        """The other indicators whose target is this one's (a cell spanning their rows)."""
        if self.target_id is None:
            return []
        return [i for i in self.target.indicators.all() if i.pk != self.pk]


class IndicatorLead(models.Model):
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE,
        related_name="lead_links",
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.PROTECT,
        related_name="indicator_links",
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator lead agency")
        verbose_name_plural = _("indicator lead agencies")
        ordering = ["indicator", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "agency"], name="tasks_indicatorlead_unique"
            ),
        ]

    def __str__(self):
        return str(self.agency)


class ImportCorrection(models.Model):
    """What the office changed in the import preview against what the importer read: the
    plan keeps them, so a reading's mistakes can be found and the importer taught."""

    class Kind(models.TextChoices):
        INCLUDED = "included", _("Included an item the reading left out")
        EXCLUDED = "excluded", _("Left out an item the reading took as a task")
        LEAD = "lead", _("Changed the lead agencies")
        SUPPORTING = "supporting", _("Changed the supporting agencies")

    plan = models.ForeignKey(
        Plan, verbose_name=_("plan"), on_delete=models.CASCADE,
        related_name="import_corrections",
    )
    # None for an item left out, or a task deleted since.
    task = models.ForeignKey(
        Task, verbose_name=_("task"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="import_corrections",
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    source_ref = models.CharField(_("where in the source"), max_length=100, blank=True)
    item = models.CharField(_("item"), max_length=200, help_text=_("The start of its text."))
    read = models.JSONField(_("as read"), default=list, blank=True)
    corrected = models.JSONField(_("as corrected"), default=list, blank=True)
    made_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("made by"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    made_at = models.DateTimeField(_("made at"), auto_now_add=True)

    class Meta:
        verbose_name = _("import correction")
        verbose_name_plural = _("import corrections")
        ordering = ["plan", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.item[:30]}"
