"""Reads of contracts and receivables (R-R1..R-R3), with visibility applied. Every amount is a sum over
the entries (invoices, payments, allocations), computed by the database: no stored balance, and no
query per customer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
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


def _dec(value: Any) -> Decimal:
    """A sum from the database as money: PostgreSQL gives Decimal, SQLite a float already rounded to the fen."""
    if value is None:
        return ZERO
    return to_money(value if isinstance(value, Decimal | int) else str(value))


class AgingRows:
    """The aging's rows, largest outstanding first, run when sliced (LIMIT/OFFSET) or iterated (a cursor
    read in chunks): dicts with customer_id, customer__name, outstanding, b0 … bn."""

    def __init__(self, sql: str, params: list[Any], width: int) -> None:
        self.sql, self.params, self.width = sql, params, width

    def _row(self, r: Sequence[Any]) -> dict[str, Any]:
        row: dict[str, Any] = {"customer_id": r[0], "customer__name": r[1], "outstanding": _dec(r[2])}
        for i in range(self.width):
            row[f"b{i}"] = _dec(r[3 + i])
        return row

    def __getitem__(self, key: slice) -> list[dict[str, Any]]:
        start = key.start or 0
        sql, params = self.sql, list(self.params)
        if key.stop is not None:
            sql += " LIMIT %s OFFSET %s"
            params += [max(0, key.stop - start), start]
        elif start:
            raise ValueError("an open-ended slice needs a stop")
        with connection.cursor() as cur:
            cur.execute(sql, params)
            return [self._row(r) for r in cur.fetchall()]

    def iterator(self, chunk_size: int = 2000) -> Iterator[dict[str, Any]]:
        with connection.cursor() as cur:
            cur.execute(self.sql, self.params)
            while batch := cur.fetchmany(chunk_size):
                yield from (self._row(r) for r in batch)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return self.iterator()


@dataclass
class Aging:
    as_of: dt.date
    labels: list[str]
    rows: AgingRows
    totals: dict[str, Decimal]
    outstanding: Decimal

    @staticmethod
    def buckets_of(row: dict[str, Any], labels: Sequence[str]) -> dict[str, Decimal]:
        return {label: _dec(row[f"b{i}"]) for i, label in enumerate(labels)}


def aging(
    as_of: dt.date, user: User, buckets: Sequence[int] = DEFAULT_BUCKETS, *, customer_id: int | None = None
) -> Aging:
    """Open receivables as of a date, per customer the user may see, in buckets of days past the due date
    (R-R3): an invoice not yet due counts as 0 days. Invoices issued after `as_of` and payments received
    after it do not count.

    Set-based, in SQL: a materialized CTE computes each visible invoice's open amount once (its amount
    less the sum of its allocations), the settled ones drop out, and the rest are grouped by customer with
    a CASE per bucket on the due date. One query for a page of rows, one for the totals."""
    buckets = sorted(set(int(b) for b in buckets if int(b) > 0))
    if not buckets:
        raise ValueError("账龄区间不能为空")
    labels = bucket_labels(buckets)
    visible_sql, visible_params = customers_visible_to(user).values("pk").query.sql_with_params()
    inv, alloc, pay = Invoice._meta.db_table, Allocation._meta.db_table, Payment._meta.db_table
    cust = Customer._meta.db_table
    allocated = f"SELECT SUM(a.amount) FROM {alloc} a WHERE a.invoice_id = i.id"
    alloc_params: list[Any] = []
    if as_of < timezone.localdate():  # no entry is dated after today (the services refuse it)
        allocated = (
            f"SELECT SUM(a.amount) FROM {alloc} a JOIN {pay} p ON p.id = a.payment_id "
            "WHERE a.invoice_id = i.id AND p.received_on <= %s"
        )
        alloc_params = [as_of]
    where = f"i.issued_on <= %s AND i.customer_id IN ({visible_sql})"
    where_params: list[Any] = [as_of, *visible_params]
    if customer_id is not None:
        where += " AND i.customer_id = %s"
        where_params.append(customer_id)
    cte = f"""
        WITH x AS MATERIALIZED (
            SELECT i.customer_id AS cid, i.due_date AS due, i.amount - COALESCE(({allocated}), 0) AS open
            FROM {inv} i WHERE {where}
        )
    """
    cte_params = [*alloc_params, *where_params]
    # days past due ≤ high ⇔ due ≥ as_of − high; days > low ⇔ due < as_of − low
    cases: list[str] = []
    case_params: list[Any] = []
    low_date: dt.date | None = None
    for high in buckets:
        cond, cp = "x.due >= %s", [as_of - dt.timedelta(days=high)]
        if low_date is not None:
            cond += " AND x.due < %s"
            cp.append(low_date)
        cases.append(f"ROUND(SUM(CASE WHEN {cond} THEN x.open ELSE 0 END), 2)")
        case_params += cp
        low_date = as_of - dt.timedelta(days=high)
    cases.append("ROUND(SUM(CASE WHEN x.due < %s THEN x.open ELSE 0 END), 2)")
    case_params.append(low_date)
    columns = ", ".join(cases)
    rows_sql = f"""{cte}
        SELECT x.cid, c.name, ROUND(SUM(x.open), 2) AS outstanding, {columns}
        FROM x JOIN {cust} c ON c.id = x.cid
        WHERE x.open > 0
        GROUP BY x.cid, c.name
        ORDER BY outstanding DESC, x.cid
    """
    rows = AgingRows(rows_sql, [*cte_params, *case_params], len(labels))
    with connection.cursor() as cur:
        cur.execute(
            f"{cte} SELECT ROUND(SUM(x.open), 2), {columns} FROM x WHERE x.open > 0",
            [*cte_params, *case_params],
        )
        total_row = cur.fetchone()
    values = list(total_row) if total_row else [None] * (len(labels) + 1)
    totals = {label: _dec(values[1 + i]) for i, label in enumerate(labels)}
    return Aging(as_of, labels, rows, totals, _dec(values[0]))


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
