"""The access log is read-only in the admin too (append-only, R-G6); consents and erasures are shown."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from kedang.archive.masking import mask_text

from .models import AccessLog, Consent, Erasure


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ReadOnly):
    list_display = ["id", "at", "username", "ip", "action", "archive_no", "what_shown", "rows"]
    list_filter = ["action"]
    search_fields = ["username", "archive_no"]
    exclude = ["what"]
    readonly_fields = ["what_shown"]

    @admin.display(description="内容")
    def what_shown(self, obj: AccessLog) -> str:
        """Older rows hold typed numbers in clear: masked for every reader."""
        return mask_text(obj.what)


@admin.register(Consent)
class ConsentAdmin(ReadOnly):
    list_display = ["customer", "purpose", "channel", "notice_version", "granted_at", "withdrawn_at"]


@admin.register(Erasure)
class ErasureAdmin(ReadOnly):
    list_display = ["archive_no", "erased_at", "erased_by", "reason"]
