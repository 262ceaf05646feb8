from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest

from .models import Department, RoleSetting, User
from .services import USER_KEPT


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("客档", {"fields": ("display_name", "department")}))  # type: ignore[misc]
    list_display = ["username", "display_name", "department", "is_active"]

    def get_deleted_objects(self, objs: Any, request: HttpRequest) -> Any:
        """A user with access-log rows (or other kept records) is not deleted: say why, offer deactivation."""
        deleted, counts, perms, protected = super().get_deleted_objects(objs, request)
        if protected:
            messages.error(request, USER_KEPT)
        return deleted, counts, perms, protected


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "parent"]


@admin.register(RoleSetting)
class RoleSettingAdmin(admin.ModelAdmin):
    list_display = ["group", "scope", "read_only", "sees_phone", "sees_id_number", "may_unmask"]
    list_editable = ["sees_phone", "sees_id_number", "may_unmask"]
    filter_horizontal = ["departments"]
