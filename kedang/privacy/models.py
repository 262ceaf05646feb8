"""The access log (R-G6), consent (R-G10) and the erasure ledger."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessAction(models.TextChoices):
    VIEW = "view", _("查看")
    LIST = "list", _("列表")
    EXPORT = "export", _("导出")
    PRINT = "print", _("打印")
    DOWNLOAD = "download", _("下载附件")
    UNMASK = "unmask", _("查看完整信息")
    SUBJECT_EXPORT = "subject_export", _("导出个人信息")
    ERASE = "erase", _("删除个人信息")
    SEARCH = "search", _("搜索")


class AppendOnlyQuerySet(models.QuerySet["AccessLog"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("The access log is append-only")

    def delete(self) -> NoReturn:
        raise PermissionError("The access log is append-only")


class AccessLog(models.Model):
    """One access to customers' personal data. Append-only and hash-chained: each row's hash covers its
    content and the previous row's hash, so editing, deleting or inserting a row breaks the chain from
    there on (`manage.py verify_access_log`). `id` is the chain position, allocated by AccessLogHead.

    The customer is kept as id and archive number, not a foreign key: the log outlives erased customers.
    The user is kept by name too, and the hash covers the name, not the id (hash_version 2; rows of
    version 1 covered user_id): a user with log rows cannot be deleted (PROTECT) — deactivate her."""

    id = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField(_("时间"), db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    username = models.CharField(_("用户名"), max_length=150)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=20, choices=AccessAction.choices)
    customer_id = models.BigIntegerField(_("客户"), null=True, blank=True, db_index=True)
    archive_no = models.CharField(_("档号"), max_length=40, blank=True)
    what = models.CharField(_("内容"), max_length=200, blank=True)
    rows = models.PositiveIntegerField(_("条数"), default=1)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)
    # what row_hash covers: 1 = user_id (rows written before 2026-12), 2 = username
    hash_version = models.PositiveSmallIntegerField(default=2)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("访问日志")
        verbose_name_plural = _("访问日志")
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "at"], name="access_log_user_at")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.username} {self.action} {self.archive_no}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("The access log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("The access log is append-only")


class AccessLogHead(models.Model):
    """The end of the chain: one row, updated first by every writer so that writers queue on it, in
    the same transaction as the row appended. `mac` is an HMAC (keyed like the rows) over the last id
    and hash, so a tail cut off together with a rewritten head is found (`verify_access_log`)."""

    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)
    mac = models.CharField(max_length=64, blank=True, default="")

    def __str__(self) -> str:
        return f"#{self.last_id} {self.last_hash[:12]}"


class ConsentPurpose(models.TextChoices):
    SERVICE = "service", _("售后服务与回访")
    MARKETING = "marketing", _("营销与活动邀请")
    CARE = "care", _("生日与节日关怀")


class ConsentChannel(models.TextChoices):
    ALL = "all", _("全部渠道")
    SMS = "sms", _("短信")
    EMAIL = "email", _("电子邮件")
    LETTER = "letter", _("信函")
    PHONE = "phone", _("电话")


class Consent(models.Model):
    """What a customer agreed to (R-G10): purpose, channel, the notice version she was shown, when and who
    recorded it. Withdrawal keeps the row (withdrawn_at) — the record of what was agreed stays."""

    customer = models.ForeignKey(
        "customers.Customer", verbose_name=_("客户"), on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(_("用途"), max_length=20, choices=ConsentPurpose.choices)
    channel = models.CharField(_("渠道"), max_length=10, choices=ConsentChannel.choices, default="all")
    notice_version = models.CharField(_("告知书版本"), max_length=20)
    granted_at = models.DateTimeField(_("同意时间"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("授权同意")
        verbose_name_plural = _("授权同意")
        ordering = ["-granted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.purpose}/{self.channel}"


class Erasure(models.Model):
    """A customer erased on request (data-subject request). The same line is appended to the erasure ledger
    file (KEDANG_ERASURE_LEDGER, outside the database), so a restore of an older backup erases her again."""

    customer_id = models.BigIntegerField(_("客户"), unique=True)
    archive_no = models.CharField(_("档号"), max_length=40)
    erased_at = models.DateTimeField(_("删除时间"), default=timezone.now)
    erased_by = models.CharField(_("操作人"), max_length=150)
    reason = models.CharField(_("事由"), max_length=200)

    class Meta:
        verbose_name = _("个人信息删除记录")
        verbose_name_plural = _("个人信息删除记录")
        ordering = ["-erased_at"]

    def __str__(self) -> str:
        return f"{self.archive_no} {self.erased_at:%Y-%m-%d}"
