"""`manage.py seed_demo_followups [--days N] [--if-empty]` — demo follow-up history over the last weeks."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from kedang.agenda.models import Task
from kedang.followups.demo import demo_followups


class Command(BaseCommand):
    help = "生成演示回访数据：近几周的服务事件、每日作业和客服回访记录（在 seed_demo 之后运行）。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--days", type=int, default=45, help="模拟的天数（默认 45）")
        parser.add_argument("--if-empty", action="store_true", help="已有回访任务时什么也不做")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and Task.objects.exists():
            self.stdout.write("已有回访数据，跳过。")
            return
        result = demo_followups(days=options["days"])
        self.stdout.write(
            self.style.SUCCESS(
                f"完成：{result.events} 个服务事件，{result.tasks} 条回访任务，{result.calls} 次回访电话。"
            )
        )
