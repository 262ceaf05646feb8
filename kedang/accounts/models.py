from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import Role, Scope


class Department(models.Model):
    """A department; departments form a tree (R-G1, R-G2 data scopes)."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("部门")
        verbose_name_plural = _("部门")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def descendant_ids(self) -> set[int]:
        """This department and every department below it."""
        ids = {self.pk}
        frontier = {self.pk}
        while frontier:
            frontier = (
                set(Department.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - ids
            )
            ids |= frontier
        return ids


class User(AbstractUser):
    """A staff member. The role is the user's role group (one of Role)."""

    department = models.ForeignKey(
        Department,
        verbose_name=_("部门"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    display_name = models.CharField(_("姓名"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username

    @cached_property
    def role(self) -> str | None:
        names = [g.name for g in self.groups.all()]
        for r in Role.values:
            if r in names:
                return r
        return None

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label) if self.role else "—"


class RoleSetting(models.Model):
    """Data scope of one role (R-G2), editable by the administrator."""

    group = models.OneToOneField(Group, on_delete=models.CASCADE, related_name="role_setting")
    scope = models.CharField(_("数据范围"), max_length=20, choices=Scope.choices, default=Scope.SELF)
    departments = models.ManyToManyField(Department, verbose_name=_("自定义部门"), blank=True)
    read_only = models.BooleanField(_("只读"), default=False)
    # masking (R-G7): what the role sees in clear; the rest is shown masked
    sees_phone = models.BooleanField(_("显示完整电话"), default=False)
    sees_id_number = models.BooleanField(_("显示完整身份证号"), default=False)
    may_unmask = models.BooleanField(_("可凭事由查看单个完整值"), default=False)

    class Meta:
        verbose_name = _("角色数据范围")
        verbose_name_plural = _("角色数据范围")

    def __str__(self) -> str:
        return f"{self.group.name}: {self.get_scope_display()}"


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d}"
