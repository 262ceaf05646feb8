"""Import jobs with their progress and rejected rows, and the export log (R-I1, R-I2).

An import job is one uploaded file with its column mapping. It runs in batches; each batch commits
its rows, the job's counters and its rejected rows together, so a job killed mid-way resumes from
the last committed batch and ends exactly as one clean run would.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from kedang.privacy.crypto import EncryptedJSONField


class ImportStatus(models.TextChoices):
    READY = "ready", _("待导入")
    DRY_RUNNING = "dry_running", _("试导入中")
    CHECKED = "checked", _("已试导入")
    RUNNING = "running", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class ImportJob(models.Model):
    """One file to import: where it is, how its columns map to fields, and how far it got."""

    kind = models.CharField(_("类型"), max_length=20, default="customers")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    path = models.CharField(max_length=500, help_text="absolute path of the stored file")
    original_name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(default=0)
    file_format = models.CharField(_("格式"), max_length=10)  # xlsx | csv
    encoding = models.CharField(_("编码"), max_length=20, blank=True)
    delimiter = models.CharField(max_length=1, blank=True)
    header_row = models.PositiveIntegerField(default=1)
    headers = models.JSONField(default=list)
    # column index (as a string, JSON keys are strings) → field code; unmapped columns are absent
    mapping = models.JSONField(default=dict)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)

    status = models.CharField(
        _("状态"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.READY
    )
    dry_run = models.BooleanField(default=False, help_text="the current (or last) run is a dry run")
    # the current run: rows done (committed), and what happened to them
    done_rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(_("新建"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("无变化"), default=0)
    rejected = models.PositiveIntegerField(_("拒绝"), default=0)
    skipped = models.PositiveIntegerField(_("空行"), default=0)
    dry_report = models.JSONField(default=dict, blank=True)
    message = models.TextField(blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def progress_percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status in (ImportStatus.DONE, ImportStatus.CHECKED) else 0
        return min(100, self.done_rows * 100 // self.total_rows)


class ImportRejection(models.Model):
    """A rejected row of a run: its original cells (for the error workbook) and every reason."""

    job = models.ForeignKey(ImportJob, on_delete=models.CASCADE, related_name="rejections")
    dry_run = models.BooleanField(default=False)
    row = models.PositiveIntegerField(_("行号"))
    values = EncryptedJSONField(default=list, purpose="importrejection.values")  # phones, ID numbers (R-G7)
    # [{"field": code, "column": header, "code": error code, "message": Chinese reason}]
    errors = models.JSONField(default=list)

    class Meta:
        verbose_name = _("导入错误行")
        verbose_name_plural = _("导入错误行")
        ordering = ["row"]
        indexes = [models.Index(fields=["job", "dry_run", "row"])]

    def __str__(self) -> str:
        return f"{self.job_id}:{self.row}"


class ExportLog(models.Model):
    """Who exported what, when, with which filters and how many rows (R-G7: exports are logged)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    what = models.CharField(_("内容"), max_length=50)
    file_format = models.CharField(_("格式"), max_length=10)
    filters = models.JSONField(default=dict, blank=True)
    rows = models.PositiveIntegerField(_("行数"), default=0)
    customer = models.ForeignKey(
        "customers.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("导出记录")
        verbose_name_plural = _("导出记录")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.what} {self.file_format} {self.created_at:%Y-%m-%d %H:%M}"
