"""R-I2: the follow-up task list exports with the page's filters, the user's visibility, phones masked,
formula payloads neutralised and numbers kept as numbers; the export is logged."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from kedang.accounts.models import User
from kedang.agenda.models import Task
from kedang.agenda.services import event_record
from kedang.exchange.models import ExportLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def tasks(
    users: dict[str, User], make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]
) -> None:
    mine = make_customer(name='=HYPERLINK("http://x")', phone="13912345678")
    theirs = make_customer(owner=users["am2"], name="外部门客户", phone="13987654321")
    day = dt.date(2025, 9, 22)
    for c in (mine, theirs):
        vh = make_vehicle(c, plate="京A12345" if c is mine else "京B54321")
        event_record(
            actor=users["cs_agent"], customer_id=c.pk, kind="repair", date=day, vehicle_id=vh.pk, today=day
        )


def _xlsx(client: Client, query: str) -> list[list[Any]]:
    r = client.get(reverse("tasks_export") + query)
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    return [list(row) for row in ws.iter_rows(values_only=True)]


def test_task_export_keeps_filters_visibility_and_masking(
    login: Callable[[str], Client], users: dict[str, User], tasks: None
) -> None:
    everyone = _xlsx(login("general_manager"), "?status=&format=xlsx")
    assert everyone[0][:4] == ["规则", "回访项目", "档号", "客户"]
    names = {r[3] for r in everyone[1:]}
    assert names == {'\'=HYPERLINK("http://x")', "外部门客户"}  # neutralised, not a formula
    assert all(isinstance(r[10], int) for r in everyone[1:])  # attempts stay numbers
    assert "139****5678" in {r[4] for r in everyone[1:]} and "13912345678" not in str(everyone)

    one_rule = _xlsx(login("general_manager"), "?status=&rule=3DC&due_to=2025-09-24&format=xlsx")
    assert one_rule == everyone[:1]  # the 3DC calls are due on the 25th

    # both assigned to her, but only one customer is hers to see
    Task.objects.update(assignee=users["account_manager"])
    department = _xlsx(login("account_manager"), "?status=&format=xlsx")
    assert {r[3] for r in department[1:]} == {'\'=HYPERLINK("http://x")'}

    r = login("general_manager").get(reverse("tasks_export") + "?status=&format=csv")
    text = r.content.decode("utf-8")
    assert text.startswith("\ufeff规则,")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == len(everyone)
    log = ExportLog.objects.filter(what="tasks").order_by("id")
    assert [(x.file_format, x.rows) for x in log] == [
        ("xlsx", len(everyone) - 1),
        ("xlsx", len(one_rule) - 1),
        ("xlsx", len(department) - 1),
        ("csv", len(everyone) - 1),
    ]
    assert log[1].filters == {"rule": "3DC", "due_to": "2025-09-24"}


def test_the_task_page_links_the_export_with_its_filters(login: Callable[[str], Client], tasks: None) -> None:
    html = login("general_manager").get(reverse("task_list") + "?rule=3DC").content.decode()
    assert reverse("tasks_export") + "?rule=3DC&amp;status=open&amp;format=xlsx" in html


def test_the_follow_up_report_export_is_logged(
    login: Callable[[str], Client], users: dict[str, User]
) -> None:
    r = login("cs_manager").get(reverse("followup_reports_export") + "?kind=weekly_3dc&day=2026-03-04")
    assert r.status_code == 200
    log = ExportLog.objects.get()
    assert (log.user, log.what, log.file_format) == (users["cs_manager"], "followup_report", "xlsx")
    assert log.filters == {"kind": "weekly_3dc", "day": "2026-03-04"}
