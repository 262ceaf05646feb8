from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "kedang.complaints"
    label = "complaints"
    verbose_name = _("投诉处理")

    def ready(self) -> None:
        from kedang.agenda.daily import register_daily

        from .escalation import escalate_overdue_complaints

        register_daily("complaints", escalate_overdue_complaints)
