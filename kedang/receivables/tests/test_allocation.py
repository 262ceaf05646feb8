"""The allocation rule on its own (R-R2): properties over any amounts and any open invoices."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from kedang.receivables.allocation import allocate, pair_credits
from kedang.receivables.money import to_money

money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("99999999.99"), places=2)
opens = st.lists(st.tuples(st.integers(1, 10_000), money), max_size=12, unique_by=lambda t: t[0])


@given(money, opens)
def test_allocation_never_exceeds_the_payment_nor_an_open_amount(amount: Decimal, items: list) -> None:
    out = allocate(amount, items)
    total = sum((a for _i, a in out), Decimal(0))
    assert total <= amount
    open_of = dict(items)
    for invoice_id, a in out:
        assert Decimal("0") < a <= open_of[invoice_id]  # never leaves a negative open amount
    # what is not allocated is either the credit (everything open is settled) or nothing
    if total < amount:
        assert total == sum(open_of.values(), Decimal(0))
    # oldest first: every invoice before the last one touched is settled in full
    for invoice_id, a in out[:-1]:
        assert a == open_of[invoice_id]
    assert allocate(amount, items) == out  # same entries → same allocation


@given(st.lists(st.tuples(st.integers(1, 10_000), money), max_size=8, unique_by=lambda t: t[0]), opens)
def test_credits_pair_within_both_sides(credits: list, items: list) -> None:
    out = pair_credits(credits, items)
    for pid, cr in credits:
        assert sum((a for p, _i, a in out if p == pid), Decimal(0)) <= cr
    for iid, op in items:
        assert sum((a for _p, i, a in out if i == iid), Decimal(0)) <= op
    assert all(a > 0 for _p, _i, a in out)
    assert pair_credits(credits, items) == out


def test_rounding_is_half_up_to_the_fen() -> None:
    assert to_money("0.005") == Decimal("0.01")
    assert to_money("2.675") == Decimal("2.68")  # a float would give 2.67
    assert to_money("-0.005") == Decimal("-0.01")
    assert to_money("1,280.5") == Decimal("1280.50")
