from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from .models import (
    Agency,
    AgencyAlias,
    Contact,
    LeadingGroup,
    LeadingGroupMember,
    StaffProfile,
)
from .permissions import staff_sync
from .services import suggestion_reject


class AgencyAliasInline(admin.TabularInline):
    model = AgencyAlias
    extra = 0
    fields = ["name", "key"]
    readonly_fields = ["key"]


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "parent", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "short_name", "aliases__name"]
    autocomplete_fields = ["parent"]
    inlines = [AgencyAliasInline, ContactInline]


@admin.register(AgencyAlias)
class AgencyAliasAdmin(admin.ModelAdmin):
    list_display = ["name", "agency", "key"]
    search_fields = ["name", "agency__name"]
    autocomplete_fields = ["agency"]


class AgencyGroupAdmin(admin.ModelAdmin):
    """Registered by workflow.admin, which adds the action giving members their assignments."""

    list_display = ["name", "member_count"]
    search_fields = ["name"]
    filter_horizontal = ["members"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("members"))

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, obj):
        return obj.member_total


class AgencyMatchSuggestionAdmin(admin.ModelAdmin):
    """Registered by workflow.admin, whose merge moves the tasks' and reports' references too."""

    list_display = ["agency", "candidate", "score", "status", "source"]
    list_filter = ["status"]
    search_fields = ["agency__name", "candidate__name"]
    actions = ["reject"]

    @admin.action(description=_("Different agencies: reject the suggestion"))
    def reject(self, request, queryset):
        for suggestion in queryset:
            suggestion_reject(suggestion=suggestion)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["person", "agency", "role", "email", "phone"]
    list_filter = ["agency__kind"]
    search_fields = ["person", "agency__name", "email", "phone"]
    autocomplete_fields = ["agency"]


class LeadingGroupMemberInline(admin.TabularInline):
    model = LeadingGroupMember
    extra = 0
    fields = ["order", "role", "name", "post", "agency"]
    autocomplete_fields = ["agency"]


@admin.register(LeadingGroup)
class LeadingGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "plan", "office_agency", "office_director"]
    search_fields = ["name", "plan__title", "office_director"]
    autocomplete_fields = ["office_agency"]
    inlines = [LeadingGroupMemberInline]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "agency__name"]
    autocomplete_fields = ["agency"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        staff_sync(obj)  # the agency's and role's permissions follow the profile
