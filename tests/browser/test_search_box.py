"""R-S1 in a real browser: type a plate fragment in the header box, open the customer from the dropdown."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kedang.accounts.services import user_upsert
from kedang.customers.services import customer_create, vehicle_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Kd-browser-2026"


def test_type_a_plate_fragment_and_open_the_customer(live_server: Any, page: Any) -> None:
    agent, _ = user_upsert(username="cs1", role="cs_agent", password=PASSWORD, department="客服部")
    for i, (name, plate) in enumerate((("李四", "沪B54321"), ("张三", "京A12345"))):
        c = customer_create(actor=agent, name=name, phone=f"1380000000{i}")
        vin = ["1M8GDM9AXKP042788", "LSVAU2180N2183294"][i]
        from kedang.customers.validators import vin_check_digit

        vin = vin[:8] + vin_check_digit(vin) + vin[9:]
        vehicle_create(actor=agent, customer_id=c.pk, vin=vin, plate=plate)
    base = live_server.url
    page.goto(base + "/login/")
    page.fill("#id_username", "cs1")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")

    page.keyboard.press("/")  # "/" focuses the search box
    page.keyboard.type("a123")
    first = page.locator("#kd-suggest .kd-suggest-item").first
    first.wait_for()
    assert "张三" in first.inner_text()
    assert page.locator("#kd-suggest mark").first.inner_text().upper() == "A123"
    first.click()
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    assert page.locator("#customer-name").inner_text() == "张三"

    # Enter opens the highlighted (first) result
    page.fill("#kd-search-input", "")
    page.click("#kd-search-input")
    page.keyboard.type("沪B·5432")
    page.locator("#kd-suggest .kd-suggest-item.active").wait_for()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    assert page.locator("#customer-name").inner_text() == "李四"
