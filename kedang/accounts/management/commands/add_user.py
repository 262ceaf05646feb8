"""`manage.py add_user USERNAME --role ROLE --password PW [--department NAME] [--name 显示名]` (SPEC §14)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kedang.accounts.roles import Role
from kedang.accounts.services import user_upsert

FIELD_LABELS = {"role": "角色", "password": "密码", "department": "部门", "username": "用户名"}


def _roles_text() -> str:
    return "、".join(f"{code}（{label}）" for code, label in Role.choices)


class Command(BaseCommand):
    help = (
        f"创建用户，或更新已有用户的角色、部门和密码。部门不存在时自动创建。可选角色：{' '.join(Role.values)}"
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username", help="登录用户名")
        parser.add_argument("--role", required=True, help=f"角色代码：{' '.join(Role.values)}")
        parser.add_argument("--password", required=True, help="登录密码（须通过密码强度校验）")
        parser.add_argument("--department", default=None, help="部门名称；不存在时自动创建")
        parser.add_argument("--name", dest="display_name", default="", help="显示名（姓名）")

    def handle(self, *args: Any, **options: Any) -> None:
        username = str(options["username"]).strip()
        role = str(options["role"]).strip()
        if not username:
            raise CommandError("用户名不能为空")
        if role not in Role.values:
            raise CommandError(f"未知角色：{role}。可选角色：{_roles_text()}")
        try:
            user, created = user_upsert(
                username=username,
                role=role,
                password=options["password"],
                department=(options["department"] or "").strip() or None,
                display_name=(options["display_name"] or "").strip(),
            )
        except ValidationError as exc:
            raise CommandError(_describe(exc)) from exc
        label = Role(role).label
        if created:
            self.stdout.write(self.style.SUCCESS(f"已创建用户 {user.username}（{label}）"))
        else:
            self.stdout.write(self.style.SUCCESS(f"已更新用户 {user.username}（{label}）"))


def _describe(exc: ValidationError) -> str:
    """All messages of a (possibly field-keyed) ValidationError, one line each, field named in Chinese."""
    if hasattr(exc, "error_dict"):
        lines = [
            f"{FIELD_LABELS.get(name, name)}：{message}"
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        lines = list(exc.messages)
    return "\n".join(lines)
