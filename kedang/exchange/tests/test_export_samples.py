"""R-I2: the level-2/3 follow-up sample exports for the page's period, with the lines the user may see,
phones as her role sees them, formula payloads neutralised and amounts kept as numbers; logged."""

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
from kedang.agenda.services import event_record
from kedang.exchange.models import ExportLog
from kedang.followups.samples import sample_draw

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 2, 10)


@pytest.fixture
def sample(users: dict[str, User], make_customer: Callable[..., Any], settings: Any) -> None:
    settings.KEDANG_LEVEL3_BIG_TICKET = "20000.00"
    mine = make_customer(name="=1+1", phone="13912345678")
    theirs = make_customer(owner=users["am2"], name="外部门客户", phone="13987654321")
    for c, amount in ((mine, "20000.01"), (theirs, "30000.00")):
        event_record(
            actor=users["cs_manager"], customer_id=c.pk, kind="repair", date=DAY, amount=amount, today=DAY
        )
    sample_draw(actor=users["general_manager"], level=3, day=DAY)


def _xlsx(client: Client, query: str) -> list[list[Any]]:
    r = client.get(reverse("followup_samples_export") + query)
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    return [list(row) for row in ws.iter_rows(values_only=True)]


def test_sample_export_keeps_period_visibility_and_masking(
    login: Callable[[str], Client], users: dict[str, User], sample: None
) -> None:
    everyone = _xlsx(login("general_manager"), "?level=3&day=2026-03-31&format=xlsx")
    assert everyone[0][:3] == ["入选原因", "档号", "客户"]
    assert {r[2] for r in everyone[1:]} == {"'=1+1", "外部门客户"}  # neutralised, not a formula
    assert {r[4] for r in everyone[1:]} == {"13912345678", "13987654321"}  # the manager sees phones
    assert {r[12] for r in everyone[1:]} == {20000.01, 30000}  # amounts stay numbers
    assert all(isinstance(r[12], int | float) for r in everyone[1:])

    own = _xlsx(login("account_manager"), "?level=3&day=2026-02-01")
    assert [r[2] for r in own[1:]] == ["'=1+1"] and "外部门客户" not in str(own)

    masked = _xlsx(login("finance"), "?level=3&day=2026-02-01")
    assert {r[4] for r in masked[1:]} == {"139****5678", "139****4321"}

    assert len(_xlsx(login("general_manager"), "?level=2&day=2026-02-10")) == 1  # no level-2 sample
    assert len(_xlsx(login("general_manager"), "?level=3&day=2026-04-01")) == 1  # another quarter

    r = login("account_manager").get(
        reverse("followup_samples_export") + "?level=3&day=2026-02-10&format=csv"
    )
    assert r["Content-Type"].startswith("text/csv") and r.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert rows[0][0] == "入选原因"
    assert [(x[2], x[12]) for x in rows[1:]] == [("'=1+1", "20000.01")]

    log = ExportLog.objects.filter(what="followup_samples").order_by("id")
    assert [(x.user.username, x.file_format, x.rows) for x in log] == [
        ("general_manager", "xlsx", 2),
        ("account_manager", "xlsx", 1),
        ("finance", "xlsx", 2),
        ("general_manager", "xlsx", 0),
        ("general_manager", "xlsx", 0),
        ("account_manager", "csv", 1),
    ]
    assert log[0].filters == {"level": "3", "period": "2026-01-01"}


def test_the_samples_page_links_the_export_for_its_period(
    login: Callable[[str], Client], sample: None
) -> None:
    html = login("cs_manager").get(reverse("followup_samples") + "?level=3&day=2026-02-10").content.decode()
    assert reverse("followup_samples_export") + "?format=xlsx&amp;level=3&amp;day=2026-02-10" in html
    assert reverse("followup_samples_export") + "?format=csv&amp;level=3&amp;day=2026-02-10" in html
