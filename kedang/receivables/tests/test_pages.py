"""The receivables pages (R-R1..R-R3): the ledger with paid % and "n/m 期已回款", the unpaid filter, the
contract page and its actions, the aging page, the archive tab's forms; bounded lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from kedang.accounts.models import User
from kedang.accounts.roles import Role
from kedang.receivables.models import ContractState, Invoice, Payment
from kedang.receivables.selectors import customer_balance
from kedang.receivables.services import contract_create

from .helpers import invoice, new_number, pay

pytestmark = pytest.mark.django_db


def _contract(users: dict[str, User], customer: Any, amount: str = "5000.00") -> Any:
    today = timezone.localdate()
    return contract_create(
        actor=users[Role.ACCOUNT_MANAGER],
        customer_id=customer.pk,
        number=new_number("HT"),
        signed_on=today,
        amount=amount,
        plan=[{"due_date": today + dt.timedelta(days=30 * n), "amount": "1000"} for n in range(5)],
    )


def test_ledger_shows_progress_and_filters_unpaid(
    users: dict[str, User], make_customer: Callable[..., Any], login: Callable[[str], Any]
) -> None:
    am = users[Role.ACCOUNT_MANAGER]
    c = make_customer()
    today = timezone.localdate()
    half = _contract(users, c)
    full = _contract(users, c, "1000.00")
    invoice(am, c, "3000.00", issued=today, contract_id=half.pk)
    invoice(am, c, "1000.00", issued=today, contract_id=full.pk)
    pay(am, c, "4000.00", on=today)
    client = login(Role.ACCOUNT_MANAGER)
    body = client.get("/receivables/").content.decode()
    assert half.number in body and full.number in body
    assert "3/5 期已回款" in body and ">60%<" in body and ">3000.00<" in body
    unpaid = client.get("/receivables/?unpaid=1").content.decode()
    assert half.number in unpaid and full.number not in unpaid
    assert client.get("/receivables/?page=99999").status_code == 200  # the page number is capped


def test_contract_page_and_actions(
    users: dict[str, User], make_customer: Callable[..., Any], login: Callable[[str], Any]
) -> None:
    c = make_customer()
    contract = _contract(users, c)
    client = login(Role.ACCOUNT_MANAGER)
    page = client.get(f"/receivables/contracts/{contract.pk}/").content.decode()
    assert contract.number in page and "act-approve" not in page  # only managers approve
    client = login(Role.SALES_MANAGER)
    assert "act-approve" in client.get(f"/receivables/contracts/{contract.pk}/").content.decode()
    client.post(f"/receivables/contracts/{contract.pk}/act/", {"action": "approve"})
    contract.refresh_from_db()
    assert contract.state == ContractState.APPROVED
    client.post(f"/receivables/contracts/{contract.pk}/act/", {"action": "void", "reason": ""})
    contract.refresh_from_db()
    assert contract.state == ContractState.APPROVED  # a reason is required
    client.post(f"/receivables/contracts/{contract.pk}/act/", {"action": "void", "reason": "客户取消"})
    contract.refresh_from_db()
    assert contract.state == ContractState.VOID


def test_archive_tab_posts_invoice_and_payment(
    users: dict[str, User], make_customer: Callable[..., Any], login: Callable[[str], Any]
) -> None:
    c = make_customer()
    today = timezone.localdate().isoformat()
    client = login(Role.FINANCE)
    tab = client.get(f"/customers/{c.pk}/?tab=receivables").content.decode()
    assert 'id="invoice-form"' in tab and 'id="payment-form"' in tab
    r = client.post(
        f"/receivables/customers/{c.pk}/invoices/",
        {"number": "FP-T1", "issued_on": today, "due_date": today, "amount": "1280.50"},
    )
    assert r.status_code == 302 and Invoice.objects.filter(customer=c, number="FP-T1").exists()
    client.post(
        f"/receivables/customers/{c.pk}/payments/",
        {"received_on": today, "amount": "1000", "method": "transfer"},
    )
    assert customer_balance(c).outstanding.to_eng_string() == "280.50"
    tab = client.get(f"/customers/{c.pk}/?tab=receivables").content.decode()
    assert "¥280.50" in tab and "FP-T1" in tab
    payment = Payment.objects.get(customer=c)
    client.post(f"/receivables/payments/{payment.pk}/reverse/", {"reason": "退票"})
    assert customer_balance(c).outstanding.to_eng_string() == "1280.50"
    # a read-only role sees the tab without the forms, and cannot post
    auditor = login(Role.AUDITOR)
    tab = auditor.get(f"/customers/{c.pk}/?tab=receivables").content.decode()
    assert "¥1280.50" in tab and 'id="payment-form"' not in tab
    r = auditor.post(
        f"/receivables/customers/{c.pk}/payments/", {"received_on": today, "amount": "1", "method": "cash"}
    )
    assert r.status_code == 403


def test_aging_page(
    users: dict[str, User], make_customer: Callable[..., Any], login: Callable[[str], Any]
) -> None:
    fin = users[Role.FINANCE]
    c = make_customer()
    other = make_customer(owner=users["am2"])
    today = timezone.localdate()
    invoice(fin, c, "100.00", issued=today - dt.timedelta(days=100), days=0)  # 100 days past due: 91-180
    invoice(fin, c, "50.00", issued=today, days=10)  # not due: 0-30
    invoice(fin, other, "70.00", issued=today, days=10)
    body = login(Role.ACCOUNT_MANAGER).get(f"/receivables/aging/?as_of={today:%Y-%m-%d}").content.decode()
    assert c.name in body and other.name not in body
    assert "150.00" in body and "91-180" in body
    menu = login(Role.FINANCE).get("/receivables/aging/").content.decode()
    assert 'href="/receivables/"' in menu and other.name in menu


def test_aging_export_is_logged_and_holds_only_visible_rows(
    users: dict[str, User], make_customer: Callable[..., Any], login: Callable[[str], Any]
) -> None:
    import io

    from openpyxl import load_workbook

    from kedang.exchange.models import ExportLog

    fin = users[Role.FINANCE]
    c = make_customer()
    other = make_customer(owner=users["am2"])
    today = timezone.localdate()
    invoice(fin, c, "100.00", issued=today - dt.timedelta(days=40), days=0)
    invoice(fin, other, "70.00", issued=today)
    r = login(Role.ACCOUNT_MANAGER).get(f"/receivables/aging/export/?as_of={today:%Y-%m-%d}")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    values = [[cell for cell in row] for row in ws.iter_rows(values_only=True)]
    names = [row[1] for row in values[2:]]
    assert names == [c.name, "合计"]
    assert values[2][2] == 100 and values[2][4] == 100  # 31-60
    log = ExportLog.objects.get(what="receivables_aging")
    assert (log.user, log.rows, log.file_format) == (users[Role.ACCOUNT_MANAGER], 1, "xlsx")


def test_contract_from_the_archive_tab(
    users: dict[str, User], make_customer: Callable[..., Any], login: Callable[[str], Any]
) -> None:
    from kedang.receivables.models import Contract

    c = make_customer()
    client = login(Role.ACCOUNT_MANAGER)
    assert 'id="contract-form"' in client.get(f"/customers/{c.pk}/?tab=receivables").content.decode()
    r = client.post(
        f"/receivables/customers/{c.pk}/contracts/",
        {
            "number": "HT-TAB-1",
            "signed_on": "2026-03-01",
            "amount": "9000",
            "plan": "2026-04-01 3000\n2026-05-01 3000 10",
        },
        follow=True,
    )
    contract = Contract.objects.get(number="HT-TAB-1")
    assert [(i.amount, i.notice_days) for i in contract.installments.all()] == [
        (Decimal("3000.00"), 7),
        (Decimal("3000.00"), 10),
    ]
    body = r.content.decode()
    assert "回款计划合计 6000.00 元，与合同金额 9000.00 元不一致" in body and "HT-TAB-1" in body
    bad = client.post(
        f"/receivables/customers/{c.pk}/contracts/",
        {"number": "HT-TAB-2", "signed_on": "2026-03-01", "amount": "1", "plan": "明天 100"},
    )
    assert bad.status_code == 302 and not Contract.objects.filter(number="HT-TAB-2").exists()
