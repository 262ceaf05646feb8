"""Exports recorded by the exchange module (ExportLog) also go into the access log; a restore re-applies the
erasure ledger."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from kedang.exchange.models import ExportLog
from kedang.ops.backup import restored

from .access_log import log_access
from .models import AccessAction


@receiver(post_save, sender=ExportLog, dispatch_uid="privacy_export_logged")
def export_logged(sender: type[ExportLog], instance: ExportLog, created: bool, **kwargs: Any) -> None:
    if created:
        action = AccessAction.PRINT if instance.file_format == "pdf" else AccessAction.EXPORT
        what = f"{instance.what} ({instance.file_format})"
        log_access(instance.user, action, customer=instance.customer, what=what, rows=instance.rows)


@receiver(restored, dispatch_uid="privacy_reapply_erasures")
def erase_again_after_restore(sender: object, **kwargs: Any) -> None:
    """A restored backup may predate erasures: the ledger (outside the database) erases them again."""
    from .services import reapply_erasures

    reapply_erasures()
