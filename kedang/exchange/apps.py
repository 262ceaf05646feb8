from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangeConfig(AppConfig):
    name = "kedang.exchange"
    verbose_name = _("导入导出")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kedang.agenda.daily import register_daily

        from .daily import import_uploads_due

        register_daily("导入文件到期删除", import_uploads_due, atomic=False)
