"""`manage.py run_daily [--date YYYY-MM-DD]` — the daily job (SPEC §14): idempotent, set-based,
catching up days that were skipped since the last run."""

from __future__ import annotations

import datetime as dt
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kedang.agenda.daily import daily_run
from kedang.agenda.workdays import uncovered_years


class Command(BaseCommand):
    help = "每日作业：生成到期的回访任务、关闭过期任务、逾期上报经理（可重复运行，补跑漏掉的日期）。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--date", help="作业日期 YYYY-MM-DD（默认今天）")
        parser.add_argument("--no-catch-up", action="store_true", help="只跑这一天，不补跑之前漏掉的日期")
        parser.add_argument("--from", dest="start", help="从这一天补跑到 --date（首次上线时补建近期任务）")

    def handle(self, *args: Any, **options: Any) -> None:
        day = None
        if options["date"]:
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date 格式应为 YYYY-MM-DD") from None
        start = None
        if options["start"]:
            try:
                start = dt.date.fromisoformat(options["start"])
            except ValueError:
                raise CommandError("--from 格式应为 YYYY-MM-DD") from None
        result = daily_run(day, catch_up=not options["no_catch_up"], start=start)
        span = (
            f"{result.dates[0]:%Y-%m-%d} … {result.date:%Y-%m-%d}"
            if len(result.dates) > 1
            else f"{result.date:%Y-%m-%d}"
        )
        self.stdout.write(f"每日作业 {span}：用时 {result.seconds:.2f} 秒")
        self.stdout.write(f"  由车辆提车日期补登提车事件：{result.events_from_vehicles}")
        self.stdout.write(f"  新建回访任务：{result.created_total}")
        for code, n in result.created.items():
            self.stdout.write(f"    {code:<10} {n}")
        self.stdout.write(f"  窗口期已过、关闭：{result.expired}")
        self.stdout.write(f"  逾期上报经理：{result.escalated}")
        self.stdout.write(f"  回收站到期彻底删除：{result.purged}")
        self.stdout.write(f"  纸质档案借阅逾期未还：{result.overdue_loans}")
        for label, n in result.parts.items():
            if label in ("purged", "overdue_loans"):
                continue
            self.stdout.write(f"  {label}：{n}")
        missing = uncovered_years({result.date.year, (result.date + dt.timedelta(days=90)).year})
        if missing:
            years = "、".join(str(y) for y in missing)
            self.stdout.write(
                self.style.WARNING(
                    f"  注意：{years} 年的节假日安排尚未录入，按周末计算工作日；请在系统设置中添加。"
                )
            )
