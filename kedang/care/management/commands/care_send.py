"""`manage.py care_send [--batch ID]`: send the queued outbox messages now (what the huey task runs)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from kedang.care.sending import send_batch


class Command(BaseCommand):
    help = "发送发件箱中待发送的消息（与 huey 任务相同）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", default=None, help="只发送这一批")

    def handle(self, *args: Any, **options: Any) -> None:
        r = send_batch(options["batch"])
        self.stdout.write(
            f"sent {r.sent} failed {r.failed} deferred {r.deferred} retry {r.retry} recovered {r.recovered}"
        )
