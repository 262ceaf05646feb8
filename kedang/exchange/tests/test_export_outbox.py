"""R-I2: the care outbox exports with the page's filters and the user's customer visibility; a phone
recipient is masked for the roles that do not see phones; formula payloads neutralised, numbers stay
numbers; the export is logged."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from kedang.accounts.models import User
from kedang.care.models import Message
from kedang.exchange.models import ExportLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def messages(users: dict[str, User], make_customer: Callable[..., Any]) -> None:
    mine = make_customer(name="本部门客户", phone="13912345678")
    theirs = make_customer(owner=users["am2"], name="外部门客户", phone="13987654321")
    Message.objects.create(
        customer=mine, channel="sms", recipient="13912345678", body="=1+1", status="sent", attempts=2
    )
    Message.objects.create(
        customer=mine, channel="email", recipient="wang@example.com", subject="生日", body="生日快乐"
    )
    Message.objects.create(
        customer=theirs, channel="sms", recipient="13987654321", body="外部门短信", batch="b1"
    )


def _xlsx(client: Client, query: str) -> list[list[Any]]:
    r = client.get(reverse("care_outbox_export") + query)
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    return [list(row) for row in ws.iter_rows(values_only=True)]


def test_outbox_export_keeps_visibility_filters_and_masking(
    login: Callable[[str], Client], users: dict[str, User], messages: None
) -> None:
    everyone = _xlsx(login("general_manager"), "?format=xlsx")
    assert everyone[0][:4] == ["时间", "渠道", "客户", "收件人"]
    assert {r[2] for r in everyone[1:]} == {"本部门客户", "外部门客户"}
    sms = next(r for r in everyone[1:] if r[5] == "'=1+1")  # neutralised, not a formula
    assert sms[3] == "13912345678"  # the general manager sees phones
    assert sms[8] == 2 and isinstance(sms[8], int)  # attempts stay a number

    own = _xlsx(login("account_manager"), "?format=xlsx")
    assert {r[2] for r in own[1:]} == {"本部门客户"} and "外部门短信" not in str(own)

    masked = _xlsx(login("finance"), "?channel=sms")
    assert {r[3] for r in masked[1:]} == {"139****5678", "139****4321"}
    assert "13912345678" not in str(masked) and "13987654321" not in str(masked)
    email = _xlsx(login("finance"), "?channel=email")
    assert [r[3] for r in email[1:]] == ["wang@example.com"]  # not a phone: as it is
    assert len(_xlsx(login("general_manager"), "?batch=b1")) == 2

    r = login("finance").get(reverse("care_outbox_export") + "?status=sent&format=csv")
    assert r["Content-Type"].startswith("text/csv") and r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][0] == "时间"
    assert [(x[3], x[5], x[8]) for x in rows[1:]] == [("139****5678", "'=1+1", "2")]

    log = ExportLog.objects.filter(what="care_outbox").order_by("id")
    assert [(x.user.username, x.file_format, x.rows) for x in log] == [
        ("general_manager", "xlsx", 3),
        ("account_manager", "xlsx", 2),
        ("finance", "xlsx", 2),
        ("finance", "xlsx", 1),
        ("general_manager", "xlsx", 1),
        ("finance", "csv", 1),
    ]
    assert log[2].filters == {"channel": "sms"}


def test_the_outbox_page_links_the_export_with_its_filters(
    login: Callable[[str], Client], messages: None
) -> None:
    html = login("general_manager").get(reverse("care_outbox") + "?channel=sms").content.decode()
    assert reverse("care_outbox_export") + "?format=xlsx&amp;channel=sms" in html
    assert reverse("care_outbox_export") + "?format=csv&amp;channel=sms" in html
