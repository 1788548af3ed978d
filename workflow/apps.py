from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = _("Workflow")

    def ready(self):
        from django.core import checks

        from .checks import check_calendar_coverage

        checks.register(check_calendar_coverage, "duban")
