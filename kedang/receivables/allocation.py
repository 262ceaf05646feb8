"""Allocation as a pure rule (R-R2): a payment settles open invoices in the order given (the oldest due
first), each at most its open amount; what is left is the customer's credit. No database here, so the
properties (never negative, never more than the payment, same input → same output) are tested directly."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from .money import ZERO


def allocate(amount: Decimal, open_items: Iterable[tuple[int, Decimal]]) -> list[tuple[int, Decimal]]:
    """[(invoice id, amount allocated)] for `amount` spread over (invoice id, open amount) in order."""
    left = amount
    out: list[tuple[int, Decimal]] = []
    for invoice_id, open_amount in open_items:
        if left <= ZERO:
            break
        if open_amount <= ZERO:
            continue
        take = min(left, open_amount)
        out.append((invoice_id, take))
        left -= take
    return out


def pair_credits(
    credits: Sequence[tuple[int, Decimal]], open_items: Sequence[tuple[int, Decimal]]
) -> list[tuple[int, int, Decimal]]:
    """[(payment id, invoice id, amount)]: unallocated payment remainders (oldest first) against open
    invoices (oldest first), as a merge of the two queues."""
    out: list[tuple[int, int, Decimal]] = []
    ids = [inv for inv, amt in open_items if amt > ZERO]
    opens = [amt for _inv, amt in open_items if amt > ZERO]
    i = 0
    for payment_id, credit in credits:
        left = credit
        while left > ZERO and i < len(ids):
            take = min(left, opens[i])
            out.append((payment_id, ids[i], take))
            left -= take
            opens[i] -= take
            if opens[i] <= ZERO:
                i += 1
    return out
