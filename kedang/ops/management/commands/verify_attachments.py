"""`manage.py verify_attachments`: hash every attachment again (R-A7); exit 1 when any file changed, is
missing or is stray. Nothing is repaired."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kedang.ops.fixity import sweep


class Command(BaseCommand):
    help = "核对全部附件的 SHA-256：报告内容改变、缺失和多余的文件（不做任何修复）；有问题时退出码为 1"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-record", action="store_true", help="不保存本次检查结果")

    def handle(self, *args: Any, **options: Any) -> None:
        report = sweep(save=not options["no_record"])
        for line in report.lines():
            self.stdout.write(line)
        summary = (
            f"已核对 {report.checked} 个文件：内容改变 {len(report.changed)}，缺失 {len(report.missing)}，"
            f"多余 {len(report.stray)}（{report.seconds:.1f} 秒）"
        )
        if report.ok:
            self.stdout.write(summary)
            return
        self.stderr.write(summary)
        raise SystemExit(1)
