"""Configuration in the admin: the category tree and the stage deadlines (R-P3). Complaints themselves
change only through the workflow (pages, API), so they are read-only here."""

from django.contrib import admin
from django.http import HttpRequest

from kedang.privacy.admin_masking import MaskedAdminMixin

from .models import Category, Complaint, StageDeadline, Transition


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["__str__", "order", "active"]
    list_filter = ["active", "parent"]
    list_editable = ["order", "active"]


@admin.register(StageDeadline)
class StageDeadlineAdmin(admin.ModelAdmin):
    list_display = ["state", "working_days"]
    list_editable = ["working_days"]


class TransitionInline(MaskedAdminMixin, admin.TabularInline):
    model = Transition
    masked_fields = {"note": "text"}
    extra = 0
    can_delete = False
    readonly_fields = ["action", "from_state", "to_state", "actor", "at", "note"]
    fields = ["action", "from_state", "to_state", "actor", "at", "note"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Complaint)
class ComplaintAdmin(MaskedAdminMixin, admin.ModelAdmin):
    masked_fields = {
        "summary": "text",
        "resolution": "text",
        "opinion": "text",
        "reject_reason": "text",
    }
    list_display = ["number", "customer", "channel", "category", "state", "due_on", "handler"]
    list_filter = ["state", "channel"]
    search_fields = ["number", "customer__name"]
    inlines = [TransitionInline]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
