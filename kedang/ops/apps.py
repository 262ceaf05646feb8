from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: login hardening, session hygiene, attachment fixity, backup and restore."""

    name = "kedang.ops"
    label = "ops"
    verbose_name = "运维与安全"

    def ready(self) -> None:
        from . import signals  # noqa: F401
