"""R-I2: the governance overview's lists export — the access requests awaiting the approver or the user's
own, and the recycle bin within the manager's scope; formula payloads neutralised, numbers stay numbers;
every export logged."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from kedang.accounts.models import RoleSetting, User
from kedang.accounts.roles import Role, Scope
from kedang.customers import services as customers
from kedang.exchange.models import ExportLog
from kedang.governance.services import access_request_create

pytestmark = pytest.mark.django_db


def _rows(client: Client, name: str, query: str) -> list[list[Any]]:
    r = client.get(reverse(name) + query)
    assert r.status_code == 200
    if "format=csv" in query:
        assert r["Content-Type"].startswith("text/csv") and r.content.startswith(b"\xef\xbb\xbf")
        return list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    return [list(row) for row in ws.iter_rows(values_only=True)]


def test_access_request_exports(
    login: Callable[[str], Client], users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    mine = make_customer(name="本部门客户")
    theirs = make_customer(owner=users["am2"], name="外部门客户")
    access_request_create(actor=users["account_manager"], customer_id=theirs.pk, reason="=1+1", days=7)
    access_request_create(actor=users["am2"], customer_id=mine.pk, reason="客户来电", days=3)

    own = _rows(login("account_manager"), "access_requests_export", "?list=mine&format=xlsx")
    assert own[0][:4] == ["申请人", "部门", "档号", "客户"]
    # days stay a number; the customer asked for stays unnamed until granted (#13): what she asked for
    assert [(r[3], r[5], r[6], r[13]) for r in own[1:]] == [(None, "'=1+1", 7, f"客户编号 {theirs.pk}")]
    assert "外部门客户" not in str(own)
    assert "客户来电" not in str(own)  # not another user's request

    queue = _rows(login("sales_manager"), "access_requests_export", "?list=pending")
    assert {r[3] for r in queue[1:]} == {"外部门客户", "本部门客户"}
    assert all(isinstance(r[6], int) for r in queue[1:])
    assert _rows(login("cs_agent"), "access_requests_export", "?list=pending") == queue[:1]  # no approver

    csv_rows = _rows(login("account_manager"), "access_requests_export", "?format=csv")  # mine by default
    assert csv_rows[0][0] == "申请人" and [(r[5], r[6]) for r in csv_rows[1:]] == [("'=1+1", "7")]

    log = ExportLog.objects.filter(what="access_requests").order_by("id")
    assert [(x.user.username, x.file_format, x.rows, x.filters) for x in log] == [
        ("account_manager", "xlsx", 1, {"list": "mine"}),
        ("sales_manager", "xlsx", 2, {"list": "pending"}),
        ("cs_agent", "xlsx", 0, {"list": "pending"}),
        ("account_manager", "csv", 1, {"list": "mine"}),
    ]


def test_recycle_bin_export_keeps_the_managers_scope(
    login: Callable[[str], Client], users: dict[str, User], make_customer: Callable[..., Any]
) -> None:
    mine = make_customer(name="本部门客户")
    theirs = make_customer(owner=users["am2"], name="外部门客户")
    gm = users["general_manager"]
    customers.customer_delete(actor=gm, customer_id=mine.pk, reason="=1+1")
    customers.customer_delete(actor=gm, customer_id=theirs.pk, reason="重复建档")
    RoleSetting.objects.filter(group__name=Role.SALES_MANAGER).update(scope=Scope.DEPARTMENT)

    everything = _rows(login("general_manager"), "recycle_bin_export", "?format=xlsx")
    assert everything[0] == ["类型", "名称", "删除原因", "删除人", "删除时间", "彻底删除时间"]
    assert {r[2] for r in everything[1:]} == {"'=1+1", "重复建档"}  # neutralised, not a formula

    department = _rows(login("sales_manager"), "recycle_bin_export", "?format=csv")
    assert [r[2] for r in department[1:]] == ["'=1+1"] and "外部门客户" not in str(department)
    assert _rows(login("account_manager"), "recycle_bin_export", "") == everything[:1]  # not a manager

    log = ExportLog.objects.filter(what="recycle_bin").order_by("id")
    assert [(x.user.username, x.file_format, x.rows) for x in log] == [
        ("general_manager", "xlsx", 2),
        ("sales_manager", "csv", 1),
        ("account_manager", "xlsx", 0),
    ]


def test_the_overview_links_its_exports(login: Callable[[str], Client]) -> None:
    html = login("sales_manager").get(reverse("governance")).content.decode()
    for href in [
        reverse("access_requests_export") + "?format=xlsx&amp;list=pending",
        reverse("access_requests_export") + "?format=csv&amp;list=mine",
        reverse("recycle_bin_export") + "?format=xlsx",
    ]:
        assert href in html
