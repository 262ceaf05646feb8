"""A restore re-applies the erasure ledger. (Exports reach the access log through
kedang.archive.output.output_logged, which writes both logs.)"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from kedang.ops.backup import restored


@receiver(restored, dispatch_uid="privacy_reapply_erasures")
def erase_again_after_restore(sender: object, **kwargs: Any) -> None:
    """A restored backup may predate erasures: the ledger (outside the database) erases them again."""
    from .services import reapply_erasures

    reapply_erasures()
