"""`manage.py seed_demo [--customers N] [--seed S] [--if-empty]` — realistic zh_CN demo data (SPEC §14)."""

from __future__ import annotations

import time
import unicodedata
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kedang.accounts.models import User
from kedang.accounts.roles import Role
from kedang.customers.demo import DEFAULT_SEED, DEMO_PASSWORD, DEMO_USERS, demo_seed
from kedang.customers.models import Customer


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def login_table(rows: list[tuple[str, ...]]) -> str:
    """A plain-text table whose columns line up in a terminal even with Chinese text."""
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


class Command(BaseCommand):
    help = "生成演示数据：每个角色一个演示账号、客户、车辆和销售档案资料（中文、可重现）。"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--customers", type=int, default=200, help="客户数量（默认 200）")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"随机种子（默认 {DEFAULT_SEED}）")
        parser.add_argument("--if-empty", action="store_true", help="已有任何客户时什么也不做")

    def handle(self, *args: Any, **options: Any) -> None:
        n: int = options["customers"]
        if n < 0:
            raise CommandError("--customers 不能为负数")
        if options["if_empty"] and Customer.objects.exists():
            self.stdout.write("已有客户数据，跳过演示数据。")
            self._print_logins(
                {u.username: u for u in User.objects.filter(username__in=[d.username for d in DEMO_USERS])}
            )
            return
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"  已生成客户 {done}/{total}")

        self.stdout.write(f"正在生成演示数据：{n} 个客户 …")
        result = demo_seed(customers=n, seed=options["seed"], progress=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"完成：{result.customers} 个客户，{result.vehicles} 辆车，{result.documents} 份销售档案资料，"
                f"用时 {time.monotonic() - started:.1f} 秒。"
            )
        )
        self._print_logins({u.username: u for u in result.users})

    def _print_logins(self, users: dict[str, User]) -> None:
        rows: list[tuple[str, ...]] = [("用户名", "角色", "部门", "姓名", "密码")]
        for du in DEMO_USERS:
            user = users.get(du.username)
            if user is not None:
                rows.append(
                    (du.username, Role(du.role).label, du.department, user.display_name or "", DEMO_PASSWORD)
                )
        if len(rows) == 1:
            return
        self.stdout.write("")
        self.stdout.write("演示账号：")
        self.stdout.write(login_table(rows))
