"""Receivables benchmark (issue 15, R-R2, R-R3) on SQLite: the aging report as of a date and a customer's
balance, over customers with invoices, payments and their allocations.

    .venv/bin/python bench/receivables.py                                  # 10,000 customers, 100,000 invoices
    .venv/bin/python bench/receivables.py --customers 100000 --invoices 1000000 --payments 800000

It builds its own SQLite database (a new directory under /tmp, or --var DIR), migrates, and bulk-inserts
customers (a tenth owned by the account manager `am1`, the rest by `am2`), invoices over the last two years,
and payments each allocated in full to one invoice (so most invoices are settled, as in life). Then it
times, five times each, the median:

  (a) the aging as of today for the general manager (sees all): the first page of rows and the totals;
  (b) the same for the account manager (her tenth of the customers);
  (c) one customer's balance (customer_balance).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def setup_django(var: Path) -> None:
    os.environ["KEDANG_VAR_DIR"] = str(var)
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kedang.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def median_ms(fn: Callable[[], Any], n: int = 5) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def generate(n_customers: int, n_invoices: int, n_payments: int, today: dt.date, seed: int) -> dict[str, Any]:
    from django.db import transaction

    from kedang.accounts.services import user_upsert
    from kedang.customers.models import Customer
    from kedang.receivables.models import Allocation, Invoice, Payment

    rng = random.Random(seed)
    users = {}
    for name, role, dept in [
        ("gm", "general_manager", "总经理办公室"),
        ("am1", "account_manager", "销售一部"),
        ("am2", "account_manager", "销售二部"),
    ]:
        users[name], _ = user_upsert(
            username=name, role=role, password="bench-pass-2026", department=dept, check_password=False
        )
    with transaction.atomic():
        Customer.objects.bulk_create(
            [
                Customer(
                    archive_no=f"B-{i:07d}", name=f"客户{i}", owner=users["am1" if i % 10 == 0 else "am2"]
                )
                for i in range(n_customers)
            ],
            batch_size=5000,
        )
        cids = list(Customer.objects.values_list("pk", flat=True))
        invoices = []
        for i in range(n_invoices):
            issued = today - dt.timedelta(days=rng.randint(0, 730))
            invoices.append(
                Invoice(
                    customer_id=rng.choice(cids),
                    number=f"FP{i:09d}",
                    issued_on=issued,
                    due_date=issued + dt.timedelta(days=rng.choice((0, 30, 60, 90))),
                    amount=Decimal(rng.randint(100, 500_000)) / 100,
                    created_by=users["gm"],
                )
            )
        Invoice.objects.bulk_create(invoices, batch_size=5000)
        rows = list(Invoice.objects.values_list("pk", "customer_id", "issued_on", "amount"))
        rng.shuffle(rows)
        payments, allocations = [], []
        for _pk, cid, issued, amount in rows[:n_payments]:
            payments.append(
                Payment(
                    customer_id=cid,
                    received_on=min(today, issued + dt.timedelta(days=rng.randint(0, 200))),
                    amount=amount,
                    method="transfer",
                    created_by=users["gm"],
                )
            )
        Payment.objects.bulk_create(payments, batch_size=5000)
        for p, (pk, _cid, _issued, amount) in zip(
            Payment.objects.order_by("pk").values_list("pk", flat=True), rows[:n_payments], strict=False
        ):
            allocations.append(Allocation(payment_id=p, invoice_id=pk, amount=amount))
        Allocation.objects.bulk_create(allocations, batch_size=5000)
    return {"users": users, "customer": cids[len(cids) // 2]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--customers", type=int, default=10_000)
    ap.add_argument("--invoices", type=int, default=100_000)
    ap.add_argument("--payments", type=int, default=80_000)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--var", help="working directory (default: a new one under /tmp)")
    args = ap.parse_args()
    var = Path(args.var or tempfile.mkdtemp(prefix="kedang-bench-recv-"))
    setup_django(var)
    from django.utils import timezone

    from kedang.receivables.selectors import aging, customer_balance

    today = timezone.localdate()
    t = time.perf_counter()
    world = generate(args.customers, args.invoices, args.payments, today, args.seed)
    print(f"generated in {time.perf_counter() - t:.1f} s ({var})")
    users = world["users"]

    def report(who: str) -> Callable[[], Any]:
        def run() -> None:
            r = aging(today, users[who])
            list(r.rows[:30])

        return run

    print(f"(a) aging, general manager: {median_ms(report('gm')):.0f} ms")
    print(f"(b) aging, account manager: {median_ms(report('am1')):.0f} ms")
    print(f"(c) customer balance:       {median_ms(lambda: customer_balance(world['customer'])):.1f} ms")


if __name__ == "__main__":
    main()
