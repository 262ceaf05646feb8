"""A customer-service agent's first day, in a real browser: log in, create a customer with a
vehicle, upload a scan, watch the missing-documents list shrink, log out."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from kedang.accounts.services import user_upsert
from kedang.customers.models import Attachment, Customer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Kd-browser-2026"


def test_agent_creates_customer_vehicle_and_files_a_scan(live_server: Any, page: Any, tmp_path: Path) -> None:
    user_upsert(username="cs1", role="cs_agent", password=PASSWORD, department="客服部", display_name="陈静")
    user_upsert(
        username="am1", role="account_manager", password=PASSWORD, department="销售一部", display_name="赵磊"
    )
    base = live_server.url

    page.goto(base + "/")
    assert "/login/" in page.url
    page.fill("#id_username", "cs1")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    assert page.locator("h1.kd-title").inner_text() == "工作台"

    page.click("text=新建客户档案")
    page.wait_for_url(re.compile(r"/customers/new/$"))
    # a bad ID number is shown under its field; nothing is created
    page.fill("#id_name", "张三")
    page.fill("#id_phone", "138 1234 5678")
    page.fill("#id_id_number", "110105194912310021")
    page.press("#id_id_number", "Tab")  # leaving the field checks it at once (htmx)
    assert "校验码" in page.locator("#id_id_number-check .errorlist").inner_text()
    page.select_option("#id_owner", "am1")
    page.click("button:has-text('保存')")
    assert "校验码" in page.locator("#id_id_number-errors").inner_text()
    assert Customer.objects.count() == 0

    page.fill("#id_id_number", "11010519491231002X")
    page.fill("#id_address", "北京市朝阳区建国路88号")
    page.click("button:has-text('保存')")
    page.wait_for_url(re.compile(r"/customers/\d+/$"))
    customer = Customer.objects.get()
    assert page.locator("#archive-no").inner_text() == customer.archive_no
    assert customer.owner.username == "am1"

    page.click("text=登记车辆")
    page.fill("#id_vin", "1M8GDM9AXKP042788")
    page.fill("#id_plate", "京A·12345")
    page.fill("#id_model", "大众帕萨特")
    page.fill("#id_delivery_date", "2026-11-20")
    page.click("button:has-text('保存')")
    page.wait_for_url(re.compile(r"tab=vehicles"))
    assert "京A12345" in page.locator(".kd-plate").first.inner_text()

    page.click("a.nav-link:has-text('档案资料')")
    page.wait_for_url(re.compile(r"tab=files"))
    sales = page.locator(".kd-file[data-file^='SALES']")
    missing_before = sales.locator(".kd-check-missing").count()
    assert missing_before >= 10
    row = sales.locator(".kd-check-missing", has_text="购车合同")
    scan = tmp_path / "购车合同.pdf"
    scan.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    row.locator("input[type=file]").set_input_files(str(scan))
    row.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"tab=files"))
    assert "已归档" in page.locator(".alert-success").inner_text()
    sales = page.locator(".kd-file[data-file^='SALES']")
    assert sales.locator(".kd-check-missing").count() == missing_before - 1
    assert sales.locator(".kd-check-missing", has_text="购车合同").count() == 0
    assert Attachment.objects.get().original_name == "购车合同.pdf"

    page.click("button:has-text('退出')")
    page.wait_for_url(re.compile(r"/login/"))
    page.goto(base + f"/customers/{customer.pk}/")
    assert "/login/" in page.url
