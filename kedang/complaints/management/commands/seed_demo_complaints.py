"""`manage.py seed_demo_complaints [--days N] [--count N] [--if-empty]` — demo complaints (after seed_demo)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from kedang.complaints.demo import demo_complaints, has_complaints


class Command(BaseCommand):
    help = "生成演示投诉数据：近几个月的投诉及其处理经过（在 seed_demo 之后运行）。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--days", type=int, default=90, help="受理日期分布的天数（默认 90）")
        parser.add_argument("--count", type=int, default=60, help="投诉件数（默认 60）")
        parser.add_argument("--if-empty", action="store_true", help="已有投诉时什么也不做")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and has_complaints():
            self.stdout.write("已有投诉数据，跳过。")
            return
        made = demo_complaints(days=options["days"], count=options["count"])
        self.stdout.write(self.style.SUCCESS(f"完成：{made} 件投诉。"))
