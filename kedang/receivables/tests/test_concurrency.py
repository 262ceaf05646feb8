"""8 threads posting invoices and payments for one customer at once (R-R2): with the customer row locked
by each posting, the allocations never overlap, and the balance equals the sum of the entries — on
SQLite (a file database, IMMEDIATE transactions) and on PostgreSQL (SELECT … FOR UPDATE)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone

from kedang.accounts.models import User
from kedang.accounts.roles import Role
from kedang.receivables.models import Payment
from kedang.receivables.selectors import customer_balance

from .helpers import invoice, open_amounts, pay, sums_of_entries

THREADS = 8
ROUNDS = 4


@pytest.mark.django_db(transaction=True)
def test_eight_threads_posting_at_once_keep_the_balance(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    fin, gm = users[Role.FINANCE], users[Role.GENERAL_MANAGER]
    customer = make_customer()
    today = timezone.localdate()
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            barrier.wait()
            for r in range(ROUNDS):
                if n % 2:
                    invoice(
                        fin if r % 2 else gm,
                        customer,
                        f"{100 + n * 7 + r}.35",
                        issued=today - dt.timedelta(days=n),
                    )
                else:
                    pay(fin, customer, f"{90 + n * 5 + r}.10", on=today)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    invoiced, paid, allocated = sums_of_entries(customer)
    bal = customer_balance(customer)
    assert (bal.invoiced, bal.paid, bal.allocated) == (invoiced, paid, allocated)
    assert bal.invoiced - bal.paid == invoiced - paid
    assert bal.outstanding == sum(open_amounts(customer).values(), Decimal(0))
    assert all(v >= 0 for v in open_amounts(customer).values())
    for p in Payment.objects.filter(customer=customer):
        assert sum((a.amount for a in p.allocations.all()), Decimal(0)) <= p.amount
    # no invoice open while credit is left: the serialized postings settled each other
    assert bal.outstanding == 0 or bal.credit == 0
