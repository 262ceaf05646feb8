"""manage.py verify_access_log: walk the hash chain; name the first tampered row and exit non-zero."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kedang.privacy.access_log import verify_chain


class Command(BaseCommand):
    help = "校验访问日志的哈希链：发现被改动、删除或插入的记录时指出第一条并以非零状态退出"

    def handle(self, *args: Any, **options: Any) -> None:
        count, broken = verify_chain()
        if broken is not None:
            raise CommandError(
                f"访问日志第 {broken.row_id} 条校验失败（{broken.reason}）；此前 {count} 条完好"
            )
        self.stdout.write(self.style.SUCCESS(f"访问日志完好：{count} 条记录，哈希链校验通过"))
