"""`manage.py backup DIR`: a consistent snapshot of the database and the attachments, with a manifest of
SHA-256 hashes, taken while the app keeps serving (R-G9). Exit 1 when the attachment store had problems."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kedang.ops.backup import BackupError, backup


class Command(BaseCommand):
    help = "备份数据库与附件到目录 DIR（新目录或空目录），附 SHA-256 清单；备份期间系统照常使用"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dir", help="备份目录（不存在或为空）")

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        try:
            result = backup(options["dir"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        m = result.manifest
        rows = sum(t["rows"] for t in m["database"]["tables"].values())
        size = sum(f["size"] for f in m["media"].values())
        self.stdout.write(
            f"已备份到 {result.path}：{m['engine']} 数据库 {len(m['database']['tables'])} 张表 {rows} 行，"
            f"文件 {len(m['media'])} 个 {size / 1024 / 1024:.1f} MB（{time.monotonic() - started:.1f} 秒）"
        )
        if result.problems:
            for line in result.problems:
                self.stderr.write(line)
            self.stderr.write("备份不完整：附件库有问题（见上），请先用 verify_attachments 查明")
            raise SystemExit(1)
