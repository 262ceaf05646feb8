"""`manage.py add_user` (SPEC §14): creates, updates, refuses unknown roles and weak passwords."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kedang.accounts.models import Department, User
from kedang.accounts.roles import Role

STRONG = "Kd-cli-pass-2026"


@pytest.fixture(autouse=True)
def fast_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def run(*args: str, **options: Any) -> str:
    out = StringIO()
    call_command("add_user", *args, stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_add_user_creates_user_with_role_department_and_password() -> None:
    output = run(
        "liwei",
        "--role",
        "account_manager",
        "--password",
        STRONG,
        "--department",
        "销售一部",
        "--name",
        "李伟",
    )

    user = User.objects.get(username="liwei")
    assert user.role == Role.ACCOUNT_MANAGER
    assert user.department is not None and user.department.name == "销售一部"
    assert user.display_name == "李伟"
    assert user.check_password(STRONG)
    assert not user.is_superuser
    assert "已创建用户 liwei（客户经理）" in output


@pytest.mark.django_db
def test_add_user_again_updates_role_department_and_password() -> None:
    run("liwei", "--role", "account_manager", "--password", STRONG, "--department", "销售一部")
    assert not Department.objects.filter(name="客服部").exists()

    output = run("liwei", role="cs_manager", password="Another-pass-77", department="客服部")

    assert User.objects.filter(username="liwei").count() == 1
    user = User.objects.get(username="liwei")
    assert user.role == Role.CS_MANAGER
    assert user.department is not None and user.department.name == "客服部"  # created on the fly
    assert user.check_password("Another-pass-77")
    assert not user.check_password(STRONG)
    assert "已更新用户 liwei" in output


@pytest.mark.django_db
def test_admin_role_gets_admin_site_access() -> None:
    run("root", role="admin", password=STRONG)
    user = User.objects.get(username="root")
    assert user.is_staff and user.is_superuser and user.role == Role.ADMIN


@pytest.mark.django_db
def test_unknown_role_fails_listing_valid_roles_and_writes_nothing() -> None:
    with pytest.raises(CommandError) as exc:
        run("liwei", role="boss", password=STRONG, department="新部门")

    assert exc.value.returncode != 0
    message = str(exc.value)
    assert "boss" in message
    for role in Role.values:
        assert role in message
    assert not User.objects.filter(username="liwei").exists()
    assert not Department.objects.filter(name="新部门").exists()


@pytest.mark.django_db
def test_weak_password_is_refused_with_django_messages_and_writes_nothing() -> None:
    with pytest.raises(CommandError) as exc:
        run("liwei", role="cs_agent", password="123", department="新部门")

    assert "密码" in str(exc.value)
    assert not User.objects.filter(username="liwei").exists()
    assert not Department.objects.filter(name="新部门").exists()


@pytest.mark.django_db
def test_weak_password_on_update_keeps_the_old_one() -> None:
    run("liwei", role="cs_agent", password=STRONG)
    with pytest.raises(CommandError):
        run("liwei", role="finance", password="password")
    user = User.objects.get(username="liwei")
    assert user.check_password(STRONG)
    assert user.role == Role.CS_AGENT


@pytest.mark.django_db
def test_role_and_password_are_required() -> None:
    with pytest.raises(CommandError):
        run("liwei", "--password", STRONG)
    with pytest.raises(CommandError):
        run("liwei", "--role", "cs_agent")
    assert not User.objects.filter(username="liwei").exists()
