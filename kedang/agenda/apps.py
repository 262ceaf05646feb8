from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgendaConfig(AppConfig):
    name = "kedang.agenda"
    label = "agenda"
    verbose_name = _("回访任务")

    def ready(self) -> None:
        from kedang.archive.events import vehicles_saved

        from .hooks import on_vehicles_saved

        vehicles_saved.connect(on_vehicles_saved, dispatch_uid="agenda.delivery_sync")
