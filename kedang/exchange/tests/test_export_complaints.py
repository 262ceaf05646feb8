"""R-I2: the complaint list exports with the page's filters and the user's complaint visibility, formula
payloads neutralised and numbers kept as numbers; the export is logged."""

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
from kedang.complaints.models import State
from kedang.complaints.tests.factories import add_handler, complaint_in
from kedang.exchange.models import ExportLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaints(users: dict[str, User], make_customer: Callable[..., Any]) -> dict[str, Any]:
    add_handler(users)
    mine = make_customer(name="本部门客户")
    theirs = make_customer(owner=users["am2"], name="外部门客户")
    return {
        "formula": complaint_in(State.RECEIVED, users, mine, summary="=1+1"),
        "closed": complaint_in(State.CLOSED, users, mine, summary="刹车异响", channel="visit"),
        "hidden": complaint_in(State.RECEIVED, users, theirs, summary="外部门投诉"),
    }


def _xlsx(client: Client, query: str) -> list[list[Any]]:
    r = client.get(reverse("complaints_export") + query)
    assert r.status_code == 200
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    return [list(row) for row in ws.iter_rows(values_only=True)]


def test_complaint_export_keeps_visibility_filters_and_numbers(
    login: Callable[[str], Client], users: dict[str, User], complaints: dict[str, Any]
) -> None:
    everyone = _xlsx(login("general_manager"), "?format=xlsx")
    assert everyone[0][:2] == ["投诉单号", "客户"]
    assert {r[0] for r in everyone[1:]} == {c.number for c in complaints.values()}
    summaries = {r[5] for r in everyone[1:]}
    assert "'=1+1" in summaries and "=1+1" not in summaries  # neutralised, not a formula
    closed = next(r for r in everyone[1:] if r[0] == complaints["closed"].number)
    assert closed[13] == 5 and isinstance(closed[13], int)  # satisfaction stays a number

    own = _xlsx(login("account_manager"), "?format=xlsx")
    assert {r[0] for r in own[1:]} == {complaints["formula"].number, complaints["closed"].number}
    assert "外部门客户" not in str(own) and "外部门投诉" not in str(own)

    open_only = _xlsx(login("account_manager"), "?state=open&channel=phone&format=xlsx")
    assert [r[0] for r in open_only[1:]] == [complaints["formula"].number]
    by_text = _xlsx(login("general_manager"), "?q=%E5%88%B9%E8%BD%A6")  # 刹车, xlsx by default
    assert [r[0] for r in by_text[1:]] == [complaints["closed"].number]

    r = login("account_manager").get(reverse("complaints_export") + "?state=open&format=csv")
    assert r["Content-Type"].startswith("text/csv")
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][0] == "投诉单号"
    assert [(x[0], x[5]) for x in rows[1:]] == [(complaints["formula"].number, "'=1+1")]

    log = ExportLog.objects.filter(what="complaints").order_by("id")
    assert [(x.user.username, x.file_format, x.rows) for x in log] == [
        ("general_manager", "xlsx", 3),
        ("account_manager", "xlsx", 2),
        ("account_manager", "xlsx", 1),
        ("general_manager", "xlsx", 1),
        ("account_manager", "csv", 1),
    ]
    assert log[2].filters == {"state": "open", "channel": "phone"}


def test_the_complaint_page_links_the_export_with_its_filters(
    login: Callable[[str], Client], complaints: dict[str, Any]
) -> None:
    html = login("general_manager").get(reverse("complaint_list") + "?state=open&page=1").content.decode()
    assert reverse("complaints_export") + "?format=xlsx&amp;state=open" in html
    assert reverse("complaints_export") + "?format=csv&amp;state=open" in html
