"""Account operations: users, roles, departments, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.http import HttpRequest
from django.utils import timezone

from .models import ApiToken, Department, RoleSetting, User
from .roles import DEFAULT_MASKING, DEFAULT_SCOPES, Role

USER_KEPT = (
    "该用户已有访问日志等必须保留的记录，不能删除（日志须保留操作人）。"
    "请改为停用：取消勾选“有效”并保存，其登录、会话和 API 令牌随即失效。"
)


@transaction.atomic
def user_delete(*, username: str) -> None:
    """Delete a user who has left no kept records; one with access-log rows (PROTECT) is refused with
    USER_KEPT: deactivate her instead (kedang.ops.sessions.user_deactivate)."""
    user = User.objects.filter(username=username).first()
    if user is None:
        raise ValidationError({"username": ValidationError("用户不存在", code="invalid")})
    try:
        with transaction.atomic():
            user.delete()
    except ProtectedError as exc:
        raise ValidationError(USER_KEPT, code="protected") from exc


def roles_ensure() -> None:
    """Create the role groups and their default data scopes if missing (idempotent)."""
    for code, (scope, read_only) in DEFAULT_SCOPES.items():
        group, _ = Group.objects.get_or_create(name=code)
        phone, id_number, unmask = DEFAULT_MASKING[code]
        RoleSetting.objects.get_or_create(
            group=group,
            defaults={
                "scope": scope,
                "read_only": read_only,
                "sees_phone": phone,
                "sees_id_number": id_number,
                "may_unmask": unmask,
            },
        )


@transaction.atomic
def department_get_or_create(*, name: str, parent: Department | None = None) -> Department:
    name = name.strip()
    if not name:
        raise ValidationError({"department": ValidationError("部门名称不能为空", code="required")})
    dept, _ = Department.objects.get_or_create(name=name, defaults={"parent": parent})
    return dept


@transaction.atomic
def user_upsert(
    *,
    username: str,
    role: str,
    password: str,
    department: str | None = None,
    display_name: str = "",
    check_password: bool = True,
) -> tuple[User, bool]:
    """Create the user, or update role, department and password of an existing one (SPEC §14 add_user)."""
    if role not in Role.values:
        raise ValidationError(
            {"role": ValidationError(f"未知角色：{role}；可选：{' '.join(Role.values)}", code="invalid")}
        )
    roles_ensure()
    user = User.objects.filter(username=username).first()
    created = user is None
    if user is None:
        user = User(username=username)
    if display_name:
        user.display_name = display_name
    if department:
        user.department = department_get_or_create(name=department)
    if check_password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.error_list}) from exc
    user.set_password(password)
    user.is_staff = role == Role.ADMIN
    user.is_superuser = role == Role.ADMIN
    user.save()
    user.groups.remove(*Group.objects.filter(name__in=Role.values))
    user.groups.add(Group.objects.get(name=role))
    user.__dict__.pop("role", None)
    return user, created


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_issue(*, username: str, password: str, request: HttpRequest | None = None) -> str | None:
    """Return a new bearer token for valid credentials, else None. The request lets the login lockout
    (django-axes) count failures by account and address; a call from code without one counts as local."""
    if request is None:
        request = HttpRequest()
        request.META["REMOTE_ADDR"] = "127.0.0.1"
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        return None
    raw = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user, digest=_digest(raw), expires_at=timezone.now() + timedelta(days=settings.KEDANG_TOKEN_DAYS)
    )
    return raw


def token_user(raw: str) -> User | None:
    """The active user owning this unexpired token, or None."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(raw), expires_at__gt=timezone.now(), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
