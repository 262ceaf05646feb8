"""{% receivables_tab %}: the archive page's 合同回款 tab — balance, open invoices, recent payments, the
customer's contracts, and the posting forms for roles that may write (R-R2)."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from kedang.accounts.selectors import can_write
from kedang.customers.models import Customer
from kedang.receivables import selectors
from kedang.receivables.forms import ContractForm, InvoiceForm, PaymentForm
from kedang.receivables.money import to_money

register = template.Library()


@register.inclusion_tag("receivables/_customer_tab.html", takes_context=True)
def receivables_tab(context: Any) -> dict[str, Any]:
    customer: Customer = context["customer"]
    user = context["user"]
    today = timezone.localdate()
    contracts = list(selectors.contract_ledger(user, customer_id=customer.pk)[:20])
    for c in contracts:
        c.paid = to_money(c.paid)  # type: ignore[attr-defined]
    return {
        "customer": customer,
        "balance": selectors.customer_balance(customer, today=today),
        "open_invoices": list(selectors.open_invoices(customer)[:50]),
        "payments": selectors.recent_payments(customer, 10),
        "contracts": contracts,
        "can_edit": can_write(user),
        "invoice_form": InvoiceForm(initial={"issued_on": today, "due_date": today}),
        "payment_form": PaymentForm(initial={"received_on": today}),
        "contract_form": ContractForm(initial={"signed_on": today}),
        "today": today,
        "csrf_token": context.get("csrf_token"),
    }
