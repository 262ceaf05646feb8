from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "kedang.governance"
    label = "governance"
    verbose_name = "档案管理制度"

    def ready(self) -> None:
        from . import signals  # noqa: F401 — registers the sealed-record guard
