"""The receivables services against the real database (R-R1, R-R2, R-R3, R-R7): allocation, credit,
reversal by counter-entry, balances and aging derived from the entries, permissions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from kedang.accounts.models import User
from kedang.accounts.roles import Role
from kedang.customers.models import Record
from kedang.errors import Conflict
from kedang.receivables.models import Allocation, Contract, ContractState, Payment
from kedang.receivables.selectors import aging, customer_balance, open_invoices
from kedang.receivables.services import (
    contract_approve,
    contract_create,
    contract_delete,
    contract_void,
    installments_set,
    payment_reverse,
)

from .helpers import invoice, new_number, open_amounts, pay, sums_of_entries

D = Decimal
DAY0 = dt.date(2026, 1, 5)
AM = Role.ACCOUNT_MANAGER

op = st.one_of(
    st.tuples(
        st.just("invoice"), st.decimals("0.01", "50000", places=2), st.integers(0, 200), st.integers(0, 120)
    ),
    st.tuples(st.just("pay"), st.decimals("0.01", "60000", places=2), st.integers(0, 200), st.just(0)),
    st.tuples(st.just("reverse"), st.just(D(0)), st.integers(0, 200), st.integers(0, 50)),
)


def _replay(actor: User, customer: Any, ops: list[tuple[str, D, int, int]]) -> list[tuple[int, int, D]]:
    """Run the operations; the allocations as (payment index, invoice index, amount)."""
    invoices: list[int] = []
    payments: list[int] = []
    for kind, amount, day, extra in ops:
        on = DAY0 + dt.timedelta(days=day)
        if kind == "invoice":
            invoices.append(invoice(actor, customer, str(amount), issued=on, days=extra).pk)
        elif kind == "pay":
            payments.append(pay(actor, customer, str(amount), on=on).pk)
        else:
            candidates = list(
                Payment.objects.filter(pk__in=payments, reversal_of__isnull=True, reversed_by__isnull=True)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            if candidates:
                target = candidates[extra % len(candidates)]
                payments.append(
                    payment_reverse(actor=actor, payment_id=target, reason="退票", reversed_on=on).pk
                )
    pos_p = {pk: i for i, pk in enumerate(payments)}
    pos_i = {pk: i for i, pk in enumerate(invoices)}
    return [
        (pos_p[a.payment_id], pos_i[a.invoice_id], a.amount)
        for a in Allocation.objects.filter(invoice__customer=customer).order_by(
            "payment_id", "invoice_id", "id"
        )
    ]


@pytest.mark.django_db
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking against the database takes minutes
)
@given(ops=st.lists(op, min_size=1, max_size=10))
def test_entries_keep_every_invariant(
    ops: list[Any], users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    actor = users[Role.FINANCE]
    customer = make_customer()
    first = _replay(actor, customer, ops)
    # allocation never leaves a negative open amount
    assert all(v >= 0 for v in open_amounts(customer).values())
    # the sum of allocations never exceeds a payment; a reversal's never goes past its negative
    for p in Payment.objects.filter(customer=customer):
        total = sum((a.amount for a in p.allocations.all()), D(0))
        if p.reversal_of_id is None:
            assert D(0) <= total <= p.amount
        else:
            assert p.amount <= total <= D(0) and p.reversal_of is not None
            original = sum((a.amount for a in p.reversal_of.allocations.all()), D(0))
            assert original + total == 0  # the reversal un-allocates exactly
    # the balance is the sum of the entries
    invoiced, paid, allocated = sums_of_entries(customer)
    bal = customer_balance(customer, today=DAY0 + dt.timedelta(days=400))
    assert (bal.invoiced, bal.paid, bal.allocated) == (invoiced, paid, allocated)
    assert bal.outstanding == sum(open_amounts(customer).values(), D(0))
    # aging buckets partition the outstanding total exactly, on any date
    for day in (0, 60, 150, 400):
        report = aging(DAY0 + dt.timedelta(days=day), users[Role.GENERAL_MANAGER])
        rows = [r for r in report.rows if r["customer_id"] == customer.pk]
        assert len(rows) <= 1
        for r in rows:
            assert sum(report.buckets_of(r, report.labels).values(), D(0)) == r["outstanding"]
    final = aging(DAY0 + dt.timedelta(days=400), users[Role.GENERAL_MANAGER])
    row = next((r for r in final.rows if r["customer_id"] == customer.pk), None)
    assert (row["outstanding"] if row else D(0)) == max(bal.outstanding, D(0))
    assert sum(final.totals.values(), D(0)) == final.outstanding
    # same entries → same allocation
    again = make_customer()
    assert _replay(actor, again, ops) == first


@pytest.mark.django_db
def test_oldest_first_partial_credit_and_named(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    fin = users[Role.FINANCE]
    c = make_customer()
    old = invoice(fin, c, "1000.00", issued=DAY0, days=10)
    new = invoice(fin, c, "500.00", issued=DAY0 + dt.timedelta(days=5), days=30)
    p = pay(fin, c, "1200.00", on=DAY0 + dt.timedelta(days=20))
    assert {a.invoice_id: a.amount for a in p.allocations.all()} == {
        old.pk: D("1000.00"),
        new.pk: D("200.00"),
    }
    assert [i.pk for i in open_invoices(c)] == [new.pk]
    over = pay(fin, c, "800.00", on=DAY0 + dt.timedelta(days=21))
    bal = customer_balance(c, today=DAY0 + dt.timedelta(days=22))
    assert (bal.outstanding, bal.credit, bal.net) == (D("0.00"), D("500.00"), D("-500.00"))
    # the credit settles the next invoice at once
    third = invoice(fin, c, "300.00", issued=DAY0 + dt.timedelta(days=25))
    assert list(third.allocations.values_list("payment_id", "amount")) == [(over.pk, D("300.00"))]
    assert customer_balance(c).credit == D("200.00")
    # a named invoice takes the payment even if older ones are open
    a = invoice(fin, c, "100.00", issued=DAY0 + dt.timedelta(days=26))  # settled by the credit
    b = invoice(fin, c, "400.00", issued=DAY0 + dt.timedelta(days=27))  # 100 by the credit, 300 open
    d = invoice(fin, c, "50.00", issued=DAY0 + dt.timedelta(days=28))
    named = pay(fin, c, "50.00", on=DAY0 + dt.timedelta(days=29), invoice_ids=[d.pk])
    assert list(named.allocations.values_list("invoice_id", flat=True)) == [d.pk]
    assert open_amounts(c)[b.pk] == D("300.00") and open_amounts(c)[a.pk] == 0


@pytest.mark.django_db
def test_reversal_restores_the_open_amounts(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    fin = users[Role.FINANCE]
    c = make_customer()
    i1 = invoice(fin, c, "600.00", issued=DAY0)
    i2 = invoice(fin, c, "400.00", issued=DAY0)
    before = open_amounts(c)
    p = pay(fin, c, "700.00", on=DAY0)
    assert open_amounts(c) == {i1.pk: D("0.00"), i2.pk: D("300.00")}
    rev = payment_reverse(actor=fin, payment_id=p.pk, reason="支票退票")
    assert rev.amount == D("-700.00") and rev.reversal_of_id == p.pk
    assert open_amounts(c) == before
    assert Payment.objects.get(pk=p.pk).amount == D("700.00")  # the original is not edited
    bal = customer_balance(c)
    assert (bal.paid, bal.outstanding, bal.credit) == (D("0.00"), D("1000.00"), D("0.00"))
    with pytest.raises(Conflict):
        payment_reverse(actor=fin, payment_id=p.pk, reason="再来一次")
    with pytest.raises(Conflict):
        payment_reverse(actor=fin, payment_id=rev.pk, reason="冲销的冲销")
    assert Record.objects.filter(customer=c, title__startswith="冲销回款").count() == 1


@pytest.mark.django_db
def test_validation_messages_are_chinese_and_per_field(
    users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    fin = users[Role.FINANCE]
    c = make_customer()
    with pytest.raises(ValidationError) as exc:
        invoice(fin, c, "-5", issued=DAY0)
    assert exc.value.message_dict["amount"] == ["金额必须大于 0"]
    with pytest.raises(ValidationError) as exc:
        pay(fin, c, "abc", on=DAY0, reference="")
    assert "amount" in exc.value.message_dict
    from kedang.receivables.services import payment_post

    with pytest.raises(ValidationError) as exc:
        payment_post(actor=fin, customer_id=c.pk, received_on=DAY0, amount="10", method="cheque")
    assert exc.value.message_dict["bill_due_on"] == ["支票或承兑汇票请填写票据到期日"]


@pytest.mark.django_db
def test_permissions(users: dict[str, User], make_customer: Callable[..., Any]) -> None:
    mine = make_customer()  # the account manager's
    hidden = make_customer(owner=users["am2"])
    with pytest.raises(PermissionDenied):
        invoice(users[Role.AUDITOR], mine, "10.00", issued=DAY0)  # a read-only role
    with pytest.raises(Http404):
        invoice(users[AM], hidden, "10.00", issued=DAY0)  # not hers: as if it did not exist
    with pytest.raises(Http404):
        pay(users[AM], hidden, "10.00", on=DAY0)
    p = pay(users["am2"], hidden, "10.00", on=DAY0)
    with pytest.raises(Http404):
        payment_reverse(actor=users[AM], payment_id=p.pk, reason="x")
    inv = invoice(users["am2"], hidden, "99.00", issued=DAY0)
    assert inv.pk
    report = aging(DAY0 + dt.timedelta(days=100), users[AM])
    assert hidden.pk not in {r["customer_id"] for r in report.rows}
    assert hidden.pk in {
        r["customer_id"] for r in aging(DAY0 + dt.timedelta(days=100), users[Role.GENERAL_MANAGER]).rows
    }


@pytest.mark.django_db
def test_contract_lifecycle(users: dict[str, User], make_customer: Callable[..., Any]) -> None:
    am = users[AM]
    c = make_customer()
    contract = contract_create(
        actor=am,
        customer_id=c.pk,
        number=new_number("HT"),
        signed_on=DAY0,
        amount="10000",
        plan=[{"due_date": DAY0 + dt.timedelta(days=30), "amount": "6000"}],
    )
    assert contract.state == ContractState.DRAFT
    assert contract.plan_warning == "回款计划合计 6000.00 元，与合同金额 10000.00 元不一致"  # type: ignore[attr-defined]
    result = installments_set(
        actor=am,
        contract_id=contract.pk,
        plan=[
            {"due_date": DAY0 + dt.timedelta(days=30), "amount": "6000"},
            {"due_date": DAY0 + dt.timedelta(days=60), "amount": "4000", "notice_days": 10},
        ],
    )
    assert result.warning == "" and [i.period for i in result.installments] == [1, 2]
    with pytest.raises(ValidationError) as exc:
        contract_create(actor=am, customer_id=c.pk, number=contract.number, signed_on=DAY0, amount="1")
    assert exc.value.message_dict["number"] == ["合同编号已存在"]
    with pytest.raises(PermissionDenied):
        contract_approve(actor=am, contract_id=contract.pk)
    with pytest.raises(Http404):  # hidden from the other account manager, whatever her role allows
        contract_approve(actor=users["am2"], contract_id=contract.pk)
    approved = contract_approve(actor=users[Role.SALES_MANAGER], contract_id=contract.pk)
    assert approved.state == ContractState.APPROVED and approved.approved_by == users[Role.SALES_MANAGER]
    with pytest.raises(Conflict):
        contract_approve(actor=users[Role.GENERAL_MANAGER], contract_id=contract.pk)
    invoice(am, c, "6000.00", issued=DAY0, contract_id=contract.pk)
    with pytest.raises(Conflict, match="只能作废"):
        contract_delete(actor=am, contract_id=contract.pk)
    with pytest.raises(ValidationError):
        contract_void(actor=am, contract_id=contract.pk, reason=" ")
    void = contract_void(actor=am, contract_id=contract.pk, reason="客户取消订单")
    assert void.state == ContractState.VOID and void.void_reason == "客户取消订单"
    reasons = list(
        Contract.history.filter(id=contract.pk)
        .order_by("history_id")
        .values_list("history_change_reason", flat=True)
    )
    assert reasons == ["登记合同", "修改回款计划", "审批", "作废：客户取消订单"]
    assert Record.objects.filter(customer=c, title__contains=contract.number).count() == 4
    draft = contract_create(actor=am, customer_id=c.pk, number=new_number("HT"), signed_on=DAY0, amount="1")
    contract_delete(actor=am, contract_id=draft.pk)
    assert not Contract.objects.filter(pk=draft.pk).exists()
