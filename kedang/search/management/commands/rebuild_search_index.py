"""`manage.py rebuild_search_index` — recompute the whole search index from the archive."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from kedang.search.index import rebuild


class Command(BaseCommand):
    help = "重建客户检索索引"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--batch", type=int, default=50000, help="每批客户数")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"  已索引 {done}/{total}")

        n = rebuild(batch=options["batch"], progress=progress)
        self.stdout.write(self.style.SUCCESS(f"完成：{n} 个客户，用时 {time.monotonic() - started:.1f} 秒。"))
