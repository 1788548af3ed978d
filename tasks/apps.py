from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TasksConfig(AppConfig):
    name = "tasks"
    verbose_name = _("Plans and tasks")

    def ready(self):
        from config import checks  # noqa: F401  (registers the settings checks)
