from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from agencies.admin import OfficeScopedAdmin, OfficeScopedInline
from agencies.models import Agency
from agencies.permissions import profile_of

from .models import Indicator, IndicatorLead, Section, Target, Task, TaskAgency, TaskGroup
from .services import task_sync_needs_lead


class SectionInline(OfficeScopedInline, admin.TabularInline):
    model = Section
    extra = 0
    fields = ["order", "number", "title", "parent"]
    show_change_link = True

    def get_formset(self, request, obj=None, **kwargs):
        self._plan = obj
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":  # only this plan's sections, not every plan's
            kwargs["queryset"] = Section.objects.filter(plan=getattr(self, "_plan", None))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PlanAdmin(OfficeScopedAdmin):
    """Registered by workflow.admin, which adds the reporting schedule, the reminder policy,
    the escalation tiers and the action generating periods. An office sees its own plans;
    plans come from the import page (which grants the office), so only a superuser adds one
    here, and an office cannot hand its plan to another office."""

    plan_path = "pk"

    def has_add_permission(self, request):
        return request.user.is_superuser and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        # Deleting a plan deletes its reports and their history: a superuser's decision.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "office_agency" and not request.user.is_superuser:
            profile = profile_of(request.user)
            kwargs["queryset"] = Agency.objects.filter(pk=profile.agency_id if profile else None)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    list_display = ["title", "doc_number", "issued_on", "state", "task_count", "needing_lead"]
    list_filter = ["state", "issued_on"]
    search_fields = ["title", "issuer", "doc_number"]
    # state moves only through transitions (workflow.services); the source is what was imported.
    readonly_fields = ["state", "source_name", "source_sha256", "source_file", "imported_at"]
    autocomplete_fields = ["office_agency"]
    inlines = [SectionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            task_total=Count("tasks", distinct=True),
            needing=Count("tasks", filter=Q(tasks__needs_lead=True), distinct=True),
        )

    @admin.display(description=_("tasks"), ordering="task_total")
    def task_count(self, obj):
        return obj.task_total

    @admin.display(description=_("tasks needing a lead"), ordering="needing")
    def needing_lead(self, obj):
        return obj.needing


@admin.register(Section)
class SectionAdmin(OfficeScopedAdmin):
    plan_path = "plan"
    list_display = ["__str__", "plan", "parent", "order"]
    list_filter = ["plan"]
    search_fields = ["title", "plan__title"]
    raw_id_fields = ["parent"]


class TaskAgencyInline(OfficeScopedInline, admin.TabularInline):
    model = TaskAgency
    extra = 0
    fields = ["role", "order", "agency"]
    autocomplete_fields = ["agency"]


class TaskGroupInline(OfficeScopedInline, admin.TabularInline):
    model = TaskGroup
    extra = 0
    autocomplete_fields = ["group"]


@admin.register(Task)
class TaskAdmin(OfficeScopedAdmin):
    plan_path = "plan"
    list_display = ["short_content", "plan", "section", "leads", "needs_lead", "deadline_on"]
    list_filter = ["plan", "needs_lead", "agency_links__role"]
    search_fields = ["content", "agencies__name"]
    list_select_related = ["plan", "section"]
    raw_id_fields = ["section"]
    readonly_fields = ["state"]
    filter_horizontal = ["indicators"]
    inlines = [TaskAgencyInline, TaskGroupInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("agency_links__agency")

    @admin.display(description=_("content"))
    def short_content(self, obj):
        return obj.content[:50]

    @admin.display(description=_("lead agencies"))
    def leads(self, obj):
        return "、".join(a.name for a in obj.lead_agencies())

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        task_sync_needs_lead(task=form.instance)  # the clerk may just have added a lead


@admin.register(Target)
class TargetAdmin(OfficeScopedAdmin):
    plan_path = "plan"
    list_display = ["__str__", "plan", "value", "comparator", "kind"]
    list_filter = ["plan", "kind"]


class IndicatorLeadInline(OfficeScopedInline, admin.TabularInline):
    model = IndicatorLead
    extra = 0
    autocomplete_fields = ["agency"]


@admin.register(Indicator)
class IndicatorAdmin(OfficeScopedAdmin):
    plan_path = "plan"
    list_display = ["seq", "name", "category", "unit", "baseline_value", "target", "attribute",
                    "plan"]
    list_filter = ["plan", "attribute", "category"]
    search_fields = ["name", "category"]
    list_select_related = ["plan", "target"]
    raw_id_fields = ["target"]
    inlines = [IndicatorLeadInline]
