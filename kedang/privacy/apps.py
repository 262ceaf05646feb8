from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    name = "kedang.privacy"
    label = "privacy"
    verbose_name = _("隐私与审计")

    def ready(self) -> None:
        from . import signals  # noqa: F401
