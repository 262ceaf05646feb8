"""manage.py reapply_erasures: after restoring a backup, erase again the customers in the erasure ledger."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kedang.privacy.services import reapply_erasures


class Command(BaseCommand):
    help = "按删除台账（KEDANG_ERASURE_LEDGER）再次删除恢复备份后重新出现的客户"

    def handle(self, *args: Any, **options: Any) -> None:
        n = reapply_erasures()
        self.stdout.write(f"再次删除 {n} 位客户")
