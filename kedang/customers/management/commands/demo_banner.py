"""`manage.py demo_banner [--host H] [--port P] [--wait S]` — the address and the demo logins, printed last.

`make run` starts it beside runserver: it waits until the server accepts connections, so that the lines a
new user needs come after Django's start-up messages instead of scrolling away behind them (#21 item 9)."""

from __future__ import annotations

import socket
import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from kedang.accounts.models import User
from kedang.accounts.roles import Role
from kedang.customers.demo import DEMO_PASSWORD, DEMO_USERS

from .seed_demo import login_table


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


class Command(BaseCommand):
    help = "服务启动后打印访问地址和演示账号。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--wait", type=float, default=0, help="最多等待服务启动的秒数（默认不等）")

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = options["host"], options["port"]
        deadline = time.monotonic() + options["wait"]
        while options["wait"] and not _listening(host, port):
            if time.monotonic() > deadline:
                self.stderr.write(
                    f"服务未在 {options['wait']:.0f} 秒内启动（{host}:{port}），请查看上面的错误信息。"
                )
                return
            time.sleep(0.3)
        users = {u.username: u for u in User.objects.filter(username__in=[d.username for d in DEMO_USERS])}
        rows: list[tuple[str, ...]] = [("用户名", "角色", "部门", "姓名", "密码")]
        rows += [
            (
                d.username,
                str(Role(d.role).label),
                d.department,
                users[d.username].display_name or "",
                DEMO_PASSWORD,
            )
            for d in DEMO_USERS
            if d.username in users
        ]
        self.stdout.write("")
        if len(rows) > 1:
            self.stdout.write("演示账号（每个角色一个）：")
            self.stdout.write(login_table(rows))
            self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(f"  客档 Kedang 已启动： http://{host}:{port}/   按 Ctrl-C 停止")
        )
        self.stdout.write("")
