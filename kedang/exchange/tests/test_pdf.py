"""R-I3: 《客户档案基本资料表》 as PDF, read back with a PDF text extractor."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from kedang.accounts.models import User
from kedang.customers.services import contact_add, vehicle_create
from kedang.exchange.models import ExportLog

from .conftest import IDS, VINS

pytestmark = pytest.mark.django_db


def _text(content: bytes) -> str:
    """The text of every page; lines joined, as a label may wrap in its narrow cell."""
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).replace("\n", "")


def test_basic_form_has_the_archive_number_and_the_chinese_data(
    login: Callable[[str], Client], users: dict[str, User], make_customer: Any
) -> None:
    am = users["account_manager"]
    c = make_customer(name="王建国", id_number=IDS[0], address="北京市朝阳区建国路88号", notes="喜欢钓鱼")
    vehicle_create(actor=am, customer_id=c.pk, vin=VINS[0], plate="京A12345", model="大众帕萨特")
    contact_add(actor=am, customer_id=c.pk, name="王小明", title="儿子", phone="13912345678")
    r = login("account_manager").get(reverse("customer_form_pdf", args=[c.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = _text(r.content)
    for expected in [
        "客户档案基本资料表",
        f"档号：{c.archive_no}",
        "打印日期",
        "王建国",
        "北京市朝阳区建国路88号",
        "京A12345",
        VINS[0],
        "大众帕萨特",
        "王小明",
        "喜欢钓鱼",
        "经办人",
        "主管审核",
    ]:
        assert expected in text, expected
    assert IDS[0] not in text and IDS[0][:6] in text  # masked as on the page
    log = ExportLog.objects.get()
    assert (log.what, log.customer, log.user) == ("customer_basic_form", c, am)


def test_basic_form_of_someone_elses_customer_is_not_found(
    login: Callable[[str], Client], users: dict[str, User], make_customer: Any
) -> None:
    c = make_customer(owner=users["am2"], kind="company", name="华北物流有限公司")
    assert login("account_manager").get(reverse("customer_form_pdf", args=[c.pk])).status_code == 404
    text = _text(login("general_manager").get(reverse("customer_form_pdf", args=[c.pk])).content)
    assert "华北物流有限公司" in text and "统一社会信用代码" in text


def test_the_archive_page_links_the_form(login: Callable[[str], Client], make_customer: Any) -> None:
    c = make_customer()
    html = login("account_manager").get(reverse("customer_detail", args=[c.pk])).content.decode()
    assert reverse("customer_form_pdf", args=[c.pk]) in html
