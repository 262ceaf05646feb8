"""The complaint pages: the one-screen form (customer search box, vehicles, attachments), the detail page
taking steps (409 with the message when the step does not exist any more, 403 for the wrong person),
the list's filters with overdue first, the home page's to-do, the printed form read back with pdftotext."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from kedang.accounts.models import User
from kedang.complaints.models import Complaint, State
from kedang.complaints.services import compensation_decide, compensation_request, complaint_transition
from kedang.ops.tests.helpers import png_bytes

from .factories import add_handler, complaint_in

pytestmark = pytest.mark.django_db
PNG = png_bytes()  # a real image: uploads are decoded (R-A7)


def test_customer_search_box_finds_visible_customers_only(
    login: Callable[[str], Client], make_customer: Callable[..., Any], users: dict[str, User]
) -> None:
    make_customer(name="李明亮", owner=users["account_manager"])
    make_customer(name="李明华", owner=users["am2"])
    html = login("account_manager").get(reverse("complaint_customer_pick"), {"q": "李明"}).content.decode()
    assert "李明亮" in html and "李明华" not in html


def test_record_a_complaint_with_vehicle_category_and_a_photo(
    login: Callable[[str], Client], make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]
) -> None:
    customer = make_customer(name="赵强")
    vehicle = make_vehicle(customer, plate="京B88888", model="途观L")
    client = login("cs_agent")
    page = client.get(reverse("complaint_create") + f"?customer={customer.pk}").content.decode()
    assert "赵强" in page and "京B88888" in page
    assert (
        "京B88888"
        in client.get(reverse("complaint_vehicle_options"), {"customer": customer.pk}).content.decode()
    )
    from kedang.complaints.models import Category

    waiting = Category.objects.get(name="等待时间")
    r = client.post(
        reverse("complaint_create"),
        {
            "customer": customer.pk,
            "vehicle": vehicle.pk,
            "channel": "visit",
            "category": waiting.pk,
            "summary": "保养等了三个小时",
            "attachments": [SimpleUploadedFile("photo.png", PNG, content_type="image/png")],
        },
    )
    c = Complaint.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("complaint_detail", args=[c.pk])
    assert (c.vehicle_id, c.channel, c.category_id, c.state) == (
        vehicle.pk,
        "visit",
        waiting.pk,
        State.RECEIVED,
    )
    assert c.record is not None and c.record.attachments.get().original_name == "photo.png"
    detail = client.get(r["Location"]).content.decode()
    assert "保养等了三个小时" in detail and "photo.png" in detail


def test_form_errors_are_shown_and_nothing_is_saved(login: Callable[[str], Client]) -> None:
    r = login("cs_agent").post(reverse("complaint_create"), {"channel": "phone", "summary": ""})
    html = r.content.decode()
    assert r.status_code == 200 and "请先查找并选择客户" in html and 'id="summary-errors"' in html
    assert not Complaint.objects.exists()


def test_detail_page_steps_and_a_stale_step_answers_409(
    login: Callable[[str], Client], users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    c = complaint_in(State.RECEIVED, users, make_customer())
    client = login("cs_manager")
    page = client.get(reverse("complaint_detail", args=[c.pk])).content.decode()
    assert 'id="do-confirm"' in page and 'id="do-reject"' in page and 'id="do-close"' not in page
    r = client.post(reverse("complaint_act", args=[c.pk]), {"action": "confirm", "version": c.version})
    assert r.status_code == 302
    r = client.post(reverse("complaint_act", args=[c.pk]), {"action": "confirm", "version": c.version})
    assert r.status_code == 409 and "不能确认投诉" in r.content.decode()
    r = client.post(reverse("complaint_act", args=[c.pk]), {"action": "assign"})
    assert r.status_code == 422 and "请选择处理人" in r.content.decode()
    agent = login("cs_agent")
    page = agent.get(reverse("complaint_detail", args=[c.pk])).content.decode()
    assert 'id="no-actions"' in page
    assert agent.post(reverse("complaint_act", args=[c.pk]), {"action": "assign"}).status_code == 403


def test_outsiders_get_404(
    login: Callable[[str], Client], users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    c = complaint_in(State.RECEIVED, users, make_customer(owner=users["account_manager"]))
    client = login("am2")
    for name in ("complaint_detail", "complaint_print"):
        assert client.get(reverse(name, args=[c.pk])).status_code == 404
    assert c.number not in client.get(reverse("complaint_list")).content.decode()


def test_list_filters_and_overdue_first(
    login: Callable[[str], Client], users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    today = timezone.localdate()
    old = complaint_in(
        State.RECEIVED, users, make_customer(name="老投诉"), today=today - dt.timedelta(days=20)
    )
    new = complaint_in(State.RECEIVED, users, make_customer(name="新投诉"), summary="空调不制冷")
    client = login("cs_manager")
    html = client.get(reverse("complaint_list")).content.decode()
    assert html.index(old.number) < html.index(new.number)  # overdue first
    html = client.get(reverse("complaint_list"), {"overdue": "1"}).content.decode()
    assert old.number in html and new.number not in html
    html = client.get(reverse("complaint_list"), {"q": "空调"}).content.decode()
    assert new.number in html and old.number not in html
    home = client.get(reverse("home")).content.decode()
    assert 'id="complaints-awaiting"' in home and home.index(old.number) < home.index(new.number)
    assert 'id="count-complaints">2<' in home


def test_compensation_is_approved_on_the_page(
    login: Callable[[str], Client], users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    c = complaint_in(State.RECEIVED, users, make_customer())
    client = login("cs_agent")
    r = client.post(
        reverse("compensation_add", args=[c.pk]), {"kind": "compensation", "amount": "abc", "description": ""}
    )
    assert r.status_code == 422
    client.post(
        reverse("compensation_add", args=[c.pk]),
        {"kind": "compensation", "amount": "500", "description": "赠送保养一次"},
    )
    comp = c.compensations.get()
    manager = login("cs_manager")
    assert "补偿待批 1" in manager.get(reverse("home")).content.decode()
    r = manager.post(reverse("compensation_decide", args=[comp.pk]), {"decision": "approve", "note": "同意"})
    assert r.status_code == 302
    comp.refresh_from_db()
    assert comp.status == "approved" and comp.record is not None and comp.record.file.file_type.code == "C4"  # type: ignore[union-attr]
    files_tab = manager.get(reverse("customer_detail", args=[c.customer_id]) + "?tab=files").content.decode()
    assert comp.record.title in files_tab


def test_the_printed_form_has_every_field_and_the_history(
    login: Callable[[str], Client],
    users: dict[str, User],
    make_customer: Callable[..., Any],
    make_vehicle: Callable[..., Any],
    tmp_path: Any,
) -> None:
    add_handler(users)
    customer = make_customer(name="孙悦", phone="13912345678")
    vehicle = make_vehicle(customer, plate="沪C12345", model="帕萨特")
    c = complaint_in(State.FEEDBACK, users, customer, vehicle_id=vehicle.pk, summary="喷漆有色差")
    comp = compensation_request(
        actor=users["handler"], complaint_id=c.pk, kind="discount", amount="1200", description="工时八折"
    )
    compensation_decide(actor=users["cs_manager"], compensation_id=comp.pk, approve=True)
    complaint_transition(actor=users["cs_manager"], complaint_id=c.pk, action="close")
    r = login("cs_manager").get(reverse("complaint_print", args=[c.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    pdf = tmp_path / "form.pdf"
    pdf.write_bytes(r.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    for expected in (
        "客户投诉处理表",
        c.number,
        "孙悦",
        customer.archive_no,
        "沪C12345",
        "帕萨特",
        "喷漆有色差",
        "电话",
        "售后服务部",
        "更换刹车片",
        "客户表示满意",
        "5/5",
        "已结案",
        "处理经过",
        "确认投诉",
        "分派处理",
        "记录处理结果",
        "回访客户意见",
        "结案",
        "139****5678",
    ):
        assert expected in text, expected
    assert "13912345678" not in text
    from kedang.exchange.models import ExportLog

    log = ExportLog.objects.get(what="complaint_form")
    assert (log.user.username, log.customer_id, log.filters) == (
        "cs_manager",
        customer.pk,
        {"complaint": c.number},
    )
