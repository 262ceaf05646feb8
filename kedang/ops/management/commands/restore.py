"""`manage.py restore DIR`: check the backup against its manifest, replace the database and MEDIA_ROOT
with it, and verify every table and file (R-G9). Stop the web server and the worker first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kedang.ops.backup import BackupError, read_manifest, restore, verify_backup


class Command(BaseCommand):
    help = "从备份目录恢复数据库与附件并逐表、逐文件核对（会覆盖现有数据；请先停止网站和后台任务）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("dir", help="备份目录")
        parser.add_argument("--noinput", "--no-input", action="store_false", dest="interactive")
        parser.add_argument("--check-only", action="store_true", help="只核对备份本身，不恢复")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            manifest = read_manifest(Path(options["dir"]))
            if options["check_only"]:
                problems = verify_backup(options["dir"])
                for line in problems:
                    self.stderr.write(line)
                if problems:
                    raise SystemExit(1)
                self.stdout.write(f"备份完好：{len(manifest['media'])} 个文件与清单一致")
                return
            if options["interactive"]:
                answer = input(f"将用 {manifest['created_at']} 的备份覆盖当前数据库和附件。输入 yes 继续：")
                if answer.strip().lower() != "yes":
                    raise CommandError("已取消")
            report = restore(options["dir"])
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        for line in report.problems:
            self.stderr.write(line)
        if report.problems:
            self.stderr.write("恢复后核对不一致（见上）")
            raise SystemExit(1)
        self.stdout.write(
            f"已恢复并核对：{report.tables} 张表 {report.rows} 行、{report.files} 个文件与备份一致"
        )
