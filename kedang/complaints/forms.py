"""Page forms: their shape only; the rules are checked by the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Channel


class ComplaintForm(forms.Form):
    customer = forms.IntegerField(
        label=_("客户"), widget=forms.HiddenInput, error_messages={"required": _("请先查找并选择客户")}
    )
    vehicle = forms.IntegerField(label=_("车辆"), required=False)
    channel = forms.ChoiceField(label=_("渠道"), choices=Channel.choices, initial=Channel.PHONE)
    category = forms.IntegerField(label=_("类别"), required=False)
    summary = forms.CharField(label=_("投诉内容"), widget=forms.Textarea(attrs={"rows": 4}))


class FilterForm(forms.Form):
    q = forms.CharField(required=False)
    state = forms.CharField(required=False)
    channel = forms.CharField(required=False)
    category = forms.IntegerField(required=False)
    department = forms.IntegerField(required=False)
    handler = forms.CharField(required=False)
    overdue = forms.BooleanField(required=False)
    start = forms.DateField(required=False)
    end = forms.DateField(required=False)
