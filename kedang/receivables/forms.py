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


class ContractForm(_Styled, forms.Form):
    number = forms.CharField(label=_("合同编号"), max_length=50)
    title = forms.CharField(label=_("合同名称"), max_length=200, required=False)
    signed_on = forms.DateField(label=_("签订日期"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.CharField(label=_("合同金额"), max_length=20)
    payment_terms = forms.CharField(
        label=_("付款条件"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    plan = forms.CharField(
        label=_("回款计划"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "2026-03-31 5000.00 7"}),
        help_text=_("每行一期：应收日期 金额 [提前提醒天数]"),
    )

    def clean_plan(self) -> list[dict[str, object]]:
        import datetime as dt

        lines = []
        for n, raw in enumerate((self.cleaned_data.get("plan") or "").splitlines(), start=1):
            parts = raw.split()
            if not parts:
                continue
            try:
                due = dt.date.fromisoformat(parts[0])
                notice = int(parts[2]) if len(parts) > 2 else 7
                amount = parts[1]
            except (ValueError, IndexError) as exc:
                raise forms.ValidationError(f"第 {n} 行应为：应收日期 金额 [提前提醒天数]") from exc
            lines.append({"due_date": due, "amount": amount, "notice_days": notice})
        return lines
