"""`manage.py deactivate_user USERNAME`: the user can no longer log in; every session and token ends now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from kedang.accounts.models import User
from kedang.ops.sessions import user_deactivate


class Command(BaseCommand):
    help = "停用用户：立即结束其全部登录会话并作废 API 令牌"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = user_deactivate(username=options["username"])
        except User.DoesNotExist as exc:
            raise CommandError(f"用户不存在：{options['username']}") from exc
        self.stdout.write(f"已停用 {user.username}，其会话与令牌已全部失效")
