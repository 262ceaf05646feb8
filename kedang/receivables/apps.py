from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReceivablesConfig(AppConfig):
    name = "kedang.receivables"
    label = "receivables"
    verbose_name = _("合同回款")

    def ready(self) -> None:
        from kedang.agenda.daily import register_daily

        from .daily import plan_due_tasks

        register_daily("receivables", plan_due_tasks)
