from django.contrib import admin
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from kedang.privacy.admin_masking import MaskedAdminMixin

from .models import ChecklistItem, Customer, FileType, Tag, Vehicle


class ChecklistInline(admin.TabularInline):
    model = ChecklistItem
    extra = 1


@admin.register(FileType)
class FileTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "per_vehicle", "order"]
    inlines = [ChecklistInline]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(Customer)
class CustomerAdmin(MaskedAdminMixin, SimpleHistoryAdmin):
    """Read-only here: customer data is written through the services (validation, history). Phones and
    ID numbers as the viewer's role sees them, each look logged (kedang.privacy.admin_masking)."""

    masked_fields = {"phone": "phone", "phone2": "phone", "id_number": "id_number", "notes": "text"}
    customer_field = ""

    list_display = ["archive_no", "name", "kind", "owner", "tier", "created_at"]
    list_filter = ["kind", "tier"]
    search_fields = ["archive_no", "name"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Vehicle)
class VehicleAdmin(CustomerAdmin):
    masked_fields = {}  # the VIN is not personal; the customer is shown by name and archive number
    customer_field = "customer"
    list_display = ["vin", "plate", "model", "customer", "delivery_date"]
    list_filter = []
    search_fields = ["vin", "plate"]
