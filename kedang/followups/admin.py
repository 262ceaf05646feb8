"""Questionnaires are configuration (admin-editable); calls and samples are shown read-only."""

from __future__ import annotations

from django.contrib import admin

from kedang.agenda.admin import ReadOnlyAdmin
from kedang.privacy.admin_masking import MaskedAdminMixin

from .models import Call, QuestionItem, Questionnaire, Sample


class QuestionItemInline(admin.TabularInline):
    model = QuestionItem
    extra = 1


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ["name", "active"]
    filter_horizontal = ["rules"]
    inlines = [QuestionItemInline]


@admin.register(Call)
class CallAdmin(MaskedAdminMixin, ReadOnlyAdmin):
    masked_fields = {"remarks": "text", "issue": "text"}
    list_display = ["id", "task", "customer", "attempt", "outcome", "called_by", "called_on"]
    list_filter = ["outcome", "complaint_requested"]
    list_select_related = ["task__rule", "customer", "called_by"]


@admin.register(Sample)
class SampleAdmin(ReadOnlyAdmin):
    list_display = ["level", "period_start", "period_end", "size", "population", "created_by", "created_at"]
