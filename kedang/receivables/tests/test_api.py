"""The receivables API (SPEC §14 wave 2): amounts as strings, allocation, reversal, balance, aging,
404 for what the caller may not see, 403 for a read-only role, 409 for a step out of order."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone

from kedang.accounts.models import User

pytestmark = pytest.mark.django_db


def test_contract_invoice_payment_balance_aging(
    users: dict[str, User], make_customer: Callable[..., Any], api: Callable[..., Any]
) -> None:
    c = make_customer()
    today = timezone.localdate()
    r = api(
        "account_manager",
        "post",
        "/contracts",
        {
            "customer_id": c.pk,
            "number": "HT-2026-001",
            "signed_on": today.isoformat(),
            "amount": "10000.00",
            "plan": [{"due_date": (today + dt.timedelta(days=30)).isoformat(), "amount": "4000"}],
        },
    )
    assert r.status_code == 201, r.content
    contract = r.json()
    assert contract["amount"] == "10000.00" and contract["state"] == "draft"
    assert contract["warning"].startswith("回款计划合计 4000.00 元")
    assert api("account_manager", "post", f"/contracts/{contract['id']}/approve").status_code == 403
    assert api("sales_manager", "post", f"/contracts/{contract['id']}/approve").json()["state"] == "approved"
    assert api("sales_manager", "post", f"/contracts/{contract['id']}/approve").status_code == 409
    old = (today - dt.timedelta(days=45)).isoformat()
    inv = api(
        "finance",
        "post",
        "/invoices",
        {
            "customer_id": c.pk,
            "contract_id": contract["id"],
            "number": "FP1",
            "date": old,
            "due_date": old,
            "amount": "3000.10",
        },
    ).json()
    assert inv["amount"] == "3000.10" and inv["open"] == "3000.10" and inv["source"] == "contract"
    pay = api(
        "finance",
        "post",
        "/payments",
        {"customer_id": c.pk, "date": today.isoformat(), "amount": "1000.05", "method": "transfer"},
    )
    assert pay.status_code == 201
    assert pay.json()["allocations"] == [{"invoice_id": inv["id"], "amount": "1000.05"}]
    bal = api("finance", "get", f"/customers/{c.pk}/balance").json()
    assert (bal["outstanding"], bal["overdue"], bal["credit"]) == ("2000.05", "2000.05", "0.00")
    assert bal["aging"] == {
        "0-30": "0.00",
        "31-60": "2000.05",
        "61-90": "0.00",
        "91-180": "0.00",
        "180+": "0.00",
    }
    aging = api("general_manager", "get", f"/receivables/aging?as_of={today.isoformat()}").json()
    assert {"customer_id": c.pk, "outstanding": "2000.05", "buckets": bal["aging"]} in aging["items"]
    assert aging["totals"]["31-60"] == "2000.05"
    rev = api("finance", "post", f"/payments/{pay.json()['id']}/reverse", {"reason": "银行退回"})
    assert rev.status_code == 201 and rev.json()["amount"] == "-1000.05"
    assert api("finance", "get", f"/customers/{c.pk}/balance").json()["outstanding"] == "3000.10"
    assert (
        api("finance", "post", f"/payments/{pay.json()['id']}/reverse", {"reason": "又一次"}).status_code
        == 409
    )
    got = api("account_manager", "get", f"/contracts/{contract['id']}").json()
    assert got["invoiced"] == "3000.10" and got["paid"] == "0.00"
    listed = api("account_manager", "get", f"/contracts?customer_id={c.pk}").json()
    assert [x["number"] for x in listed["items"]] == ["HT-2026-001"]


def test_hidden_and_read_only(
    users: dict[str, User], make_customer: Callable[..., Any], api: Callable[..., Any]
) -> None:
    hidden = make_customer(owner=users["am2"])
    today = timezone.localdate().isoformat()
    body = {"customer_id": hidden.pk, "date": today, "amount": "5.00", "method": "cash"}
    assert api("account_manager", "post", "/payments", body).status_code == 404
    assert api("account_manager", "get", f"/customers/{hidden.pk}/balance").status_code == 404
    assert api("auditor", "post", "/payments", body).status_code == 403
    bad = api("am2", "post", "/payments", {**body, "amount": "abc"})
    assert bad.status_code == 422 and "amount" in bad.json()["errors"]
    ok = api("am2", "post", "/payments", body)
    assert ok.status_code == 201
    assert (
        api("account_manager", "post", f"/payments/{ok.json()['id']}/reverse", {"reason": "x"}).status_code
        == 404
    )
    assert hidden.pk not in [
        i["customer_id"] for i in api("account_manager", "get", "/receivables/aging").json()["items"]
    ]
