"""Contracts and receivables over HTTP (SPEC §14, wave 2; R-R1..R-R3). Money is sent and received as
strings with two decimals ("1280.50"). Thin: parse, call a service or a selector, shape. A customer,
contract or payment the caller may not see answers 404; a read-only role 403; a step that does not fit
the contract's state 409."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field

from kedang.accounts.models import User
from kedang.archive.visibility import customer_for_read
from kedang.customers.api import ERRORS, DateIn

from . import selectors, services
from .models import Contract, Invoice, Payment, PaymentMethod
from .money import ZERO, money_str

router = Router(tags=["receivables"])
Money = str | int
PAGE_SIZE = 50


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class PlanIn(Schema):
    due_date: DateIn = Field(None, description="YYYY-MM-DD")
    amount: Money = Field(description='金额，字符串，如 "1280.50"')
    notice_days: int = 7


class ContractIn(Schema):
    model_config = ConfigDict(extra="forbid")

    customer_id: int
    number: str
    signed_on: DateIn = Field(None, description="YYYY-MM-DD")
    amount: Money = Field(description='合同金额，字符串，如 "1280.50"')
    title: str = ""
    start: DateIn = None
    end: DateIn = None
    payment_terms: str = ""
    plan: list[PlanIn] = []


class InstallmentOut(Schema):
    period: int
    due_date: dt.date
    amount: str
    notice_days: int


class ContractOut(Schema):
    id: int
    number: str
    customer_id: int
    title: str
    signed_on: dt.date
    start: dt.date | None
    end: dt.date | None
    amount: str
    payment_terms: str
    state: str
    void_reason: str
    invoiced: str
    paid: str
    plan: list[InstallmentOut]
    plan_paid: int
    warning: str = ""


class ContractListOut(Schema):
    items: list[ContractOut]
    next_page: int | None


class InvoiceIn(Schema):
    model_config = ConfigDict(extra="forbid")

    customer_id: int
    contract_id: int | None = None
    number: str
    date: DateIn = Field(None, description="开票日期 YYYY-MM-DD")
    due_date: DateIn = Field(None, description="到期日 YYYY-MM-DD")
    amount: Money = Field(description='金额，字符串，如 "1280.50"')
    source: str = Field("", description="contract | manual | fee（默认：有合同为 contract，否则 manual）")
    source_ref: str = ""


class InvoiceOut(Schema):
    id: int
    customer_id: int
    contract_id: int | None
    number: str
    date: dt.date
    due_date: dt.date
    amount: str
    open: str
    source: str


class PaymentIn(Schema):
    model_config = ConfigDict(extra="forbid")

    customer_id: int
    date: DateIn = Field(None, description="收款日期 YYYY-MM-DD")
    amount: Money = Field(description='金额，字符串，如 "1280.50"')
    method: str = Field(description=" | ".join(PaymentMethod.values))
    invoice_id: int | None = Field(None, description="核销到这张发票；不填则核销最早到期的未结清发票")
    invoice_ids: list[int] = []
    reference: str = ""
    bill_due_on: DateIn = Field(None, description="支票 / 承兑汇票的到期日")


class AllocationOut(Schema):
    invoice_id: int
    amount: str


class PaymentOut(Schema):
    id: int
    customer_id: int
    date: dt.date
    amount: str
    method: str
    reference: str
    reversal_of: int | None
    allocations: list[AllocationOut]
    unallocated: str


class ReverseIn(Schema):
    model_config = ConfigDict(extra="forbid")

    reason: str
    date: DateIn = None


class BalanceOut(Schema):
    customer_id: int
    invoiced: str
    paid: str
    credit: str
    outstanding: str
    overdue: str
    credit_limit: str | None
    service_suspended: bool
    aging: dict[str, str]


class AgingItemOut(Schema):
    customer_id: int
    outstanding: str
    buckets: dict[str, str]


class AgingOut(Schema):
    as_of: dt.date
    items: list[AgingItemOut]
    totals: dict[str, str]
    outstanding: str
    next_page: int | None


def _contract_out(c: Contract, warning: str = "") -> dict[str, Any]:
    detail = selectors.contract_detail(c)
    return {
        "id": c.pk,
        "number": c.number,
        "customer_id": c.customer_id,
        "title": c.title,
        "signed_on": c.signed_on,
        "start": c.start_on,
        "end": c.end_on,
        "amount": money_str(c.amount),
        "payment_terms": c.payment_terms,
        "state": c.state,
        "void_reason": c.void_reason,
        "invoiced": money_str(detail["invoiced"]),
        "paid": money_str(detail["paid"]),
        "plan": [
            {
                "period": i.period,
                "due_date": i.due_date,
                "amount": money_str(i.amount),
                "notice_days": i.notice_days,
            }
            for i, _paid, _open in detail["progress"].rows
        ],
        "plan_paid": detail["progress"].paid,
        "warning": warning,
    }


def _payment_out(p: Payment) -> dict[str, Any]:
    allocs = list(p.allocations.order_by("id").values_list("invoice_id", "amount"))
    total = sum((a for _i, a in allocs), p.amount * 0)
    return {
        "id": p.pk,
        "customer_id": p.customer_id,
        "date": p.received_on,
        "amount": money_str(p.amount),
        "method": p.method,
        "reference": p.reference,
        "reversal_of": p.reversal_of_id,
        "allocations": [{"invoice_id": i, "amount": money_str(a)} for i, a in allocs],
        "unallocated": money_str(p.amount - total),
    }


@router.post("/contracts", response={201: ContractOut, **ERRORS})
def contracts_create(request: HttpRequest, payload: ContractIn) -> Status[dict[str, Any]]:
    """Register a contract (draft) with its receivable plan (R-R1, R-R7); `warning` when the plan does not
    add up to the amount (the plan is kept)."""
    contract = services.contract_create(
        actor=_actor(request),
        customer_id=payload.customer_id,
        number=payload.number,
        signed_on=payload.signed_on,
        amount=str(payload.amount),
        title=payload.title,
        start_on=payload.start,
        end_on=payload.end,
        payment_terms=payload.payment_terms,
        plan=[
            {"due_date": line.due_date, "amount": str(line.amount), "notice_days": line.notice_days}
            for line in payload.plan
        ],
    )
    return Status(201, _contract_out(contract, getattr(contract, "plan_warning", "")))


@router.get("/contracts", response={200: ContractListOut, **ERRORS})
def contracts_list(
    request: HttpRequest, customer_id: int | None = None, unpaid: bool = False, page: int = 1
) -> dict[str, Any]:
    """The contract ledger (R-R1), newest first, 50 a page (at most 50 pages; no total count)."""
    page = max(1, min(50, page))
    qs = selectors.contract_ledger(_actor(request), customer_id=customer_id, unpaid=unpaid)
    rows = list(qs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    return {
        "items": [_contract_out(c) for c in rows[:PAGE_SIZE]],
        "next_page": page + 1 if len(rows) > PAGE_SIZE and page < 50 else None,
    }


@router.get("/contracts/{id}", response={200: ContractOut, **ERRORS})
def contracts_get(request: HttpRequest, id: int) -> dict[str, Any]:
    return _contract_out(selectors.contract_for_read(_actor(request), id))


@router.post("/contracts/{id}/approve", response={200: ContractOut, **ERRORS})
def contracts_approve(request: HttpRequest, id: int) -> dict[str, Any]:
    """Draft → approved, by the sales manager or the general manager (R-R1); 409 from another state."""
    return _contract_out(services.contract_approve(actor=_actor(request), contract_id=id))


@router.post("/invoices", response={201: InvoiceOut, **ERRORS})
def invoices_create(request: HttpRequest, payload: InvoiceIn) -> Status[dict[str, Any]]:
    """Post an invoice or shipment (R-R2); the customer's credit settles it at once."""
    inv = services.invoice_post(
        actor=_actor(request),
        customer_id=payload.customer_id,
        contract_id=payload.contract_id,
        number=payload.number,
        issued_on=payload.date,
        due_date=payload.due_date,
        amount=str(payload.amount),
        source=payload.source,
        source_ref=payload.source_ref,
    )
    row = selectors.with_open(Invoice.objects.filter(pk=inv.pk)).get()
    return Status(
        201,
        {
            "id": inv.pk,
            "customer_id": inv.customer_id,
            "contract_id": inv.contract_id,
            "number": inv.number,
            "date": inv.issued_on,
            "due_date": inv.due_date,
            "amount": money_str(inv.amount),
            "open": money_str(row.open),  # type: ignore[attr-defined]
            "source": inv.source,
        },
    )


@router.post("/payments", response={201: PaymentOut, **ERRORS})
def payments_create(request: HttpRequest, payload: PaymentIn) -> Status[dict[str, Any]]:
    """Record a payment (R-R2): allocated to the named invoice(s), or to the oldest open invoices; the rest
    is kept as credit."""
    named = list(payload.invoice_ids) + ([payload.invoice_id] if payload.invoice_id else [])
    p = services.payment_post(
        actor=_actor(request),
        customer_id=payload.customer_id,
        received_on=payload.date,
        amount=str(payload.amount),
        method=payload.method,
        reference=payload.reference,
        invoice_ids=named or None,
        bill_due_on=payload.bill_due_on,
    )
    return Status(201, _payment_out(p))


@router.post("/payments/{id}/reverse", response={201: PaymentOut, **ERRORS})
def payments_reverse(request: HttpRequest, id: int, payload: ReverseIn) -> Status[dict[str, Any]]:
    """Undo a payment by a counter-entry (R-R2); the invoices it settled are open again. 409 if reversed."""
    rev = services.payment_reverse(
        actor=_actor(request), payment_id=id, reason=payload.reason, reversed_on=payload.date
    )
    return Status(201, _payment_out(rev))


@router.get("/customers/{customer_id}/balance", response={200: BalanceOut, **ERRORS})
def customer_balance(request: HttpRequest, customer_id: int) -> dict[str, Any]:
    """The customer's running balance and aging as of today (R-R2, R-R3), derived from the entries."""
    user = _actor(request)
    customer = customer_for_read(user, customer_id)
    today = timezone.localdate()
    bal = selectors.customer_balance(customer, today=today)
    report = selectors.aging(today, user, customer_id=customer.pk)
    row = next(iter(report.rows), None)
    buckets = report.buckets_of(row, report.labels) if row else {label: ZERO for label in report.labels}
    return {
        "customer_id": customer.pk,
        "invoiced": money_str(bal.invoiced),
        "paid": money_str(bal.paid),
        "credit": money_str(bal.credit),
        "outstanding": money_str(bal.outstanding),
        "overdue": money_str(bal.overdue),
        "credit_limit": None,  # the credit limit and the service suspension of R-R2/R-R4 come later
        "service_suspended": False,
        "aging": {k: money_str(v) for k, v in buckets.items()},
    }


@router.get("/receivables/aging", response={200: AgingOut, **ERRORS})
def receivables_aging(request: HttpRequest, as_of: DateIn = None, page: int = 1) -> dict[str, Any]:
    """Aging of the receivables as of a date (default today) per customer the caller may see, largest
    first, 50 a page (at most 200 pages), with the totals over all of them (R-R3)."""
    as_of = as_of or timezone.localdate()
    page = max(1, min(200, page))
    report = selectors.aging(as_of, _actor(request))
    rows = list(report.rows[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    return {
        "as_of": as_of,
        "items": [
            {
                "customer_id": r["customer_id"],
                "outstanding": money_str(r["outstanding"]),
                "buckets": {k: money_str(v) for k, v in report.buckets_of(r, report.labels).items()},
            }
            for r in rows[:PAGE_SIZE]
        ],
        "totals": {k: money_str(v) for k, v in report.totals.items()},
        "outstanding": money_str(report.outstanding),
        "next_page": page + 1 if len(rows) > PAGE_SIZE and page < 200 else None,
    }
