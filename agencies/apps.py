from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    name = "agencies"
    verbose_name = _("Agencies")

    def ready(self):
        # The admin's autodiscovery (django.contrib.admin, first in INSTALLED_APPS) has
        # registered every ModelAdmin by now: whatever is not office-scoped becomes
        # superuser-only (agencies.admin).
        from django.contrib import admin

        from .admin import seal

        seal(admin.site)

        # A person is shown by name, never by account name (issue 11 §4): str(user) — what
        # the admin's lists, choices and history print for a user — and the short name its
        # header greets with are the name in Chinese order (lib.names.full_name), the
        # account name only when none was entered.
        from django.contrib.auth.models import User

        from lib.names import full_name

        User.__str__ = User.get_short_name = full_name
