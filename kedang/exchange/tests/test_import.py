"""R-I1: importing customers and vehicles from a spreadsheet — good rows in, every bad row reported with
its row number, column and reason, re-runs idempotent, everything written through the services."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from openpyxl import load_workbook

from kedang.accounts.models import User
from kedang.customers.models import Customer, Record, Vehicle
from kedang.exchange import services
from kedang.exchange.mapping import ERROR_COLUMN
from kedang.exchange.models import ImportStatus
from kedang.search.models import SearchKey

from .conftest import IDS, USCCS, VINS, Importer, reasons

pytestmark = pytest.mark.django_db

HEADERS = [
    "客户名称",
    "手机",
    "身份证号",
    "统一社会信用代码",
    "客户类型",
    "等级",
    "客户经理",
    "车架号",
    "车牌号",
    "车型",
    "提车日期",
]


def row(
    name: str = "",
    phone: str = "",
    idn: Any = "",
    uscc: str = "",
    kind: str = "",
    tier: str = "",
    owner: str = "",
    vin: str = "",
    plate: str = "",
    model: str = "",
    delivery: Any = None,
) -> list[Any]:
    return [name, phone, idn, uscc, kind, tier, owner, vin, plate, model, delivery]


GOOD = [
    row(
        "张三",
        "13800000001",
        IDS[0],
        tier="A",
        owner="account_manager",
        vin=VINS[0],
        plate="京A10001",
        model="大众帕萨特",
        delivery=dt.date(2025, 5, 1),
    ),
    row(
        "张三",
        "13800000001",
        IDS[0],
        owner="account_manager",
        vin=VINS[1],
        plate="京A10002",
        model="大众途观L",
        delivery="2025/6/8",
    ),
    row(
        "北京华信科技有限公司",
        "010-62345678",
        uscc=USCCS[0],
        kind="单位",
        tier="VIP",
        vin=VINS[2],
        plate="京B20003",
    ),
]


def test_good_rows_create_customers_and_vehicles_through_the_services(
    write_xlsx: Callable[..., Path], run_import: Importer, users: dict[str, User]
) -> None:
    job = run_import(write_xlsx(HEADERS, GOOD))
    assert job.status == ImportStatus.DONE
    assert (job.created, job.updated, job.rejected) == (2, 1, 0)
    zhang = Customer.objects.get(id_number=IDS[0])
    assert zhang.owner == users["account_manager"] and zhang.tier == "A" and zhang.archive_no
    assert sorted(zhang.vehicles.values_list("plate", "delivery_date")) == [
        ("京A10001", dt.date(2025, 5, 1)),
        ("京A10002", dt.date(2025, 6, 8)),
    ]
    company = Customer.objects.get(uscc=USCCS[0])
    assert company.kind == "company" and company.phone == "01062345678" and company.owner == users["admin"]
    # the services ran: history, timeline and search index
    assert zhang.history.count() == 1 and zhang.history.first().history_user == users["admin"]
    assert Record.objects.filter(customer=zhang, title__startswith="登记车辆").count() == 2
    assert SearchKey.objects.filter(customer_id=zhang.pk, kind="plate", key="京A10002").exists()


def test_rerun_is_idempotent_and_a_changed_cell_updates(
    write_xlsx: Callable[..., Path], run_import: Importer
) -> None:
    path = write_xlsx(HEADERS, GOOD)
    run_import(path)
    counts = (
        Customer.objects.count(),
        Vehicle.objects.count(),
        Record.objects.count(),
        SearchKey.objects.count(),
    )

    again = run_import(path)
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 3, 3, 0)
    assert (
        Customer.objects.count(),
        Vehicle.objects.count(),
        Record.objects.count(),
        SearchKey.objects.count(),
    ) == counts

    changed = [list(r) for r in GOOD]
    changed[2][5] = "A"  # the company's tier
    changed[1][8] = "京A10009"  # the second car got a new plate
    third = run_import(write_xlsx(HEADERS, changed, name="改.xlsx"))
    assert (third.created, third.updated, third.unchanged, third.rejected) == (0, 3, 1, 0)
    company = Customer.objects.get(uscc=USCCS[0])
    assert company.tier == "A"
    assert company.history.first().history_change_reason == "导入：改.xlsx"
    assert Vehicle.objects.get(vin=VINS[1]).plate == "京A10009"
    assert Customer.objects.count() == counts[0]


BAD = [
    (row("李四", "1380000"), [("phone", "手机", "phone_format")]),
    (
        row("王五", "13800000006", IDS[1][:-1] + ("0" if IDS[1][-1] != "0" else "1")),
        [("id_number", "身份证号", "id_number_checksum")],
    ),
    (
        row("赵六", "13800000007", vin=VINS[3][:8] + ("0" if VINS[3][8] != "0" else "1") + VINS[3][9:]),
        [("vin", "车架号", "vin_checksum")],
    ),
    (row("钱七", "13800000008", vin=VINS[4], plate="A12345"), [("plate", "车牌号", "plate_format")]),
    (
        row("孙八", "13800000009", vin=VINS[5], delivery="2026-02-30"),
        [("delivery_date", "提车日期", "invalid_date")],
    ),
    (row("周九", "13800000010", kind="外星人"), [("kind", "客户类型", "invalid_choice")]),
    (row("吴十", "13800000011", tier="S"), [("tier", "等级", "invalid_choice")]),
    (row("郑十一", "13800000012", owner="nobody"), [("owner", "客户经理", "unknown_user")]),
    (row("", "13800000013"), [("name", "客户名称", "required")]),
    (row("冯十二"), [("phone", "手机", "no_key")]),
    (row("陈十三", "13800000015", IDS[2], kind="单位"), [("id_number", "身份证号", "kind_mismatch")]),
    (row("张三", "13800000001", IDS[0], vin=VINS[2]), [("vin", "车架号", "duplicate")]),
    (row("卫十五", "13800000017", float(IDS[4])), [("id_number", "身份证号", "number_cell")]),
    (
        row("韩十八", "12345", vin=VINS[6], plate="X"),
        [("phone", "手机", "phone_format"), ("plate", "车牌号", "plate_format")],
    ),
    (row("沈十七", "13800000020", vin=VINS[7], plate="沪C30001", delivery="2024年12月31日"), []),
]


def test_every_bad_row_is_reported_with_row_column_and_reason(
    write_xlsx: Callable[..., Path], run_import: Importer
) -> None:
    rows = [*GOOD, [None] * len(HEADERS), *[r for r, _ in BAD]]
    job = run_import(write_xlsx(HEADERS, rows))
    expected = {
        i + 6: errs for i, (_, errs) in enumerate(BAD) if errs
    }  # header row 1, 3 good rows, 1 blank row
    assert {n: sorted(got) for n, got in reasons(job).items()} == {n: sorted(e) for n, e in expected.items()}
    assert (job.created, job.updated, job.rejected, job.skipped) == (3, 1, len(expected), 1)
    # the good rows are all in, nothing of the bad ones
    assert set(Customer.objects.values_list("name", flat=True)) == {"张三", "北京华信科技有限公司", "沈十七"}
    assert Vehicle.objects.get(vin=VINS[7]).delivery_date == dt.date(2024, 12, 31)
    assert not Vehicle.objects.filter(vin__in=[VINS[4], VINS[5], VINS[6]]).exists()
    messages = {m["row"]: m["message"] for m in services.rejected_list(job, dry_run=False)}
    assert "校验码" in messages[7] and "15 位以后" in messages[18] and "已登记在其他客户名下" in messages[17]


def test_error_workbook_marks_the_reasons_and_imports_once_fixed(
    write_xlsx: Callable[..., Path], run_import: Importer, tmp_path: Path
) -> None:
    bad = [row("李四", "1380000"), row("钱七", "13800000008", vin=VINS[4], plate="A12345")]
    job = run_import(write_xlsx(HEADERS, [*GOOD, *bad]))
    assert job.rejected == 2
    out = io.BytesIO()
    assert services.error_workbook(job, dry_run=False, out=out) == 2
    ws = load_workbook(io.BytesIO(out.getvalue())).active
    assert ws is not None
    lines = [list(r) for r in ws.iter_rows(values_only=True)]
    assert lines[0] == [*HEADERS, ERROR_COLUMN]
    assert lines[1][0] == "李四" and "第5行 手机：电话号码格式不正确" in lines[1][-1]
    assert ws.cell(row=2, column=2).fill.fgColor.rgb.endswith("FFC7CE")  # the bad cell is red
    # fix the two cells and import the error workbook itself
    ws.cell(row=2, column=2, value="13800000005")
    ws.cell(row=3, column=9, value="京C12345")
    fixed = tmp_path / "改正.xlsx"
    ws.parent.save(fixed)
    again = run_import(fixed)
    assert (again.created, again.rejected) == (2, 0)
    assert Vehicle.objects.get(vin=VINS[4]).plate == "京C12345"


def test_dry_run_counts_without_writing(write_xlsx: Callable[..., Path], run_import: Importer) -> None:
    rows = [*GOOD, row("李四", "1380000"), row("张三", "13800000001", IDS[0], vin=VINS[8])]
    job = run_import(write_xlsx(HEADERS, rows), dry_run=True, batch_size=2)
    assert job.status == ImportStatus.CHECKED
    # the second 张三 row comes in a later batch than the first: counted as an update all the same
    assert job.dry_report == {"created": 2, "updated": 2, "unchanged": 0, "rejected": 1, "rows": 5}
    assert list(reasons(job)) == [5]
    assert not Customer.objects.exists() and not Vehicle.objects.exists()


def test_account_manager_cannot_reach_another_managers_customer(
    write_xlsx: Callable[..., Path], run_import: Importer, users: dict[str, User], make_customer: Any
) -> None:
    theirs = make_customer(owner=users["am2"], name="张三", id_number=IDS[0])
    job = run_import(write_xlsx(HEADERS, [row("张三", "13800000001", IDS[0])]), who="account_manager")
    assert reasons(job) == {2: [("id_number", "身份证号", "not_visible")]}
    assert Customer.objects.filter(id_number=IDS[0]).count() == 1
    theirs.refresh_from_db()
    assert theirs.phone == "13912340001"


def test_read_only_role_cannot_import(write_xlsx: Callable[..., Path], run_import: Importer) -> None:
    with pytest.raises(PermissionDenied):
        run_import(write_xlsx(HEADERS, GOOD), who="auditor")


def test_family_sharing_a_phone_are_two_customers(
    write_xlsx: Callable[..., Path], run_import: Importer
) -> None:
    rows = [row("张三", "13800000001"), row("李梅", "13800000001")]
    job = run_import(write_xlsx(HEADERS, rows))
    assert (job.created, job.updated) == (2, 0)
    again = run_import(write_xlsx(HEADERS, rows, name="again.xlsx"))
    assert (again.created, again.updated, again.unchanged) == (0, 2, 2)


def test_a_filed_archive_is_proposed_for_approval_not_changed(
    write_xlsx: Callable[..., Path], run_import: Importer, users: dict[str, User], make_customer: Any
) -> None:
    from django.utils import timezone

    filed = make_customer(owner=users["cs_manager"], name="张三", id_number=IDS[0], tier="B")
    Customer.objects.filter(pk=filed.pk).update(filed_at=timezone.now())
    job = run_import(write_xlsx(HEADERS, [row("张三", "13800000001", IDS[0], tier="A")]), who="cs_manager")
    assert reasons(job) == {2: [("__all__", "", "approval_pending")]}
    filed.refresh_from_db()
    assert filed.tier == "B"
    from kedang.governance.models import ChangeRequest

    assert ChangeRequest.objects.filter(customer=filed).count() == 1
