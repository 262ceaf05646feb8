"""R-G2 in a real browser: an account manager asks for another's customer, the sales manager
approves on her page, the first opens the customer."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kedang.accounts.services import user_upsert
from kedang.customers.services import customer_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Kd-browser-2026"


def _login(page: Any, base: str, username: str) -> None:
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def _logout(page: Any) -> None:
    page.click("button:has-text('退出')")
    page.wait_for_url(re.compile(r"/login/"))


def test_request_approve_open(live_server: Any, page: Any) -> None:
    owner, _ = user_upsert(username="am1", role="account_manager", password=PASSWORD, department="销售一部")
    user_upsert(username="am2", role="account_manager", password=PASSWORD, department="销售二部")
    user_upsert(username="sm", role="sales_manager", password=PASSWORD, department="销售部")
    customer = customer_create(actor=owner, name="王大客户", phone="13812345678")
    base = live_server.url

    _login(page, base, "am2")
    page.goto(base + f"/customers/{customer.pk}/")
    assert "王大客户" not in page.content()
    page.goto(base + "/governance/")
    page.fill("#ar-archive", customer.archive_no)
    page.fill("#ar-reason", "客户来电要求续保")
    page.fill("#ar-days", "3")
    page.click("#access-request-form button[type=submit]")
    assert "已提交查阅申请" in page.locator(".alert-success").inner_text()
    _logout(page)

    _login(page, base, "sm")
    page.goto(base + "/governance/")
    row = page.locator("#pending-requests tr", has_text="王大客户")
    row.locator("button[value=approve]").click()
    assert "已批准" in page.locator(".alert-success").inner_text()
    _logout(page)

    _login(page, base, "am2")
    page.goto(base + "/governance/")
    page.click("text=打开")
    page.wait_for_url(re.compile(rf"/customers/{customer.pk}/$"))
    assert page.locator("#customer-name").inner_text() == "王大客户"
