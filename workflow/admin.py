from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import (
    AssessmentWeights,
    Assignment,
    Attachment,
    Contribution,
    Escalation,
    EscalationTier,
    IndicatorValue,
    Instruction,
    ProgressReport,
    ReminderPolicy,
    ReportingPeriod,
    ReportingSchedule,
)
from .periods import calendar_gaps, calendar_warning, periods_generate
from .services import WorkflowError

# ---- schedules, reminders, escalation (inlines of the plan's admin: tasks/admin.py) ---------


class CalendarWarningMixin:
    """Warn on the change page when the plan's periods fall due in years the holiday calendar
    does not know (the same as system check duban.W010). `plan_of(obj)` gives the plan."""

    def plan_of(self, obj):
        return obj

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and request.method == "GET":
            plan = self.plan_of(obj)
            years = calendar_gaps(plan).get(plan.pk)
            if years:
                messages.warning(request, calendar_warning(years))
        return super().change_view(request, object_id, form_url, extra_context)


class ReportingScheduleInline(admin.StackedInline):
    model = ReportingSchedule
    extra = 0
    max_num = 1
    fields = ["frequency", "due_working_days", "note"]


class ReminderPolicyInline(admin.StackedInline):
    model = ReminderPolicy
    extra = 0
    max_num = 1
    fields = ["before_working_days", "remind_on_due", "overdue_every_working_days",
              "daily_cap_per_person", "escalate_after_working_days"]


class EscalationTierInline(admin.TabularInline):
    model = EscalationTier
    extra = 0
    fields = ["order", "name", "after_working_days_overdue", "binding_after_working_days_overdue",
              "to_reporters", "to_heads", "to_office"]


PLAN_INLINES = [ReportingScheduleInline, ReminderPolicyInline, EscalationTierInline]


@admin.action(description=_("Generate reporting periods"), permissions=["change"])
def generate_reporting_periods(modeladmin, request, queryset):
    """For each selected plan, the periods of its whole term that it does not have yet."""
    for plan in queryset:
        try:
            created = periods_generate(plan)
        except WorkflowError as exc:
            modeladmin.message_user(request, f"{plan}: {exc}", messages.ERROR)
            continue
        modeladmin.message_user(request, ngettext(
            "%(plan)s: %(count)d reporting period generated.",
            "%(plan)s: %(count)d reporting periods generated.", len(created),
        ) % {"plan": plan, "count": len(created)}, messages.SUCCESS)
        years = calendar_gaps(plan).get(plan.pk)
        if years:
            modeladmin.message_user(request, calendar_warning(years), messages.WARNING)


@admin.register(ReportingSchedule)
class ReportingScheduleAdmin(CalendarWarningMixin, admin.ModelAdmin):
    list_display = ["plan", "frequency", "due_working_days"]
    list_select_related = ["plan"]
    raw_id_fields = ["plan"]

    def plan_of(self, obj):
        return obj.plan


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(admin.ModelAdmin):
    list_display = ["plan", "before_working_days", "remind_on_due", "overdue_every_working_days",
                    "daily_cap_per_person", "escalate_after_working_days"]
    list_select_related = ["plan"]
    raw_id_fields = ["plan"]


@admin.register(Escalation)
class EscalationAdmin(admin.ModelAdmin):
    """Read-only: escalations come from the sweep and the office's 催办/督办."""

    list_display = ["task", "period", "kind", "level", "tier", "by", "created_at"]
    list_filter = ["kind", "level", "task__plan"]
    search_fields = ["task__content", "text"]
    list_select_related = ["task", "period", "tier", "by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    list_display = ["label", "plan", "starts_on", "ends_on", "due_on", "closed_at"]
    list_filter = ["plan"]
    search_fields = ["label", "plan__title"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    """Read-only: assignments come from dispatch and reassignment (workflow.services)."""

    list_display = ["task", "agency", "role", "active", "acknowledged_at", "created_at"]
    list_filter = ["role", "active", "task__plan"]
    search_fields = ["agency__name", "task__content"]
    list_select_related = ["task", "agency"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["name", "kind", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    """Read-only: reports move only through their transitions (pages call the services)."""

    list_display = ["task", "period", "agency", "state", "completion", "submitted_at", "late"]
    list_filter = ["state", "completion", "late", "period__plan"]
    search_fields = ["task__content", "agency__name", "progress"]
    list_select_related = ["task", "period", "agency"]
    inlines = [AttachmentInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Contribution)
class ContributionAdmin(admin.ModelAdmin):
    list_display = ["task", "period", "agency", "submitted_at"]
    list_filter = ["period__plan"]
    search_fields = ["task__content", "agency__name"]
    list_select_related = ["task", "period", "agency"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(IndicatorValue)
class IndicatorValueAdmin(admin.ModelAdmin):
    list_display = ["indicator", "period", "value", "agency", "entered_at"]
    list_filter = ["period__plan"]
    search_fields = ["indicator__name"]
    list_select_related = ["indicator", "period", "agency"]


@admin.register(Instruction)
class InstructionAdmin(admin.ModelAdmin):
    list_display = ["task", "author", "created_at"]
    search_fields = ["text", "task__content"]
    list_select_related = ["task", "author"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AssessmentWeights)
class AssessmentWeightsAdmin(admin.ModelAdmin):
    """The weights of the plan's assessment (考核); the page /supervision/plans/<id>/assessment/
    edits them too."""

    list_display = ["plan", "on_time", "returns", "overdue", "escalations", "indicators",
                    "overdue_cap_working_days", "updated_at"]
    raw_id_fields = ["plan"]
