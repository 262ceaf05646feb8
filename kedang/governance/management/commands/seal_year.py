"""`manage.py seal_year YEAR` — bind each category's filed records of YEAR into fixed volumes (R-A9)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from kedang.governance.sealing import seal_year


class Command(BaseCommand):
    help = "年度封卷：将该年各类别已归档的资料组成固定卷并编制卷内目录"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("year", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        year: int = options["year"]
        if not 2000 <= year <= timezone.localdate().year:
            raise CommandError(f"年度 {year} 不合理")
        volumes = seal_year(year=year)
        if not volumes:
            self.stdout.write(f"{year} 年没有待封卷的已归档资料。")
            return
        for v in volumes:
            self.stdout.write(f"  {v.code}  {v.file_type.name}  {v.records.count()} 件")
        self.stdout.write(
            self.style.SUCCESS(f"完成：{len(volumes)} 卷。卷内目录可在“纸质档案 → 固定卷”打印。")
        )
