"""Reads about users: their role's data scope (R-G2)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser

from .models import Department, RoleSetting, User
from .roles import CHANGE_APPROVERS, MANAGER_ROLES, Scope


@dataclass(frozen=True)
class DataScope:
    scope: str | None  # None: the user has no role and sees nothing
    read_only: bool
    department_ids: frozenset[int]
    sees_phone: bool = False
    sees_id_number: bool = False
    may_unmask: bool = False


def data_scope(user: User | AnonymousUser) -> DataScope:
    """The data scope of the user's role, cached on the user object for the request."""
    cached = getattr(user, "_kedang_scope", None)
    if cached is not None:
        return cached
    result = DataScope(None, True, frozenset())
    if isinstance(user, User) and user.is_active and user.role:
        setting = RoleSetting.objects.filter(group__name=user.role).prefetch_related("departments").first()
        if setting is not None:
            dept_ids: set[int] = set()
            if setting.scope == Scope.DEPARTMENT and user.department_id:
                dept_ids = {user.department_id}
            elif setting.scope == Scope.DEPARTMENT_TREE and user.department:
                dept_ids = user.department.descendant_ids()
            elif setting.scope == Scope.CUSTOM:
                dept_ids = {d.pk for d in setting.departments.all()}
            result = DataScope(
                setting.scope,
                setting.read_only,
                frozenset(dept_ids),
                setting.sees_phone,
                setting.sees_id_number,
                setting.may_unmask,
            )
    user._kedang_scope = result  # type: ignore[union-attr]
    return result


def can_write(user: User | AnonymousUser) -> bool:
    scope = data_scope(user)
    return scope.scope is not None and not scope.read_only


def is_manager(user: User | AnonymousUser) -> bool:
    return isinstance(user, User) and user.role in MANAGER_ROLES


def can_approve_changes(user: User | AnonymousUser) -> bool:
    """Whether the user's changes to a filed archive apply at once, and she approves others' (R-G3)."""
    return isinstance(user, User) and user.is_active and user.role in CHANGE_APPROVERS


def assignable_owners() -> list[User]:
    """Active users who can own customers, for the owner picker."""
    return list(User.objects.filter(is_active=True).select_related("department").order_by("username"))


def departments() -> list[Department]:
    return list(Department.objects.order_by("name"))
