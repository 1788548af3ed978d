"""The outbox in the admin: read-only, failed messages marked, and "Retry now" for them."""
from django import forms
from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from .models import ChannelEndpoint, Notification, OutboxItem, OutboxMessage, SweepRun
from .outbox import messages_retry


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by services only; the admin looks."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["text", "recipient", "created_at", "read_at"]
    search_fields = ["text", "recipient__username", "recipient__last_name", "recipient__first_name"]
    list_select_related = ["recipient"]


class OutboxItemInline(admin.TabularInline):
    model = OutboxItem
    extra = 0
    fields = ["key", "kind", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class OutboxMessageAdmin(ReadOnlyAdmin):
    """Registered by workflow.admin, which shows the coming days' reminders above the list."""

    list_display = ["subject", "destination", "channel", "kind", "state_shown", "attempts",
                    "next_attempt_at", "sent_at", "last_error_short"]
    list_filter = ["state", "channel", "kind", "priority"]
    search_fields = ["to_email", "subject", "key", "recipient__username"]
    list_select_related = ["recipient", "endpoint"]
    date_hierarchy = "created_at"
    readonly_fields = ["key", "recipient", "channel", "destination", "to_email", "kind",
                       "priority", "subject", "state",
                       "attempts", "next_attempt_at", "lease_until", "last_error", "message_id",
                       "created_at", "sent_at", "body_text", "body_html"]
    inlines = [OutboxItemInline]
    actions = ["retry_now"]
    @admin.display(description=_("state"), ordering="state")
    def state_shown(self, obj):
        if obj.state == OutboxMessage.State.FAILED:
            return format_html('<strong style="color:#b00020">✖ {}</strong>',
                               obj.get_state_display())
        if obj.is_deferred:
            return format_html('<span style="color:#8a5a00">{} ({})</span>',
                               obj.get_state_display(), _("waiting"))
        return obj.get_state_display()

    @admin.display(description=_("last error"))
    def last_error_short(self, obj):
        return obj.last_error[:80]

    def has_retry_permission(self, request):
        return request.user.has_perm("notifications.change_outboxmessage")

    @admin.action(description=_("Retry now (failed messages)"), permissions=["retry"])
    def retry_now(self, request, queryset):
        count = messages_retry(queryset=queryset)
        self.message_user(request, ngettext(
            "%(count)d failed message will be sent again.",
            "%(count)d failed messages will be sent again.", count) % {"count": count},
            messages.SUCCESS if count else messages.WARNING)


@admin.register(OutboxItem)
class OutboxItemAdmin(ReadOnlyAdmin):
    list_display = ["key", "kind", "message", "created_at"]
    list_filter = ["kind"]
    search_fields = ["key"]
    list_select_related = ["message"]


@admin.register(SweepRun)
class SweepRunAdmin(ReadOnlyAdmin):
    """When each day's reminder sweep ran: a day missing here had no reminders sent."""

    list_display = ["day", "started_at", "finished_at", "digests"]
    date_hierarchy = "day"


class ChannelEndpointForm(forms.ModelForm):
    """The secret is write-only: shown as set or not, never echoed back into the page."""

    class Meta:
        model = ChannelEndpoint
        fields = ["kind", "name", "target", "secret", "user", "owner_key", "active"]
        widgets = {"secret": forms.PasswordInput(render_value=False)}

    def clean_secret(self):
        # An empty field on an existing endpoint keeps the stored secret.
        secret = self.cleaned_data.get("secret", "")
        if not secret and self.instance.pk:
            return self.instance.secret
        return secret


@admin.register(ChannelEndpoint)
class ChannelEndpointAdmin(admin.ModelAdmin):
    """Robots and phones of people and agencies; the office (model permissions) and superusers.

    The target's token and the secret are credentials: the list shows the target masked."""

    form = ChannelEndpointForm
    list_display = ["__str__", "kind", "masked_target", "user", "owner_key", "active",
                    "created_at"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "owner_key", "user__username"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
