from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operations: login hardening, session hygiene, attachment fixity, backup and restore."""

    name = "kedang.ops"
    label = "ops"
    verbose_name = _("运维与安全")

    def ready(self) -> None:
        from kedang.agenda.daily import register_daily

        from . import signals  # noqa: F401
        from .housekeeping import housekeeping

        register_daily("ops: sessions and login records", housekeeping)
