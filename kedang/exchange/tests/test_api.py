"""POST /api/v1/imports (SPEC §14): multipart file, kind=customers → {imported, updated, rejected}."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import PASSWORD
from kedang.accounts.models import User
from kedang.accounts.services import token_issue
from kedang.customers.models import Customer

from .conftest import IDS, VINS

pytestmark = pytest.mark.django_db

HEADERS = ["姓名", "手机", "身份证号", "车架号", "车牌号", "提车日期"]
ROWS = [
    ["张三", "13800000001", IDS[0], VINS[0], "京A10001", dt.date(2025, 5, 1)],
    ["李四", "1380000", "", "", "", None],
]


@pytest.fixture
def post(client: Client, users: dict[str, User]) -> Callable[..., Any]:
    def call(who: str | None, path: Path | None, **data: Any) -> Any:
        headers = {}
        if who:
            token = token_issue(username=users[who].username, password=PASSWORD)
            headers["Authorization"] = f"Bearer {token}"
        if path is not None:
            data["file"] = SimpleUploadedFile(path.name, path.read_bytes())
        return client.post("/api/v1/imports", data=data, headers=headers)

    return call


def test_import_answers_counts_and_each_rejected_row(
    post: Callable[..., Any], write_xlsx: Callable[..., Path]
) -> None:
    path = write_xlsx(HEADERS, ROWS)
    r = post("cs_manager", path, kind="customers")
    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["imported"], body["updated"]) == (1, 0)
    assert body["rejected"] == [
        {
            "row": 3,
            "field": "phone",
            "column": "手机",
            "code": "phone_format",
            "message": body["rejected"][0]["message"],
        }
    ]
    assert "电话号码格式不正确" in body["rejected"][0]["message"]
    again = post("cs_manager", path, kind="customers").json()
    assert (again["imported"], again["updated"], len(again["rejected"])) == (0, 1, 1)
    assert Customer.objects.count() == 1


def test_dry_run_writes_nothing(post: Callable[..., Any], write_xlsx: Callable[..., Path]) -> None:
    body = post("cs_manager", write_xlsx(HEADERS, ROWS), kind="customers", dry_run="true").json()
    assert (body["dry_run"], body["imported"], len(body["rejected"])) == (True, 1, 1)
    assert not Customer.objects.exists()


def test_bad_files_and_callers(
    post: Callable[..., Any], tmp_path: Path, write_xlsx: Callable[..., Path]
) -> None:
    png = tmp_path / "客户.xlsx"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x01" * 100)
    r = post("cs_manager", png, kind="customers")
    assert r.status_code == 422
    assert r.json()["errors"]["file"][0]["code"] == "file_type"
    assert post("cs_manager", write_xlsx(HEADERS, ROWS), kind="vehicles").status_code == 422
    assert post(None, write_xlsx(HEADERS, ROWS), kind="customers").status_code == 401
    assert post("auditor", write_xlsx(HEADERS, ROWS), kind="customers").status_code == 403
    assert post("cs_manager", None, kind="customers").status_code == 422
