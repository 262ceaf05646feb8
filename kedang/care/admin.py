from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from kedang.privacy.admin_masking import MaskedAdminMixin

from .models import CareEvent, DoNotContact, Holiday, Message, MessageTemplate
from .templating import check_template


@admin.register(Holiday)
class HolidayAdmin(admin.ModelAdmin):
    list_display = ["name", "calendar", "month", "day", "active"]
    list_editable = ["active"]


class MessageTemplateForm(forms.ModelForm):
    """The template form checks its placeholders like the service does (templating.check_template)."""

    class Meta:
        model = MessageTemplate
        fields = ["name", "channel", "subject", "body", "active"]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        for field in ("subject", "body"):
            try:
                check_template(str(data.get(field) or ""), field)
            except ValidationError as exc:
                self.add_error(None, exc)
        return data


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ["name", "channel", "active"]
    list_filter = ["channel", "active"]


@admin.register(Message)
class MessageAdmin(MaskedAdminMixin, admin.ModelAdmin):
    masked_fields = {"recipient": "contact", "body": "text"}
    list_display = ["id", "channel", "recipient", "status", "reason", "created_at", "sent_at"]
    list_filter = ["channel", "status"]
    raw_id_fields = ["customer", "vehicle", "task", "invitation", "record", "template", "created_by"]


@admin.register(DoNotContact)
class DoNotContactAdmin(MaskedAdminMixin, admin.ModelAdmin):
    masked_fields = {"reason": "text"}
    list_display = ["customer", "channel", "reason", "created_at"]
    raw_id_fields = ["customer", "created_by"]


@admin.register(CareEvent)
class CareEventAdmin(admin.ModelAdmin):
    list_display = ["title", "date", "place"]
