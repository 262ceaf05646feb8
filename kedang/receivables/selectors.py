"""Reads of contracts and receivables (R-R1..R-R3), with visibility applied. Every amount is a sum over
the entries (invoices, payments, allocations), computed by the database: no stored balance, and no
query per customer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from kedang.accounts.models import User
from kedang.archive.visibility import customers_visible_to, visible
from kedang.customers.models import Customer

from .models import Allocation, Contract, ContractState, Installment, Invoice, Payment
from .money import ZERO, to_money

SUM: DecimalField[Any, Decimal] = DecimalField(max_digits=20, decimal_places=2)
DEFAULT_BUCKETS = (30, 60, 90, 180)


def _zero() -> Value:
    return Value(ZERO, output_field=SUM)


@dataclass(frozen=True)
class Balance:
    invoiced: Decimal
    paid: Decimal  # net of reversals
    allocated: Decimal
    overdue: Decimal
    outstanding: Decimal = field(init=False)
    credit: Decimal = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "outstanding", self.invoiced - self.allocated)
        object.__setattr__(self, "credit", self.paid - self.allocated)

    @property
    def net(self) -> Decimal:
        """What the customer owes after his credit (negative: we owe him)."""
        return self.invoiced - self.paid


def customer_balance(customer: Customer | int, *, today: dt.date | None = None) -> Balance:
    """The customer's running balance (R-R2): three aggregate queries over his entries."""
    today = today or timezone.localdate()
    cid = customer if isinstance(customer, int) else customer.pk
    inv = Invoice.objects.filter(customer_id=cid).aggregate(
        total=Coalesce(Sum("amount"), _zero(), output_field=SUM),
        due=Coalesce(Sum("amount", filter=Q(due_date__lt=today)), _zero(), output_field=SUM),
    )
    alloc = Allocation.objects.filter(invoice__customer_id=cid).aggregate(
        total=Coalesce(Sum("amount"), _zero(), output_field=SUM),
        due=Coalesce(Sum("amount", filter=Q(invoice__due_date__lt=today)), _zero(), output_field=SUM),
    )
    paid = Payment.objects.filter(customer_id=cid).aggregate(
        total=Coalesce(Sum("amount"), _zero(), output_field=SUM)
    )["total"]
    return Balance(
        invoiced=to_money(inv["total"]),
        paid=to_money(paid),
        allocated=to_money(alloc["total"]),
        overdue=to_money(inv["due"]) - to_money(alloc["due"]),
    )


def _allocated_subquery(as_of: dt.date | None = None) -> Subquery:
    qs = Allocation.objects.filter(invoice=OuterRef("pk"))
    # no payment is dated after today (payment_post refuses it), so as of today the date filter — and its
    # join to the payments — can go
    if as_of is not None and as_of < timezone.localdate():
        qs = qs.filter(payment__received_on__lte=as_of)
    return Subquery(qs.values("invoice").annotate(s=Sum("amount")).values("s")[:1], output_field=SUM)


def with_open(qs: QuerySet[Invoice], as_of: dt.date | None = None) -> QuerySet[Invoice]:
    """Invoices annotated with `open`: amount less what was allocated to them (by `as_of`)."""
    return qs.annotate(open=F("amount") - Coalesce(_allocated_subquery(as_of), _zero(), output_field=SUM))


def open_invoices(customer: Customer | int) -> QuerySet[Invoice]:
    """The customer's invoices with something left to pay, oldest due first, with `open`."""
    cid = customer if isinstance(customer, int) else customer.pk
    return (
        with_open(Invoice.objects.filter(customer_id=cid))
        .filter(Q(open__gt=0))
        .select_related("contract")
        .order_by("due_date", "issued_on", "id")
    )


def recent_payments(customer: Customer | int, limit: int = 10) -> list[Payment]:
    cid = customer if isinstance(customer, int) else customer.pk
    return list(
        Payment.objects.filter(customer_id=cid)
        .select_related("reversal_of")
        .annotate(reversed_count=Count("reversed_by"))
        .order_by("-received_on", "-id")[:limit]
    )


# ---------------------------------------------------------------- aging


def bucket_labels(buckets: Sequence[int] = DEFAULT_BUCKETS) -> list[str]:
    """(30, 60, 90, 180) → ["0-30", "31-60", "61-90", "91-180", "180+"] (SPEC §14)."""
    labels, low = [], 0
    for high in buckets:
        labels.append(f"{low}-{high}")
        low = high + 1
    labels.append(f"{buckets[-1]}+")
    return labels


@dataclass
class Aging:
    as_of: dt.date
    labels: list[str]
    rows: QuerySet[Any]  # dicts: customer_id, customer__name, outstanding, b0 … bn; largest first
    totals: dict[str, Decimal]
    outstanding: Decimal

    @staticmethod
    def buckets_of(row: dict[str, Any], labels: Sequence[str]) -> dict[str, Decimal]:
        return {label: to_money(row[f"b{i}"] or ZERO) for i, label in enumerate(labels)}


def aging(
    as_of: dt.date, user: User, buckets: Sequence[int] = DEFAULT_BUCKETS, *, customer_id: int | None = None
) -> Aging:
    """Open receivables as of a date, per customer the user may see, in buckets of days past the due date
    (R-R3): an invoice not yet due counts as 0 days. Invoices issued after `as_of` and payments received
    after it do not count. One grouped query for the rows and one for the totals."""
    buckets = sorted(set(int(b) for b in buckets if int(b) > 0))
    if not buckets:
        raise ValueError("账龄区间不能为空")
    labels = bucket_labels(buckets)
    base = Invoice.objects.filter(issued_on__lte=as_of, customer__in=customers_visible_to(user))
    if customer_id is not None:
        base = base.filter(customer_id=customer_id)
    invoices = with_open(base, as_of)
    # days past due ≤ high ⇔ due_date ≥ as_of − high; days > low ⇔ due_date < as_of − low
    cases: dict[str, Any] = {}
    low_date: dt.date | None = None
    for i, high in enumerate(buckets):
        cond = Q(due_date__gte=as_of - dt.timedelta(days=high))
        if low_date is not None:
            cond &= Q(due_date__lt=low_date)
        cases[f"b{i}"] = Sum(Case(When(cond, then=F("open")), default=_zero(), output_field=SUM))
        low_date = as_of - dt.timedelta(days=high)
    assert low_date is not None
    cases[f"b{len(buckets)}"] = Sum(
        Case(When(due_date__lt=low_date, then=F("open")), default=_zero(), output_field=SUM)
    )
    rows = (
        invoices.values("customer_id", "customer__name")
        .annotate(outstanding=Sum("open", output_field=SUM), **cases)
        .filter(Q(outstanding__gt=0))
        .order_by("-outstanding", "customer_id")
    )
    # an invoice's open amount is never negative (allocations never exceed it), so the customers left out
    # of the rows (nothing open) add nothing: the totals are a plain aggregate over the same invoices
    agg = invoices.aggregate(outstanding=Sum("open", output_field=SUM), **cases)
    totals = {label: to_money(agg[f"b{i}"] or ZERO) for i, label in enumerate(labels)}
    return Aging(as_of, labels, rows, totals, to_money(agg["outstanding"] or ZERO))


# ---------------------------------------------------------------- contracts


def contracts_visible_to(user: User) -> QuerySet[Contract]:
    return visible(Contract.objects.all(), user).filter(customer__deleted_at__isnull=True)


def contract_for_read(user: User, contract_id: int) -> Contract:
    contract = (
        contracts_visible_to(user)
        .select_related("customer", "created_by", "approved_by")
        .filter(pk=contract_id)
        .first()
    )
    if contract is None:
        raise Http404("合同不存在")
    return contract


def _paid_subquery() -> Subquery:
    return Subquery(
        Allocation.objects.filter(invoice__contract=OuterRef("pk"))
        .values("invoice__contract")
        .annotate(s=Sum("amount"))
        .values("s")[:1],
        output_field=SUM,
    )


def _invoiced_subquery() -> Subquery:
    return Subquery(
        Invoice.objects.filter(contract=OuterRef("pk"))
        .values("contract")
        .annotate(s=Sum("amount"))
        .values("s")[:1],
        output_field=SUM,
    )


def contract_ledger(
    user: User, *, q: str = "", state: str = "", unpaid: bool = False, customer_id: int | None = None
) -> QuerySet[Contract]:
    """The contract ledger (合同台账, R-R1): contracts the user may see with `paid` and `invoiced` (sums of
    their entries); `unpaid` keeps those not fully paid (void ones left out)."""
    qs = (
        contracts_visible_to(user)
        .select_related("customer")
        .annotate(
            paid=Coalesce(_paid_subquery(), _zero(), output_field=SUM),
            invoiced=Coalesce(_invoiced_subquery(), _zero(), output_field=SUM),
        )
    )
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(customer__name__icontains=q) | Q(title__icontains=q))
    if state:
        qs = qs.filter(state=state)
    if customer_id:
        qs = qs.filter(customer_id=customer_id)
    if unpaid:
        qs = qs.exclude(state=ContractState.VOID).filter(paid__lt=F("amount"))
    return qs.order_by("-signed_on", "-id")


@dataclass(frozen=True)
class PlanProgress:
    total: int
    paid: int  # installments covered in full by what was paid on the contract, in due order
    rows: list[tuple[Installment, Decimal, Decimal]]  # (installment, paid, open)


def plan_progress(installments: Sequence[Installment], paid: Decimal) -> PlanProgress:
    """What the contract's payments cover of its plan, earliest installment first ("3/5 期已回款")."""
    left = paid
    rows = []
    full = 0
    for inst in sorted(installments, key=lambda i: (i.due_date, i.period)):
        covered = max(ZERO, min(left, inst.amount))
        left -= covered
        rows.append((inst, covered, inst.amount - covered))
        if covered == inst.amount:
            full += 1
    return PlanProgress(len(rows), full, rows)


def contract_detail(contract: Contract) -> dict[str, Any]:
    """A contract's plan, invoices with their open amounts, and the payments allocated to them."""
    invoices = list(with_open(contract.invoices.all()).order_by("due_date", "id"))
    paid = to_money(
        Allocation.objects.filter(invoice__contract=contract).aggregate(
            s=Coalesce(Sum("amount"), _zero(), output_field=SUM)
        )["s"]
    )
    payments = list(
        Payment.objects.filter(allocations__invoice__contract=contract)
        .annotate(on_contract=Sum("allocations__amount", filter=Q(allocations__invoice__contract=contract)))
        .order_by("-received_on", "-id")[:100]
    )
    progress = plan_progress(list(contract.installments.all()), paid)
    return {
        "invoices": invoices,
        "payments": payments,
        "paid": paid,
        "invoiced": sum((i.amount for i in invoices), ZERO),
        "progress": progress,
    }
