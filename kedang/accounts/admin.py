from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Department, RoleSetting, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("客档", {"fields": ("display_name", "department")}))  # type: ignore[misc]
    list_display = ["username", "display_name", "department", "is_active"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "parent"]


@admin.register(RoleSetting)
class RoleSettingAdmin(admin.ModelAdmin):
    list_display = ["group", "scope", "read_only", "sees_phone", "sees_id_number", "may_unmask"]
    list_editable = ["sees_phone", "sees_id_number", "may_unmask"]
    filter_horizontal = ["departments"]
