from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CareConfig(AppConfig):
    name = "kedang.care"
    label = "care"
    verbose_name = _("关怀提醒")

    def ready(self) -> None:
        from kedang.agenda.daily import register_daily

        from .daily import care_daily

        register_daily("care", care_daily)
