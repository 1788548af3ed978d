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
