"""Configuration in the admin: follow-up rules and the holiday calendar. Tasks, events and job runs are
shown read-only: they are written through the services and the daily job."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import CalendarDay, DailyRun, HolidayYear, Rule, ServiceEvent, Task


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "level",
        "event_kinds",
        "after_rule",
        "offset_months",
        "offset_days",
        "window_days",
        "assign_mode",
        "max_attempts",
        "active",
    ]
    list_editable = ["active"]
    fieldsets = [
        (None, {"fields": ["code", "name", "level", "active", "order"]}),
        (
            "触发与到期",
            {
                "fields": [
                    "event_kinds",
                    "after_rule",
                    "offset_months",
                    "offset_days",
                    "window_days",
                    "secondary_dealer_days",
                ]
            },
        ),
        (
            "分配与重拨",
            {
                "fields": [
                    "assign_mode",
                    "assign_department",
                    "max_attempts",
                    "retry_after_days",
                    "escalate_after_days",
                ]
            },
        ),
        ("话术", {"fields": ["script"]}),
    ]


@admin.register(HolidayYear)
class HolidayYearAdmin(admin.ModelAdmin):
    list_display = ["year", "source", "note"]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "name"]
    list_filter = ["is_workday"]
    date_hierarchy = "date"
    search_fields = ["name"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Task)
class TaskAdmin(ReadOnlyAdmin):
    list_display = ["id", "rule", "customer", "due_date", "window_end", "status", "assignee", "attempts"]
    list_filter = ["status", "rule"]
    list_select_related = ["rule", "customer", "assignee"]
    raw_id_fields = ["customer", "vehicle", "event", "parent"]
    date_hierarchy = "due_date"


@admin.register(ServiceEvent)
class ServiceEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "kind", "date", "customer", "vehicle", "amount", "accident", "source"]
    list_filter = ["kind", "source", "accident"]
    list_select_related = ["customer", "vehicle"]
    date_hierarchy = "date"


@admin.register(DailyRun)
class DailyRunAdmin(ReadOnlyAdmin):
    list_display = ["date", "started_at", "finished_at", "expired", "escalated", "seconds"]
