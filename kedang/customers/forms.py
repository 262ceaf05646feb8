"""Page forms: field types and widgets only. Domain validation happens in the services, whose
errors the views put back under each field."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kedang.accounts.models import User
from kedang.web.fields import ChineseDateField

from .models import CustomerKind, Gender, Tier


def _owner_choices() -> list[tuple[str, str]]:
    users = User.objects.filter(is_active=True).select_related("department").order_by("username")
    return [
        (u.username, gettext("%(user)s（%(department)s）") % {"user": u, "department": u.department or "—"})
        for u in users
    ]


class CustomerForm(forms.Form):
    kind = forms.ChoiceField(label=_("客户类型"), choices=CustomerKind.choices, widget=forms.RadioSelect)
    name = forms.CharField(label=_("名称"), max_length=100)
    phone = forms.CharField(label=_("手机/电话"), max_length=40, required=False)
    phone2 = forms.CharField(label=_("备用电话"), max_length=40, required=False)
    id_number = forms.CharField(label=_("身份证号"), max_length=30, required=False)
    uscc = forms.CharField(label=_("统一社会信用代码"), max_length=30, required=False)
    gender = forms.ChoiceField(label=_("性别"), choices=Gender.choices, required=False)
    birthday = ChineseDateField(
        label=_("出生日期"), required=False, help_text=_("公历；有身份证号时自动带出")
    )
    birthday_is_lunar = forms.BooleanField(label=_("过农历生日"), required=False)
    address = forms.CharField(label=_("地址"), max_length=255, required=False)
    email = forms.CharField(label=_("电子邮箱"), max_length=254, required=False)
    legal_representative = forms.CharField(label=_("法定代表人"), max_length=50, required=False)
    owner = forms.ChoiceField(label=_("客户经理"))
    tier = forms.ChoiceField(label=_("等级"), choices=[("", "—"), *Tier.choices], required=False)
    tags = forms.CharField(label=_("标签"), required=False, help_text=_("多个标签用逗号分隔"))
    source = forms.CharField(label=_("来源"), max_length=50, required=False)
    since = ChineseDateField(label=_("建立关系日期"), required=False)
    notes = forms.CharField(
        label=_("备注"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("兴趣、性格、家庭、背景等"),
    )
    market_area = forms.CharField(label=_("市场区域"), max_length=100, required=False)
    business_scope = forms.CharField(
        label=_("经营范围"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    capacity = forms.CharField(label=_("规模/产能"), max_length=100, required=False)
    credit_rating = forms.CharField(label=_("信用等级"), max_length=20, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(label=_("修改原因"), max_length=200, required=False)

    COMPANY_ONLY = (
        "uscc",
        "legal_representative",
        "market_area",
        "business_scope",
        "capacity",
        "credit_rating",
    )
    PERSON_ONLY = ("id_number", "gender", "birthday", "birthday_is_lunar")

    def __init__(
        self, *args: Any, owner_locked: bool = False, masked: Iterable[str] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        check_as_you_leave(self)
        # fields the user's role sees masked (R-G7): shown masked; a value left masked is kept as it is
        self.masked = frozenset(masked)
        for name in self.masked:
            self.fields[name].help_text = _("已脱敏显示；不修改则保持原值")
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ChoiceField)
        owner.choices = [("", gettext("— 请选择客户经理 —")), *_owner_choices()]
        owner.error_messages["required"] = gettext("请选择客户经理")
        if owner_locked:
            self.fields["owner"].disabled = True

    def service_fields(self) -> dict[str, Any]:
        """Cleaned data as the service takes it: fields of the other kind are sent empty."""
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("reason", "version")}
        for name in self.masked:
            if "*" in (data.get(name) or ""):
                del data[name]
        other = self.PERSON_ONLY if data["kind"] == CustomerKind.COMPANY else self.COMPANY_ONLY
        for name in other:
            data[name] = False if name == "birthday_is_lunar" else (None if name == "birthday" else "")
        return data


def check_as_you_leave(form: forms.Form) -> None:
    """Fields with a domain validator are checked by htmx when the user leaves them (UI.md)."""
    for name in ("phone", "phone2", "id_number", "uscc", "vin", "plate"):
        if name in form.fields:
            form.fields[name].widget.attrs.update(
                {
                    "hx-post": reverse("field_check", args=[name]),
                    "hx-trigger": "change",
                    "hx-target": f"#id_{name}-check",
                    "hx-swap": "innerHTML",
                }
            )


class VehicleForm(forms.Form):
    vin = forms.CharField(label=_("车架号（VIN）"), max_length=30)
    plate = forms.CharField(
        label=_("车牌号"), max_length=20, required=False, help_text=_("如 京A12345、粤BD12345")
    )
    model = forms.CharField(label=_("车型"), max_length=100, required=False)
    color = forms.CharField(label=_("颜色"), max_length=20, required=False)
    delivery_date = ChineseDateField(label=_("提车日期"), required=False)
    invoice_date = ChineseDateField(label=_("开票日期"), required=False)
    via_secondary_dealer = forms.BooleanField(label=_("二级网点销售"), required=False)
    insurance_expiry = ChineseDateField(label=_("保险到期"), required=False)
    inspection_due = ChineseDateField(label=_("年检到期"), required=False)
    maintenance_cycle_months = forms.IntegerField(
        label=_("保养周期（月）"), required=False, min_value=1, max_value=60
    )
    maintenance_due = ChineseDateField(label=_("下次保养"), required=False)
    vehicle_tax_due = ChineseDateField(label=_("车船税到期"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        check_as_you_leave(self)


class DocumentForm(forms.Form):
    file_type = forms.CharField(widget=forms.HiddenInput)
    vehicle = forms.IntegerField(required=False, widget=forms.HiddenInput)
    checklist_item = forms.IntegerField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(label=_("资料名称"), max_length=200, required=False)
    occurred_on = ChineseDateField(label=_("日期"), required=False)
    file = forms.FileField(label=_("扫描件"), required=False)


class LocationForm(forms.Form):
    file_type = forms.CharField(widget=forms.HiddenInput)
    vehicle = forms.IntegerField(required=False, widget=forms.HiddenInput)
    paper_archive_no = forms.CharField(label=_("纸质档号"), max_length=50, required=False)
    cabinet = forms.CharField(label=_("柜号"), max_length=20, required=False)
    shelf = forms.CharField(label=_("层号"), max_length=20, required=False)
    box = forms.CharField(label=_("盒号"), max_length=20, required=False)


class NoteForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    body = forms.CharField(label=_("内容"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    occurred_on = ChineseDateField(label=_("日期"), required=False)


class CustomerFilterForm(forms.Form):
    q = forms.CharField(required=False)
    owner = forms.CharField(required=False)
    tier = forms.ChoiceField(choices=[("", _("全部等级")), *Tier.choices], required=False)
    tag = forms.CharField(required=False)
    kind = forms.ChoiceField(choices=[("", _("全部类型")), *CustomerKind.choices], required=False)
