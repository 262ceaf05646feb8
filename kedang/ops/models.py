"""Operations records: which sessions a user holds (so that deactivation ends them all) and the
results of attachment fixity sweeps (R-A7)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LoginSession(models.Model):
    """One logged-in browser session of a user; removed at logout, ended when the user is deactivated."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    ip = models.CharField(_("IP 地址"), max_length=45, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("登录会话")
        verbose_name_plural = _("登录会话")

    def __str__(self) -> str:
        return f"{self.user_id}@{self.ip}"


class FixityRun(models.Model):
    """One sweep over the attachment store: what was checked and every problem found (never fixed)."""

    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    seconds = models.FloatField(_("耗时（秒）"), default=0)
    checked = models.PositiveIntegerField(_("已核对文件"), default=0)
    changed = models.JSONField(_("内容已改变"), default=list)
    missing = models.JSONField(_("文件缺失"), default=list)
    stray = models.JSONField(_("多余文件"), default=list)

    class Meta:
        verbose_name = _("附件完整性检查")
        verbose_name_plural = _("附件完整性检查")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} {'OK' if self.ok else 'PROBLEMS'}"

    @property
    def ok(self) -> bool:
        return not (self.changed or self.missing or self.stray)
