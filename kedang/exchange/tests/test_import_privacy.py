"""#13, R-Q3 on R-I1: an import says of an archive the importer may not see only "已有档案，可申请查阅" —
no name, archive number or owner — in the dry run, the error workbook, the API and the page."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from conftest import PASSWORD
from kedang.accounts.models import User
from kedang.accounts.services import token_issue, user_upsert
from kedang.customers.models import Customer
from kedang.exchange import services

from .conftest import IDS, USCCS, VINS, Importer

pytestmark = pytest.mark.django_db

HEADERS = ["客户名称", "手机", "身份证号", "统一社会信用代码", "车架号"]
NAME, OWNER = "隐秘客户乙", "钱经理乙"


@pytest.fixture
def hidden(
    users: dict[str, User], make_customer: Callable[..., Any], make_vehicle: Callable[..., Any]
) -> Customer:
    """A customer of another account manager, with an ID number and a vehicle."""
    owner, _ = user_upsert(
        username="qian", role="account_manager", password="x", display_name=OWNER, check_password=False
    )
    c = make_customer(owner=owner, name=NAME, id_number=IDS[20])
    make_vehicle(c, actor=owner, vin=VINS[20])
    return c


def _leaks(text: str, c: Customer) -> list[str]:
    return [v for v in (NAME, c.archive_no, OWNER, "qian") if v in text]


def _rows(hidden: Customer, mine: Customer) -> list[list[Any]]:
    return [
        [NAME, "", IDS[20], "", ""],  # the hidden customer's ID number
        ["我的单位", "", "", USCCS[0], VINS[20]],  # my company, the hidden customer's vehicle
        ["张冲突", "", IDS[20], mine.uscc, ""],  # two keys, two archives: mine and the hidden one
    ]


@pytest.fixture
def mine(users: dict[str, User], make_customer: Callable[..., Any]) -> Customer:
    return make_customer(owner=users["account_manager"], name="我的单位", kind="company", uscc=USCCS[0])


def test_dry_run_and_error_workbook_say_only_that_an_archive_exists(
    hidden: Customer, mine: Customer, write_xlsx: Callable[..., Path], run_import: Importer
) -> None:
    job = run_import(write_xlsx(HEADERS, _rows(hidden, mine)), who="account_manager", dry_run=True)
    messages = {r["row"]: r["message"] for r in services.rejected_list(job, dry_run=True)}
    assert set(messages) == {2, 3, 4}
    assert all("已有档案，可申请查阅" in m for m in messages.values()), messages
    assert mine.archive_no in messages[4]  # the archive she sees is named
    assert _leaks(str(messages), hidden) == []
    out = io.BytesIO()
    services.error_workbook(job, dry_run=True, out=out)
    ws = load_workbook(io.BytesIO(out.getvalue())).active
    assert ws is not None
    reasons = [row[-1] for row in ws.iter_rows(min_row=2, values_only=True)]
    assert len(reasons) == 3 and _leaks(str(reasons), hidden) == []


def test_the_import_page_says_the_same(
    hidden: Customer,
    mine: Customer,
    write_xlsx: Callable[..., Path],
    run_import: Importer,
    login: Callable[..., Client],
) -> None:
    job = run_import(write_xlsx(HEADERS, _rows(hidden, mine)), who="account_manager", dry_run=True)
    page = login("account_manager").get(reverse("import_job", args=[job.pk])).content.decode()
    assert "已有档案，可申请查阅" in page
    assert [v for v in (hidden.archive_no, OWNER, "qian") if v in page] == []


def test_the_api_says_the_same(
    hidden: Customer, mine: Customer, write_xlsx: Callable[..., Path], client: Client, users: dict[str, User]
) -> None:
    path = write_xlsx(HEADERS, _rows(hidden, mine))
    token = token_issue(username="account_manager", password=PASSWORD)
    r = client.post(
        "/api/v1/imports",
        data={
            "file": SimpleUploadedFile(path.name, path.read_bytes()),
            "kind": "customers",
            "dry_run": "true",
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200 and len(r.json()["rejected"]) == 3
    text = json.dumps(r.json(), ensure_ascii=False)
    assert "已有档案，可申请查阅" in text and _leaks(text, hidden) == []
