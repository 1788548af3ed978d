from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = _("Workflow")

    def ready(self):
        from django.core import checks

        from .calendar import calendar_register
        from .checks import check_calendar_coverage

        checks.register(check_calendar_coverage, "duban")
        calendar_register()  # the office's 法定节假日 and 调休 days, before chinese-calendar's
