"""`manage.py check_static`: exit 1, saying why, while the pages could not find their static files
(no collectstatic manifest, or one older than the code). deploy/start.sh runs it before gunicorn."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kedang.ops.startup import static_manifest_problem


class Command(BaseCommand):
    help = "检查 collectstatic 生成的静态文件清单是否齐全（生产启动前）"

    def handle(self, *args: Any, **options: Any) -> None:
        problem = static_manifest_problem()
        if problem:
            raise CommandError(f"拒绝启动：{problem}")
        self.stdout.write("静态文件清单齐全")
