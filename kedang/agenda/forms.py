"""Page forms of the agenda: record a service event, filter the task list."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from kedang.customers.models import Vehicle
from kedang.web.fields import ChineseDateField

from .models import EventKind, Rule, TaskStatus


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("事件类型"), choices=EventKind.choices)
    date = ChineseDateField(
        label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    vehicle = forms.TypedChoiceField(label=_("车辆"), coerce=int, required=False, empty_value=None)
    amount = forms.DecimalField(
        label=_("金额（元）"), required=False, min_value=0, max_digits=12, decimal_places=2
    )
    accident = forms.BooleanField(label=_("事故车"), required=False)
    notes = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, vehicles: list[Vehicle], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["vehicle"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("（不涉及车辆）"))] + [
            (v.pk, " ".join(p for p in (v.plate or v.vin, v.model) if p)) for v in vehicles
        ]


class TaskFilterForm(forms.Form):
    due_from = ChineseDateField(label=_("应回访日从"), required=False)
    due_to = ChineseDateField(label=_("至"), required=False)
    rule = forms.ChoiceField(label=_("规则"), required=False)
    status = forms.ChoiceField(
        label=_("状态"), required=False, choices=[("", _("全部状态")), *TaskStatus.choices]
    )
    assignee = forms.CharField(label=_("负责人"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["rule"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("全部规则"))] + [
            (r.code, r.name) for r in Rule.objects.order_by("order", "code")
        ]
