"""Shared helpers for the receivables tests."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from kedang.accounts.models import User
from kedang.receivables.models import Allocation, Invoice, Payment
from kedang.receivables.services import invoice_post, payment_post

_numbers = itertools.count(1)


def new_number(prefix: str = "FP") -> str:
    return f"{prefix}{next(_numbers):08d}"


def invoice(
    actor: User, customer: Any, amount: str, *, issued: dt.date, days: int = 30, **kw: Any
) -> Invoice:
    return invoice_post(
        actor=actor,
        customer_id=customer.pk,
        number=new_number(),
        issued_on=issued,
        due_date=issued + dt.timedelta(days=days),
        amount=amount,
        **kw,
    )


def pay(actor: User, customer: Any, amount: str, *, on: dt.date, **kw: Any) -> Payment:
    return payment_post(
        actor=actor, customer_id=customer.pk, received_on=on, amount=amount, method="transfer", **kw
    )


def sums_of_entries(customer: Any) -> tuple[Decimal, Decimal, Decimal]:
    """(invoiced, paid, allocated) added up in Python from the rows themselves."""
    inv = sum((i.amount for i in Invoice.objects.filter(customer=customer)), Decimal(0))
    paid = sum((p.amount for p in Payment.objects.filter(customer=customer)), Decimal(0))
    alloc = sum((a.amount for a in Allocation.objects.filter(invoice__customer=customer)), Decimal(0))
    return inv, paid, alloc


def open_amounts(customer: Any) -> dict[int, Decimal]:
    out = {}
    for inv in Invoice.objects.filter(customer=customer):
        out[inv.pk] = inv.amount - sum((a.amount for a in inv.allocations.all()), Decimal(0))
    return out
