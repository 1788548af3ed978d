from django.contrib import admin

from .models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Who holds a token, since when; deleting one revokes it. Keys are issued only by
    `manage.py api_token` (shown once), and the digest is not shown."""

    list_display = ("user", "created_at")
    search_fields = ("user__username",)
    fields = ("user", "created_at")
    readonly_fields = ("user", "created_at")

    def has_add_permission(self, request):
        return False
