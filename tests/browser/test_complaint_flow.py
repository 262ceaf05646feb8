"""A complaint's whole life in a real browser: an agent's follow-up call turns the customer's issue into a
complaint in one click; the customer-service manager confirms and assigns it, the handler resolves it,
the agent records the customer's feedback, the manager closes it — three people — and the
《客户投诉处理表》 prints with every step. Then a complaint recorded on the form with the search box."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from kedang.accounts.services import user_upsert
from kedang.agenda.models import Task
from kedang.agenda.services import event_record
from kedang.complaints.models import Complaint, State
from kedang.customers.services import customer_create, vehicle_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Kd-browser-2026"
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


def login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def act(page: Any, action: str) -> None:
    page.click(f"#do-{action}")
    page.locator(".alert-success").wait_for()


def test_complaint_from_a_follow_up_to_closed_by_three_people(
    live_server: Any, page: Any, tmp_path: Path
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    agent, _ = user_upsert(
        username="cs1", role="cs_agent", password=PASSWORD, department="客服部", display_name="陈静"
    )
    user_upsert(
        username="csm", role="cs_manager", password=PASSWORD, department="客服部", display_name="刘经理"
    )
    user_upsert(
        username="tech", role="cs_agent", password=PASSWORD, department="售后服务部", display_name="张师傅"
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
    base = live_server.url

    # 1. the agent's call: the customer complains, one tick opens the complaint
    login(page, base, "cs1")
    page.locator(f"#call-list tr[data-task='{task.pk}'] .kd-call-btn").click()
    dialog = page.locator("#kd-call-modal")
    dialog.locator(".kd-call-form").wait_for()
    for row in dialog.locator(".kd-q-row").all():
        row.locator("label").last.click()
    dialog.locator("#id_issue").fill("维修后刹车仍有异响，等了两个小时")
    dialog.locator("#id_open_complaint").check()
    dialog.locator("#call-save").click()
    page.locator(".alert-success").wait_for()
    complaint = Complaint.objects.get()
    assert complaint.number in page.locator(".alert-success").inner_text()
    assert (complaint.customer_id, complaint.vehicle_id, complaint.channel) == (
        customer.pk,
        vehicle.pk,
        "followup",
    )
    assert complaint.call is not None and complaint.call.task_id == task.pk
    detail = f"{base}/complaints/{complaint.pk}/"

    # 2. the manager sees it first on her home page, confirms and assigns it
    login(page, base, "csm")
    assert complaint.number in page.locator("#complaints-awaiting").inner_text()
    page.screenshot(path=str(SHOTS / "complaints-home.png"), full_page=True)
    page.goto(detail)
    assert "回访" in page.locator(".kd-dl").first.inner_text()
    act(page, "confirm")
    page.select_option("#assign-handler", "tech")
    act(page, "assign")
    assert "售后服务部" in page.locator("#department").inner_text()

    # 3. the handler resolves it
    login(page, base, "tech")
    page.goto(detail)
    page.fill("#resolve-resolution", "重新调整刹车卡钳，更换刹车片，免收工时费")
    act(page, "resolve")

    # 4. the agent calls the customer back and records her opinion
    login(page, base, "cs1")
    page.goto(detail)
    page.fill("#feedback-opinion", "客户表示满意")
    page.locator("label[for=sat-5]").click()
    act(page, "feedback")

    # 5. the manager closes it; a second close is not possible any more (409 in the page)
    login(page, base, "csm")
    page.goto(detail)
    version = page.locator("#act-close input[name=version]").get_attribute("value")
    act(page, "close")
    assert Complaint.objects.get().state == State.CLOSED
    history = page.locator("#history").inner_text()
    for who in ("陈静", "刘经理", "张师傅"):
        assert who in history
    page.screenshot(path=str(SHOTS / "complaint-detail.png"), full_page=True)
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"{detail}act/", form={"action": "close", "version": version or ""}, headers={"X-CSRFToken": csrf}
    )
    assert response.status == 409 and "不能结案" in response.text()

    # 6. print the form and read it back
    pdf = page.request.get(f"{detail}print/")
    assert pdf.headers["content-type"] == "application/pdf"
    out = tmp_path / "form.pdf"
    out.write_bytes(pdf.body())
    text = subprocess.run(
        ["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in (
        "客户投诉处理表",
        complaint.number,
        "王建国",
        "京A12345",
        "刹车仍有异响",
        "张师傅",
        "免收工时费",
        "客户表示满意",
        "5/5",
        "已结案",
        "陈静",
        "刘经理",
    ):
        assert expected in text, expected

    # the list and the analysis with its charts
    page.goto(f"{base}/complaints/")
    assert complaint.number in page.locator("#complaint-table").inner_text()
    page.screenshot(path=str(SHOTS / "complaint-list.png"), full_page=True)
    page.goto(f"{base}/complaints/analysis/")
    page.locator("#chart-trend canvas").wait_for()
    assert (
        page.locator("[data-k=total]").inner_text() == "1"
        and page.locator("[data-k=closed]").inner_text() == "1"
    )
    page.screenshot(path=str(SHOTS / "complaint-analysis.png"), full_page=True)

    # the timeline shows every step
    page.goto(f"{base}/customers/{customer.pk}/?tab=timeline")
    timeline = page.locator(".kd-timeline").inner_text()
    for step in ("受理（回访）", "确认投诉", "分派处理", "记录处理结果", "回访客户意见", "结案"):
        assert step in timeline, step


def test_record_a_complaint_with_the_search_box(live_server: Any, page: Any) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    user_upsert(username="cs1", role="cs_agent", password=PASSWORD, department="客服部")
    am, _ = user_upsert(username="am1", role="account_manager", password=PASSWORD, department="销售一部")
    customer = customer_create(actor=am, name="赵丽华", phone="13698765432")
    vehicle_create(
        actor=am, customer_id=customer.pk, vin="1M8GDM9AXKP042788", plate="粤B66666", model="途观L"
    )
    base = live_server.url
    login(page, base, "cs1")
    page.goto(base + "/complaints/new/")
    page.fill("#pick-q", "赵丽")
    page.locator(".kd-pick").first.wait_for()
    page.press("#pick-q", "Enter")
    page.locator("#picked").wait_for()
    assert "赵丽华" in page.locator("#picked").inner_text()
    page.locator("#id_vehicle option", has_text="粤B66666").wait_for(state="attached")
    page.select_option("#id_vehicle", label="粤B66666 途观L")
    page.locator("label[for=channel-visit]").click()
    page.select_option("#id_category", label="等待时间")
    page.fill("#id_summary", "保养等了三个小时，没有人解释")
    page.screenshot(path=str(SHOTS / "complaint-form.png"), full_page=True)
    page.click("#complaint-save")
    page.locator(".alert-success").wait_for()
    c = Complaint.objects.get()
    assert (c.customer_id, c.channel, c.vehicle.plate if c.vehicle else "") == (
        customer.pk,
        "visit",
        "粤B66666",
    )
    assert c.category is not None and c.category.name == "等待时间"
