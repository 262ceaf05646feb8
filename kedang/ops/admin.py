from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import FixityRun, LoginSession


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(FixityRun)
class FixityRunAdmin(ReadOnly):
    list_display = ["started_at", "checked", "problem_counts", "seconds"]
    readonly_fields = ["started_at", "seconds", "checked", "changed", "missing", "stray"]

    @admin.display(description=_("内容改变 / 缺失 / 多余"))
    def problem_counts(self, obj: FixityRun) -> str:
        return f"{len(obj.changed)} / {len(obj.missing)} / {len(obj.stray)}"


@admin.register(LoginSession)
class LoginSessionAdmin(ReadOnly):
    list_display = ["user", "ip", "created_at"]
    list_filter = ["user"]
