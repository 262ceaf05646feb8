"""`manage.py import_customers FILE` — import customers, vehicles and service events from .xlsx or .csv
(SPEC §14): a progress bar, then a summary and every rejected row.

Run it again after an interruption and it resumes where the last committed batch ended; run it again
after it finished and rows already imported are matched (updated, not duplicated).
"""

from __future__ import annotations

import sys
import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kedang.accounts.models import User
from kedang.accounts.roles import Role
from kedang.exchange import reading, services
from kedang.exchange.mapping import FIELDS, FIELDS_BY_CODE, header_key
from kedang.exchange.models import ImportJob, ImportStatus


def default_actor() -> User | None:
    """Without --user: the first active system administrator, else the first superuser."""
    active = User.objects.filter(is_active=True).order_by("id")
    return active.filter(groups__name=Role.ADMIN).first() or active.filter(is_superuser=True).first()


class Command(BaseCommand):
    help = "从 Excel（.xlsx）或 CSV 导入客户、车辆和服务记录；打印汇总和每一条被拒绝的行。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("file", help=".xlsx 或 .csv 文件（CSV 可为 UTF-8、带 BOM 的 UTF-8 或 GBK）")
        parser.add_argument("--user", help="以该用户身份导入（默认：第一个系统管理员）")
        parser.add_argument("--dry-run", action="store_true", help="试导入：检查并统计，不写入任何数据")
        parser.add_argument(
            "--batch-size", type=int, default=services.BATCH_SIZE, help="每批行数（每批一个事务）"
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="列名=字段",
            help="指定列对应的字段，如 --map 联系方式=customer.phone；字段见 --fields",
        )
        parser.add_argument("--fields", action="store_true", help="列出可导入的字段后退出")
        parser.add_argument(
            "--errors", metavar="OUT.xlsx", help="把被拒绝的行写入该 Excel 文件（含错误原因列）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["fields"]:
            for spec in FIELDS:
                self.stdout.write(f"{spec.code:34} {spec.label}  ({'、'.join(spec.synonyms[:4])})")
            return
        actor = self._actor(options["user"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size 至少为 1")
        dry_run: bool = options["dry_run"]
        job = None if dry_run else services.resumable_job(actor=actor, sha256=reading.file_sha256(path))
        try:
            if job is not None:
                self.stdout.write(
                    self.style.WARNING(
                        f"继续上次中断的导入（任务 {job.pk}，已完成 {job.done_rows}/{job.total_rows} 行）"
                    )
                )
            else:
                job = services.import_job_create(actor=actor, path=path, original_name=path.name)
                if options["map"]:
                    job = services.import_job_set_mapping(
                        actor=actor, job=job, mapping=self._mapping(job, options["map"])
                    )
                self._print_mapping(job)
            started = time.monotonic()
            bar = ProgressBar(self.stdout, job.total_rows)
            job = services.import_job_run(
                actor=actor,
                job=job,
                dry_run=dry_run,
                batch_size=options["batch_size"],
                progress=lambda j: bar.show(j.done_rows, j),
            )
            bar.done()
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from None
        self._print_summary(job, time.monotonic() - started)
        if options["errors"] and job.rejected:
            with open(options["errors"], "wb") as out:
                services.error_workbook(job, dry_run=dry_run, out=out)
            self.stdout.write(f"错误行已写入 {options['errors']}，改正后可再次导入。")
        if job.status == ImportStatus.FAILED:
            raise CommandError(job.message)

    def _actor(self, username: str | None) -> User:
        if username:
            user = User.objects.filter(username=username, is_active=True).first()
            if user is None:
                raise CommandError(f"用户不存在或已停用：{username}")
            return user
        user = default_actor()
        if user is None:
            raise CommandError("没有系统管理员账号，请用 --user 指定以谁的身份导入")
        return user

    def _mapping(self, job: ImportJob, pairs: list[str]) -> dict[int, str]:
        mapping = {int(i): code for i, code in job.mapping.items()}
        keys = [header_key(h) for h in job.headers]
        for pair in pairs:
            column, _, code = pair.partition("=")
            if header_key(column) not in keys:
                raise CommandError(f"文件中没有“{column}”这一列")
            if code and code not in FIELDS_BY_CODE:
                raise CommandError(f"未知字段：{code}（用 --fields 查看）")
            i = keys.index(header_key(column))
            mapping = {c: f for c, f in mapping.items() if f != code and c != i}
            if code:
                mapping[i] = code
        return mapping

    def _print_mapping(self, job: ImportJob) -> None:
        self.stdout.write(
            f"文件：{job.original_name}（{job.file_format.upper()}{' ' + job.encoding if job.encoding else ''}），"
            f"表头在第 {job.header_row} 行，数据 {job.total_rows} 行"
        )
        for i, header in enumerate(job.headers):
            code = job.mapping.get(str(i))
            target = f"{FIELDS_BY_CODE[code].label}（{code}）" if code else "— 不导入"
            self.stdout.write(f"  {header or '(空)'} → {target}")

    def _print_summary(self, job: ImportJob, seconds: float) -> None:
        what = "试导入" if job.dry_run else "导入"
        self.stdout.write(
            self.style.SUCCESS(
                f"{what}完成：新建 {job.created}，更新 {job.updated}（其中无变化 {job.unchanged}），"
                f"拒绝 {job.rejected}，空行 {job.skipped}；用时 {seconds:.1f} 秒"
            )
        )
        for item in services.rejected_list(job, dry_run=job.dry_run):
            column = f" {item['column']}" if item["column"] else ""
            self.stdout.write(f"  第 {item['row']} 行{column}：{item['message']}")


class ProgressBar:
    """A one-line bar on a terminal; a line per tenth elsewhere (logs, pipes)."""

    def __init__(self, out: Any, total: int) -> None:
        self.out, self.total, self.started = out, max(total, 1), time.monotonic()
        self.tty = hasattr(sys.stdout, "isatty") and sys.stdout.isatty()
        self.last_tenth = -1

    def show(self, done: int, job: ImportJob) -> None:
        share = min(done / self.total, 1.0)
        elapsed = time.monotonic() - self.started
        line = (
            f"[{'#' * int(share * 30):<30}] {share:4.0%} {done}/{self.total} 行  "
            f"新建 {job.created} 更新 {job.updated} 拒绝 {job.rejected}  {elapsed:.0f}s"
        )
        if self.tty:
            self.out.write("\r" + line, ending="")
            self.out.flush()
        elif int(share * 10) != self.last_tenth:
            self.last_tenth = int(share * 10)
            self.out.write(line)

    def done(self) -> None:
        if self.tty:
            self.out.write("")
