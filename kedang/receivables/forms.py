"""Forms of the receivables pages; the rules are in services.py."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import PaymentMethod


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        css = (
            "form-select form-select-sm"
            if isinstance(field, forms.ChoiceField)
            else "form-control form-control-sm"
        )
        field.widget.attrs.setdefault("class", css)


class _Styled:
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        _style(self)  # type: ignore[arg-type]


class InvoiceForm(_Styled, forms.Form):
    number = forms.CharField(label=_("发票号"), max_length=50)
    issued_on = forms.DateField(label=_("开票日期"), widget=forms.DateInput(attrs={"type": "date"}))
    due_date = forms.DateField(label=_("到期日"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.CharField(label=_("金额"), max_length=20)
    contract_id = forms.IntegerField(label=_("合同"), required=False, widget=forms.HiddenInput)


class PaymentForm(_Styled, forms.Form):
    received_on = forms.DateField(label=_("收款日期"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.CharField(label=_("金额"), max_length=20)
    method = forms.ChoiceField(label=_("方式"), choices=PaymentMethod.choices)
    reference = forms.CharField(label=_("凭证号"), max_length=100, required=False)
    bill_due_on = forms.DateField(
        label=_("票据到期日"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class LedgerFilter(forms.Form):
    q = forms.CharField(required=False, max_length=50)
    state = forms.CharField(required=False, max_length=20)
    unpaid = forms.BooleanField(required=False)
