from django.contrib import admin, messages
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from agencies.admin import AgencyGroupAdmin as AgencyGroupBaseAdmin
from agencies.admin import AgencyMatchSuggestionAdmin as SuggestionBaseAdmin
from agencies.admin import OfficeScopedAdmin, OfficeScopedInline, SuperuserOnlyAdmin, office_plans
from agencies.models import AgencyGroup, AgencyMatchSuggestion
from lib.workdays import add_working_days, is_working_day
from notifications.admin import OutboxMessageAdmin as OutboxBaseAdmin
from notifications.models import Notification, OutboxItem, OutboxMessage, SweepRun
from tasks.admin import PlanAdmin as PlanBaseAdmin
from tasks.models import Plan

from . import visibility
from .errors import WorkflowError
from .levels import DEFAULT_NAMES, NONE
from .merging import agencies_merge, merge_summary
from .models import (
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
from .reminders import due_items
from .services import plan_assign_group_members

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


class ReportingScheduleInline(OfficeScopedInline, admin.StackedInline):
    model = ReportingSchedule
    extra = 0
    max_num = 1
    fields = ["frequency", "due_working_days", "note"]


class ReminderPolicyInline(OfficeScopedInline, admin.StackedInline):
    model = ReminderPolicy
    extra = 0
    max_num = 1
    fields = ["before_working_days", "remind_on_due", "overdue_every_working_days",
              "escalate_after_working_days"]


class EscalationTierInline(OfficeScopedInline, admin.TabularInline):
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


@admin.register(Plan)
class PlanAdmin(CalendarWarningMixin, PlanBaseAdmin):
    inlines = [*PlanBaseAdmin.inlines, *PLAN_INLINES]
    actions = [generate_reporting_periods]


@admin.register(AgencyGroup)
class AgencyGroupAdmin(AgencyGroupBaseAdmin):
    actions = ["assign_members"]

    @admin.action(description=_("Give the members their assignments in dispatched plans"))
    def assign_members(self, request, queryset):
        plans = Plan.objects.filter(state=Plan.State.DISPATCHED,
                                    tasks__group_links__group__in=queryset).distinct()
        if not request.user.is_superuser:  # an office assigns in its own plans only
            plans = plans.filter(pk__in=office_plans(request.user).values("pk"))
        created = 0
        for plan in plans:
            try:
                created += plan_assign_group_members(plan=plan, by=request.user)
            except WorkflowError as error:
                self.message_user(request, f"{plan}: {error}", messages.WARNING)
        self.message_user(request, ngettext(
            "%(count)d assignment created.", "%(count)d assignments created.", created
        ) % {"count": created}, messages.SUCCESS)


@admin.register(AgencyMatchSuggestion)
class AgencyMatchSuggestionAdmin(SuggestionBaseAdmin):
    actions = ["confirm_merge", *SuggestionBaseAdmin.actions]

    def has_merge_permission(self, request):
        # A merge moves references in every plan, other offices' included.
        return request.user.is_superuser

    @admin.action(description=_("Same agency: merge the new one into the candidate"),
                  permissions=["merge"])
    def confirm_merge(self, request, queryset):
        pending = list(queryset.filter(status=AgencyMatchSuggestion.Status.PENDING)
                       .select_related("agency", "candidate"))
        for suggestion in pending:
            moved = agencies_merge(suggestion=suggestion)
            self.message_user(request, _("%(merged)s merged into %(kept)s: %(moved)s") % {
                "merged": suggestion.agency.name, "kept": suggestion.candidate.name,
                "moved": merge_summary(moved)}, messages.SUCCESS)
        self.message_user(request, ngettext(
            "%(count)d agency merged.", "%(count)d agencies merged.", len(pending)
        ) % {"count": len(pending)}, messages.SUCCESS)


def upcoming_reminders(start, days: int) -> list[dict]:
    """What the sweep would find on each of the next working days (read only)."""
    day = start if is_working_day(start) else add_working_days(start, 1)
    result = []
    for _day_number in range(days):
        items = sorted(due_items(day), key=lambda i: -i.urgency)
        if items:
            result.append({"date": day, "items": len(items),
                           "people": len({i.recipient_id for i in items}), "sample": items[:3]})
        day = add_working_days(day, 1)
    return result


@admin.register(OutboxMessage)
class OutboxMessageAdmin(SuperuserOnlyAdmin, OutboxBaseAdmin):
    """Superuser-only: messages of every plan sit together (an office reads its agencies'
    undelivered mail on its own page, /notifications/failed/)."""

    UPCOMING_DAYS = 5  # working days shown above the list

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            return super().changelist_view(request, extra_context)  # 403, nothing computed
        extra_context = {**(extra_context or {}), "upcoming": upcoming_reminders(
            timezone.localdate(), self.UPCOMING_DAYS)}
        return super().changelist_view(request, extra_context)


@admin.register(ReportingSchedule)
class ReportingScheduleAdmin(CalendarWarningMixin, OfficeScopedAdmin):
    plan_path = "plan"
    list_display = ["plan", "frequency", "due_working_days"]
    list_select_related = ["plan"]
    raw_id_fields = ["plan"]

    def plan_of(self, obj):
        return obj.plan


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(OfficeScopedAdmin):
    plan_path = "plan"
    list_display = ["plan", "before_working_days", "remind_on_due", "overdue_every_working_days",
                    "escalate_after_working_days"]
    list_select_related = ["plan"]
    raw_id_fields = ["plan"]


@admin.register(Escalation)
class EscalationAdmin(OfficeScopedAdmin):
    """Read-only: escalations come from the sweep and the office's 催办/督办."""

    plan_path = "task__plan"

    list_display = ["task", "period", "kind", "level_shown", "tier", "by", "created_at"]
    list_filter = ["kind", "level", "task__plan"]
    search_fields = ["task__content", "text"]
    list_select_related = ["task", "period", "tier", "by"]

    def get_queryset(self, request):
        # The level by name (workflow.levels), read with the rows: the plan's tier of that order.
        name = EscalationTier.objects.filter(
            plan_id=OuterRef("task__plan_id"), order=OuterRef("level")).values("name")[:1]
        return super().get_queryset(request).annotate(level_name=Subquery(name))

    @admin.display(description=_("level"), ordering="level")
    def level_shown(self, obj):
        return getattr(obj, "level_name", None) or DEFAULT_NAMES.get(obj.level, NONE)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(OfficeScopedAdmin):
    plan_path = "plan"
    list_display = ["label", "plan", "starts_on", "ends_on", "due_on", "closed_at"]
    list_filter = ["plan"]
    search_fields = ["label", "plan__title"]


@admin.register(Assignment)
class AssignmentAdmin(OfficeScopedAdmin):
    """Read-only: assignments come from dispatch and reassignment (workflow.services)."""

    plan_path = "task__plan"

    list_display = ["task", "agency", "role", "active", "acknowledged_at", "created_at"]
    list_filter = ["role", "active", "task__plan"]
    search_fields = ["agency__name", "task__content"]
    list_select_related = ["task", "agency"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AttachmentInline(OfficeScopedInline, admin.TabularInline):
    model = Attachment
    extra = 0
    fields = ["name", "kind", "size", "uploaded_by", "uploaded_at"]
    readonly_fields = fields

    def visible(self, request, qs):
        return visibility.attachments_visible_to(request.user, qs)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ProgressReport)
class ProgressReportAdmin(OfficeScopedAdmin):
    """Read-only: reports move only through their transitions (pages call the services)."""

    plan_path = "task__plan"

    def visible(self, request, qs):
        return visibility.reports_visible_to(request.user, qs)

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
class ContributionAdmin(OfficeScopedAdmin):
    plan_path = "task__plan"

    def visible(self, request, qs):
        return visibility.contributions_visible_to(request.user, qs)

    list_display = ["task", "period", "agency", "submitted_at"]
    list_filter = ["period__plan"]
    search_fields = ["task__content", "agency__name"]
    list_select_related = ["task", "period", "agency"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(IndicatorValue)
class IndicatorValueAdmin(OfficeScopedAdmin):
    plan_path = "indicator__plan"

    def visible(self, request, qs):
        return visibility.indicator_values_visible_to(request.user, qs)

    list_display = ["indicator", "period", "value", "agency", "entered_at"]
    list_filter = ["period__plan"]
    search_fields = ["indicator__name"]
    list_select_related = ["indicator", "period", "agency"]


@admin.register(Instruction)
class InstructionAdmin(OfficeScopedAdmin):
    plan_path = "task__plan"

    def visible(self, request, qs):
        return visibility.instructions_visible_to(request.user, qs)

    list_display = ["task", "author", "created_at"]
    search_fields = ["text", "task__content"]
    list_select_related = ["task", "author"]

    def has_change_permission(self, request, obj=None):
        return False


# The in-app notices, the outbox's items and the sweep's runs (notifications imports no other
# app, so their admins are made superuser-only here, like the outbox above).
for _model in (Notification, OutboxItem, SweepRun):
    _base = type(admin.site._registry[_model])
    admin.site.unregister(_model)
    admin.site.register(_model, type(_base.__name__, (SuperuserOnlyAdmin, _base), {}))
