from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "kedang.governance"
    label = "governance"
    verbose_name = "档案管理制度"

    def ready(self) -> None:
        from kedang.agenda.daily import register_daily
        from kedang.archive.hooks import register_change_proposals, register_recycle_bin

        from . import signals  # noqa: F401 — registers the sealed-record guard
        from .daily import overdue_loans_count, recycle_bin_purge_due
        from .filing import change_propose
        from .recycle_bin import bin_put

        # customers do not know governance: it takes their filed archives' changes and their deletions
        register_change_proposals(change_propose)
        register_recycle_bin(bin_put)

        register_daily("purged", recycle_bin_purge_due, atomic=False)
        register_daily("overdue_loans", overdue_loans_count)
