"""R-I3: 《跟踪服务电话记录表》 for one follow-up call, printed as PDF and read back with pdftotext."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from kedang.accounts.models import User
from kedang.agenda.models import Task
from kedang.agenda.services import event_record
from kedang.exchange.models import ExportLog
from kedang.followups.models import Call
from kedang.followups.services import questionnaire_items, task_complete

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext not installed (poppler-utils)"),
]


def pdftotext(content: bytes, tmp_path: Path) -> str:
    pdf = tmp_path / "form.pdf"
    pdf.write_bytes(content)
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True)
    return out.stdout.decode()


@pytest.fixture
def call(users: dict[str, User], make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]) -> Call:
    customer = make_customer(name="李秀英", phone="13912345678")
    vehicle = make_vehicle(customer, plate="京A12345", model="大众帕萨特")
    day = dt.date(2025, 9, 22)
    event_record(
        actor=users["cs_agent"],
        customer_id=customer.pk,
        kind="repair",
        date=day,
        vehicle_id=vehicle.pk,
        today=day,
    )
    task = Task.objects.get(rule__code="3DC")
    answers = {str(i.pk): i.scale_max for i in questionnaire_items(task)}
    first = next(iter(answers))
    answers[first] = 3
    result = task_complete(
        actor=users["cs_agent"],
        task_id=task.pk,
        outcome="reached",
        answers=answers,
        remarks="客户很满意，建议下次保养提前预约",
        issue="右前轮有异响",
        today=dt.date(2025, 9, 26),
    )
    return result.call


def test_call_record_form_has_the_archive_number_the_call_and_its_scores(
    login: Callable[[str], Client], users: dict[str, User], call: Call, tmp_path: Path
) -> None:
    r = login("cs_agent").get(reverse("call_form_pdf", args=[call.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = pdftotext(r.content, tmp_path)
    first_item = questionnaire_items(call.task)[0]
    for expected in [
        "跟踪服务电话记录表",
        f"档号：{call.customer.archive_no}",
        "打印日期：",
        "李秀英",
        "京A12345 大众帕萨特",
        "3DC 维修回访",
        "2025-09-26",
        "第1次",
        "已接通",
        "右前轮有异响",
        "客户很满意",
        first_item.text,
        "处理意见",
        "业务主管",
    ]:
        assert expected in text, expected
    assert "13912345678" not in text and "139****5678" in text  # masked as on the page
    log = ExportLog.objects.get()
    assert (log.what, log.customer_id, log.user, log.filters) == (
        "call_record_form",
        call.customer_id,
        users["cs_agent"],
        {"call": call.pk},
    )


def test_call_form_of_an_invisible_customer_is_not_found(
    login: Callable[[str], Client], users: dict[str, User], call: Call
) -> None:
    from kedang.customers.models import Customer

    Customer.objects.filter(pk=call.customer_id).update(owner=users["am2"])
    assert login("account_manager").get(reverse("call_form_pdf", args=[call.pk])).status_code == 404
    assert login("account_manager").get(reverse("call_form_pdf", args=[999999])).status_code == 404
    assert not ExportLog.objects.exists()


def test_the_call_and_task_views_link_the_form(login: Callable[[str], Client], call: Call) -> None:
    client = login("cs_agent")
    url = reverse("call_form_pdf", args=[call.pk])
    html = client.get(reverse("call_record", args=[call.task_id])).content.decode()
    assert url in html
    tab = client.get(reverse("customer_followups", args=[call.customer_id])).content.decode()
    assert url in tab


def test_the_form_links_are_english(login: Callable[[str], Client], call: Call) -> None:
    client = login("cs_agent")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("call_record", args=[call.task_id])).content.decode()
    assert "Record form" in html and "记录表" not in html
    tab = client.get(reverse("customer_followups", args=[call.customer_id])).content.decode()
    assert 'title="Follow-up call record form"' in tab
