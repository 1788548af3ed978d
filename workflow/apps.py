from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkflowConfig(AppConfig):
    name = "workflow"
    verbose_name = _("Workflow")

    def ready(self):
        from django.core import checks

        from .calendar import calendar_register
        from .checks import check_calendar_coverage
        from .figures import figures_signals_connect

        checks.register(check_calendar_coverage, "duban")
        figures_signals_connect()  # the dashboards' cached figures go stale with each change
        calendar_register()  # the office's 法定节假日 and 调休 days, before chinese-calendar's
