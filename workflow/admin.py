from django.contrib import admin

from .models import (
    Assignment,
    Attachment,
    Contribution,
    IndicatorValue,
    Instruction,
    ProgressReport,
    ReportingPeriod,
)


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
