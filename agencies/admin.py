"""The agencies' admin, and the office scope every app's admin builds on (issue 10).

OfficeScopedAdmin (and OfficeScopedInline) is the one place that says what an office user sees
and changes in the admin: the objects of the plans their office supervises (the
tasks.supervise_plan object permission, the same grant the pages use), each ModelAdmin naming
the way from its model to the plan (`plan_path`) and, for reports, contributions and their
kin, the object kind's visibility rule (`visible`, workflow/visibility.py), so that a draft is
not read in the admin either. Querysets, foreign-key and many-to-many choices follow the scope;
another office's object answers 404. A superuser sees everything.

The agency directory (agencies, their spellings and contacts) is shared by every office: all
read it (a task needing a lead may need any agency), an office changes only the agencies of its
own plans. Who holds which role and agency (StaffProfile), users and groups, the beat schedule
and the mail outbox (which mixes every plan's messages) are the superuser's only, and nobody
edits their own profile.
"""
from django.contrib import admin
from django.contrib.admin.utils import get_fields_from_path
from django.contrib.auth.models import User
from django.db.models import Count, Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from guardian.shortcuts import get_objects_for_user

from .models import (
    Agency,
    AgencyAlias,
    Contact,
    LeadingGroup,
    LeadingGroupMember,
    StaffProfile,
)
from .permissions import SUPERVISE_PLAN, profile_of, staff_sync
from .services import suggestion_reject

# ---- the office scope -----------------------------------------------------------------------


def office_plans(user):
    """The plans the user's office supervises (named by permission: agencies imports no
    tasks model)."""
    return get_objects_for_user(user, SUPERVISE_PLAN, accept_global_perms=False)


def office_agencies(user):
    """Agencies of the user's plans: their tasks' agencies, assignees, leading-group members
    and office hosts, and the user's own agency."""
    plans = office_plans(user).values("pk")
    profile = profile_of(user)
    # One subquery per relation (an OR across joins multiplies the rows).
    return Agency.objects.filter(
        Q(pk__in=Agency.tasks.through.objects.filter(task__plan__in=plans).values("agency"))
        | Q(pk__in=Agency.objects.filter(assignments__task__plan__in=plans).values("pk"))
        | Q(pk__in=Agency.objects.filter(supervised_plans__in=plans).values("pk"))
        | Q(pk__in=Agency.objects.filter(leading_group_members__group__plan__in=plans)
            .values("pk"))
        | Q(pk=profile.agency_id if profile else None)
    ).values("pk")


def _limit_choices(admin_site, db_field, request, kwargs) -> None:
    """Foreign-key and many-to-many choices: what the related model's admin shows the user."""
    if request.user.is_superuser or "queryset" in kwargs:
        return
    related = admin_site._registry.get(db_field.remote_field.model)
    if isinstance(related, OfficeScopedAdmin):
        kwargs["queryset"] = related.get_queryset(request)
    elif isinstance(related, SuperuserOnlyAdmin):
        kwargs["queryset"] = db_field.remote_field.model.objects.none()


class ScopedChoicesMixin:
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        _limit_choices(self.admin_site, db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        _limit_choices(self.admin_site, db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class OfficeScopedAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    """Every app's ModelAdmin builds on this: an office user sees and changes only the objects
    of their office's plans. `plan_path` leads from the model to its plan ("task__plan"; "pk"
    for the plan itself); None means "not a plan's object" and the subclass says what it
    shows by overriding `scoped`. `visible` applies the object kind's visibility rule."""

    plan_path: str | None = None

    def visible(self, request, qs):
        return qs

    def scoped(self, request, qs):
        if self.plan_path is None:
            return qs.none()
        return qs.filter(**{f"{self.plan_path}__in": office_plans(request.user).values("pk")})

    def get_queryset(self, request):
        qs = self.visible(request, super().get_queryset(request))
        if request.user.is_superuser:
            return qs
        return self.scoped(request, qs)

    def get_list_filter(self, request):
        """A related field's filter lists only the objects in the rows shown, not every
        office's plans."""
        filters = super().get_list_filter(request)
        if request.user.is_superuser:
            return filters
        return [(f, admin.RelatedOnlyFieldListFilter)
                if isinstance(f, str) and get_fields_from_path(self.model, f)[-1].is_relation
                else f for f in filters]

    def changeable(self, request, qs):
        """What the user may change or delete (by default: what they see)."""
        return qs

    def _may_change(self, request, obj) -> bool:
        if obj is None or request.user.is_superuser:
            return True
        return self.changeable(request, self.get_queryset(request)).filter(pk=obj.pk).exists()

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_change(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_change(request, obj)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects to the index saying the id does not exist; an object outside the
        # user's scope answers 404 like every page, revealing nothing either way.
        raise Http404


class OfficeScopedInline(ScopedChoicesMixin, admin.options.InlineModelAdmin):
    """Inlines: choices scoped as in OfficeScopedAdmin; `visible` filters the rows shown."""

    def visible(self, request, qs):
        return qs

    def get_queryset(self, request):
        return self.visible(request, super().get_queryset(request))


class SuperuserOnlyAdmin(admin.ModelAdmin):
    """Models no office user may read or change in the admin, whatever their model rights."""

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404  # as OfficeScopedAdmin: no message naming the id, a plain 404

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser

    def has_add_permission(self, request, *args):
        return request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and super().has_delete_permission(request, obj)


def seal(site) -> list[str]:
    """Make every registered admin that is neither office-scoped nor superuser-only (users,
    groups, Celery beat's schedule, anything a later package registers) superuser-only, so
    that no admin is left unscoped by default. Run once all admins are registered
    (AgenciesConfig.ready, after the admin's autodiscovery); returns the models sealed."""
    sealed = []
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, (OfficeScopedAdmin, SuperuserOnlyAdmin)):
            continue
        base = type(model_admin)
        site.unregister(model)
        site.register(model, type(base.__name__, (SuperuserOnlyAdmin, base), {}))
        sealed.append(model._meta.label)
    return sealed


class AgencyAliasInline(OfficeScopedInline, admin.TabularInline):
    model = AgencyAlias
    extra = 0
    fields = ["name", "key"]
    readonly_fields = ["key"]


class ContactInline(OfficeScopedInline, admin.TabularInline):
    model = Contact
    extra = 0


class DirectoryAdmin(OfficeScopedAdmin):
    """The agency directory: every office reads it, changes only its own plans' agencies."""

    agency_path = "pk"

    def scoped(self, request, qs):
        return qs

    def changeable(self, request, qs):
        return qs.filter(**{f"{self.agency_path}__in": office_agencies(request.user)})


@admin.register(Agency)
class AgencyAdmin(DirectoryAdmin):
    list_display = ["name", "short_name", "kind", "parent", "active", "requires_signoff"]
    list_filter = ["kind", "active", "requires_signoff"]
    search_fields = ["name", "short_name", "aliases__name"]
    autocomplete_fields = ["parent"]
    inlines = [AgencyAliasInline, ContactInline]


@admin.register(AgencyAlias)
class AgencyAliasAdmin(DirectoryAdmin):
    agency_path = "agency"
    list_display = ["name", "agency", "key"]
    search_fields = ["name", "agency__name"]
    autocomplete_fields = ["agency"]


class AgencyGroupAdmin(DirectoryAdmin):
    """Registered by workflow.admin, which adds the action giving members their assignments.
    An office changes the groups its plans' tasks name."""

    def changeable(self, request, qs):
        return qs.filter(tasks__plan__in=office_plans(request.user).values("pk")).distinct()

    list_display = ["name", "member_count"]
    search_fields = ["name"]
    filter_horizontal = ["members"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(member_total=Count("members"))

    @admin.display(description=_("members"), ordering="member_total")
    def member_count(self, obj):
        return obj.member_total


class AgencyMatchSuggestionAdmin(DirectoryAdmin):
    """Registered by workflow.admin, whose merge moves the tasks' and reports' references too.
    An office settles the suggestions about its own plans' agencies."""

    agency_path = "agency"

    list_display = ["agency", "candidate", "score", "status", "source"]
    list_filter = ["status"]
    search_fields = ["agency__name", "candidate__name"]
    actions = ["reject"]

    @admin.action(description=_("Different agencies: reject the suggestion"))
    def reject(self, request, queryset):
        for suggestion in queryset:
            suggestion_reject(suggestion=suggestion)


@admin.register(Contact)
class ContactAdmin(DirectoryAdmin):
    agency_path = "agency"
    list_display = ["person", "agency", "role", "email", "phone"]
    list_filter = ["agency__kind"]
    search_fields = ["person", "agency__name", "email", "phone"]
    autocomplete_fields = ["agency"]


class LeadingGroupMemberInline(OfficeScopedInline, admin.TabularInline):
    model = LeadingGroupMember
    extra = 0
    fields = ["order", "role", "name", "post", "agency"]
    autocomplete_fields = ["agency"]


@admin.register(LeadingGroup)
class LeadingGroupAdmin(OfficeScopedAdmin):
    plan_path = "plan"
    list_display = ["name", "plan", "office_agency", "office_director"]
    search_fields = ["name", "plan__title", "office_director"]
    autocomplete_fields = ["office_agency"]
    inlines = [LeadingGroupMemberInline]


@admin.register(StaffProfile)
class StaffProfileAdmin(SuperuserOnlyAdmin):
    """Who holds which role at which agency: a superuser's decision, and never about oneself
    (an office user could otherwise make themselves another office's director)."""

    list_display = ["user", "agency", "role"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__last_name", "user__first_name", "agency__name"]
    autocomplete_fields = ["agency"]

    def has_change_permission(self, request, obj=None):
        own = obj is not None and obj.user_id == request.user.pk
        return not own and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        own = obj is not None and obj.user_id == request.user.pk
        return not own and super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":  # one's own profile is not given either
            kwargs["queryset"] = User.objects.exclude(pk=request.user.pk)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        staff_sync(obj)  # the agency's and role's permissions follow the profile
