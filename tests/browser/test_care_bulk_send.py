"""Care in a real browser: an account manager opens 关怀提醒, ticks the birthday greetings, previews every
message (one blocked by do-not-contact says why), sends, and sees the outbox; screenshots of each page
go to var/screenshots/ for a person to look at."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from kedang.accounts.services import user_upsert
from kedang.care.daily import care_tasks_for
from kedang.care.models import Message, MessageStatus
from kedang.care.sending import send_batch
from kedang.care.services import dnc_set
from kedang.customers.services import customer_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Kd-browser-2026"


def test_bulk_birthday_greetings_with_preview(live_server: Any, page: Any, tmp_path: Path) -> None:
    settings.KEDANG_SMS_DIR = tmp_path / "sms"
    settings.KEDANG_QUIET_HOURS = {"sms": ""}
    shots = Path(settings.BASE_DIR) / "var" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    am, _ = user_upsert(username="am1", role="account_manager", password=PASSWORD, department="销售一部")
    today = timezone.localdate()
    birthday = (today + dt.timedelta(days=5)).replace(year=1980)
    a = customer_create(actor=am, name="王建国", phone="13812345678", birthday=birthday)
    b = customer_create(actor=am, name="李秀英", phone="13912345678", birthday=birthday)
    dnc_set(am, customer_id=b.pk, channel="sms", blocked=True, reason="不要短信")
    care_tasks_for(today)
    base = live_server.url

    page.goto(base + "/login/")
    page.fill("#id_username", "am1")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    page.click("a.kd-menu-item[href='/care/']")
    page.wait_for_url(base + "/care/")
    table = page.locator("#care-table")
    assert "王建国" in table.inner_text() and "李秀英" in table.inner_text()
    page.screenshot(path=str(shots / "care-tasks.png"), full_page=True)

    page.locator("#care-table thead input[type=checkbox]").check()
    page.select_option("#bulk-template", label="短信 · 生日祝福短信")
    page.click("#bulk-preview")
    page.wait_for_url(base + "/care/preview/")
    preview = page.locator("#preview-table").inner_text()
    assert "王建国您好" in preview and "客户要求不接受短信：不要短信" in preview
    assert "1" in page.locator("#preview-blocked").inner_text()
    page.screenshot(path=str(shots / "care-preview.png"), full_page=True)

    page.click("#preview-send")
    page.wait_for_url(lambda url: "/care/outbox/?batch=" in url)
    assert Message.objects.count() == 2
    send_batch(Message.objects.first().batch)  # type: ignore[union-attr]
    page.reload()
    outbox = page.locator("#outbox-table").inner_text()
    assert "已发送" in outbox and "客户要求不接受短信" in outbox
    assert Message.objects.get(customer=a).status == MessageStatus.SENT
    assert Message.objects.get(customer=b).status == MessageStatus.FAILED
    page.screenshot(path=str(shots / "care-outbox.png"), full_page=True)
