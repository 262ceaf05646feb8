"""An agent's morning, in a real browser: log in, open today's call list, record a reached call with
scores in the dialog (a score is missing first: the dialog says which), see the call leave the list
and appear on the customer's timeline."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from kedang.accounts.services import user_upsert
from kedang.agenda.models import Task, TaskStatus
from kedang.agenda.services import event_record
from kedang.customers.services import customer_create, vehicle_create
from kedang.followups.models import Answer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Kd-browser-2026"


def test_agent_records_a_reached_call_with_scores(live_server: Any, page: Any) -> None:
    agent, _ = user_upsert(
        username="cs1", role="cs_agent", password=PASSWORD, department="客服部", display_name="陈静"
    )
    am, _ = user_upsert(username="am1", role="account_manager", password=PASSWORD, department="销售一部")
    today = timezone.localdate()
    customer = customer_create(actor=am, name="王建国", phone="13812345678")
    vehicle = vehicle_create(
        actor=am, customer_id=customer.pk, vin="1M8GDM9AXKP042788", plate="京A12345", model="大众帕萨特"
    )
    event_record(
        actor=agent,
        customer_id=customer.pk,
        kind="repair",
        date=today - dt.timedelta(days=3),
        vehicle_id=vehicle.pk,
    )
    task = Task.objects.get(rule__code="3DC")
    assert task.assignee == agent
    base = live_server.url

    page.goto(base + "/login/")
    page.fill("#id_username", "cs1")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    row = page.locator(f"#call-list tr[data-task='{task.pk}']")
    assert "王建国" in row.inner_text() and "京A12345" in row.inner_text()
    assert page.locator("#count-today").inner_text() == "1"

    row.locator(".kd-call-btn").click()
    dialog = page.locator("#kd-call-modal")
    dialog.locator(".kd-call-form").wait_for()
    assert "话术" in dialog.inner_text() and "王建国" in dialog.locator(".kd-script").inner_text()
    items = dialog.locator(".kd-q-row")
    count = items.count()
    assert count >= 4
    for i in range(count - 1):  # the last item is left out
        items.nth(i).locator("label", has_text=re.compile(r"^5$")).click()
    dialog.locator("#id_remarks").fill("客户对维修很满意")
    dialog.locator("#call-save").click()
    dialog.locator(".kd-q-row .errorlist").wait_for()
    assert "请为" in dialog.locator(".kd-q-row .errorlist").inner_text()
    assert Task.objects.get(pk=task.pk).status == TaskStatus.OPEN

    dialog.locator(".kd-q-row").last.locator("label", has_text=re.compile(r"^4$")).click()
    dialog.locator("#call-save").click()
    page.locator(".alert-success").wait_for()
    assert "已记录" in page.locator(".alert-success").inner_text()
    assert page.locator(f"#call-list tr[data-task='{task.pk}']").count() == 0
    assert page.locator("#count-done").inner_text() == "1"
    assert Task.objects.get(pk=task.pk).status == TaskStatus.DONE
    assert sorted(Answer.objects.values_list("score", flat=True)) == [4] + [5] * (count - 1)

    page.goto(base + f"/customers/{customer.pk}/?tab=timeline")
    timeline = page.locator(".kd-timeline").inner_text()
    assert "3DC 维修回访：已接通" in timeline and "客户对维修很满意" in timeline
