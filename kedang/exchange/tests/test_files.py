"""What a file really is: CSV encodings, title rows, real LibreOffice files — and files that are refused
(renamed binaries, zip bombs, a million empty rows) with a clear message and bounded memory."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import tracemalloc
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from kedang.accounts.models import User
from kedang.agenda.models import EventSource, ServiceEvent
from kedang.customers.models import Customer, Vehicle
from kedang.exchange import samples, services

from .conftest import IDS, VINS, Importer, reasons

pytestmark = pytest.mark.django_db

HEADERS = ["客户名称", "手机", "身份证号", "车架号", "车牌号", "提车日期"]
ROWS = [
    ["张三", "13800000001", IDS[0], VINS[0], "京A10001", "2025-05-01"],
    ["李梅", "13800000002", IDS[1], VINS[1], "粤BD12345", "2025/6/8"],
    ["王建国", "138 0000 0003", IDS[2].lower(), VINS[2].lower(), "沪C·30001", "2025年7月9日"],
]


def _check_imported(job: Any) -> None:
    assert (job.created, job.rejected) == (3, 0), reasons(job)
    assert Customer.objects.get(id_number=IDS[2]).phone == "13800000003"
    assert Vehicle.objects.get(vin=VINS[2]).plate == "沪C30001"
    assert list(Vehicle.objects.order_by("delivery_date").values_list("delivery_date", flat=True)) == [
        dt.date(2025, 5, 1),
        dt.date(2025, 6, 8),
        dt.date(2025, 7, 9),
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_every_chinese_encoding(
    write_csv: Callable[..., Path], run_import: Importer, encoding: str
) -> None:
    job = run_import(write_csv(HEADERS, ROWS, encoding=encoding))
    assert job.encoding == {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig"}.get(encoding, "gb18030")
    _check_imported(job)


def test_semicolon_csv_and_xlsx_named_csv(tmp_path: Path, run_import: Importer) -> None:
    path = tmp_path / "a.csv"
    path.write_text("\n".join(";".join(r) for r in [HEADERS, *ROWS]), encoding="gbk")
    _check_imported(run_import(path))


def test_xlsx_with_a_title_row_above_the_headers(tmp_path: Path, run_import: Importer) -> None:
    path = samples.write_xlsx(tmp_path / "t.xlsx", [[], *[[*r] for r in ROWS]], ["2025年客户档案（销售部）"])
    # put the headers on row 3 under a title and an empty row
    from openpyxl import load_workbook

    wb = load_workbook(path)
    ws = wb.active
    assert ws is not None
    ws.insert_rows(3)
    for i, h in enumerate(HEADERS, start=1):
        ws.cell(row=3, column=i, value=h)
    wb.save(path)
    job = run_import(path)
    assert job.header_row == 3 and job.total_rows == 3
    _check_imported(job)


def test_a_file_renamed_to_xlsx_as_is_the_content_that_decides(tmp_path: Path, run_import: Importer) -> None:
    real = samples.write_xlsx(tmp_path / "real.xlsx", ROWS, HEADERS)
    renamed = tmp_path / "客户.csv"
    real.rename(renamed)
    _check_imported(run_import(renamed))


def _refused(path: Path, actor: User) -> ValidationError:
    with pytest.raises(ValidationError) as exc:
        services.import_job_create(actor=actor, path=path, original_name=path.name)
    assert "file" in exc.value.message_dict
    return exc.value


@pytest.mark.parametrize(
    ("content", "code", "words"),
    [
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40, "file_type", "PNG 图片"),
        (b"MZ\x90\x00" + bytes(range(256)) * 40, "file_type", "Windows 程序"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1000, "xls", "另存为"),
        (bytes(range(256)) * 40, "file_type", "二进制"),
        (b"", "file_empty", "空"),
        ("客户名称,手机\n".encode() + b"\xff\xfe\xfa" * 10, "encoding", "编码"),
        (b"PK\x03\x04" + b"\x00" * 100, "file_corrupt", "损坏"),
    ],
)
def test_renamed_binaries_are_refused(
    tmp_path: Path, users: dict[str, User], content: bytes, code: str, words: str
) -> None:
    path = tmp_path / "客户.xlsx"
    path.write_bytes(content)
    exc = _refused(path, users["admin"])
    assert exc.error_dict["file"][0].code == code
    assert words in exc.messages[0]


def test_a_zip_that_is_not_a_workbook_is_refused(tmp_path: Path, users: dict[str, User]) -> None:
    path = tmp_path / "a.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "hello")
    assert "不是 Excel" in _refused(path, users["admin"]).messages[0]


def test_zip_bomb_is_refused_before_it_is_inflated(tmp_path: Path, users: dict[str, User]) -> None:
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\x00" * (40 * 1024 * 1024))
    assert path.stat().st_size < 200_000
    exc = _refused(path, users["admin"])
    assert exc.error_dict["file"][0].code == "zip_bomb" and "压缩炸弹" in exc.messages[0]


def _peak_mb(fn: Callable[[], Any]) -> float:
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak / 1024 / 1024


def test_a_million_empty_csv_rows_are_refused_with_bounded_memory(
    tmp_path: Path, users: dict[str, User]
) -> None:
    path = tmp_path / "empty.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("客户名称,手机\n张三,13800000001\n")
        fh.write(",\n" * 1_000_000)
    peak = _peak_mb(lambda: _refused(path, users["admin"]))
    assert peak < 20


def test_a_million_empty_xlsx_rows_are_refused_with_bounded_memory(
    tmp_path: Path, users: dict[str, User]
) -> None:
    base = samples.write_xlsx(tmp_path / "base.xlsx", [["张三", "13800000001"]], ["客户名称", "手机"])
    path = tmp_path / "empty.xlsx"
    with zipfile.ZipFile(base) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                head, tail = data.split(b"</sheetData>")
                rows = b"".join(b'<row r="%d"/>' % i for i in range(3, 1_000_003))
                data = head + rows + b"</sheetData>" + tail
            dst.writestr(item, data)
    exc_holder: list[ValidationError] = []
    peak = _peak_mb(lambda: exc_holder.append(_refused(path, users["admin"])))
    assert exc_holder[0].error_dict["file"][0].code == "too_many_rows"
    assert "空行" in exc_holder[0].messages[0]
    assert peak < 60


def test_service_events_are_recorded_through_the_agenda_once(
    write_xlsx: Callable[..., Path], run_import: Importer, users: dict[str, User]
) -> None:
    headers = ["客户名称", "手机", "车架号", "车牌号", "服务类型", "服务日期", "金额", "事故车", "服务内容"]
    rows = [
        ["张三", "13800000001", VINS[0], "京A10001", "维修", "2025-08-01", "1,280.50", "是", "更换前保险杠"],
        ["张三", "13800000001", VINS[0], "京A10001", "保养", "2025/9/1", "", "", "常规保养"],
        ["李梅", "13800000002", "", "", "咨询", "2025年9月2日", "", "", "咨询保险"],
        ["王五", "13800000003", "", "", "维修", "", "", "", ""],
    ]
    path = write_xlsx(headers, rows)
    job = run_import(path)
    assert reasons(job) == {5: [("date", "服务日期", "required")]}
    events = ServiceEvent.objects.order_by("date")
    assert [(e.kind, e.date, e.amount, e.accident, e.source) for e in events] == [
        ("repair", dt.date(2025, 8, 1), Decimal("1280.50"), True, EventSource.IMPORT),
        ("maintenance", dt.date(2025, 9, 1), None, False, EventSource.IMPORT),
        ("service", dt.date(2025, 9, 2), None, False, EventSource.IMPORT),
    ]
    assert events[0].vehicle is not None and events[0].vehicle.vin == VINS[0]
    again = run_import(path)
    assert ServiceEvent.objects.count() == 3 and again.created == 0


SOFFICE = shutil.which("soffice") or ""


@pytest.mark.skipif(not SOFFICE, reason="LibreOffice not installed (apt-get install libreoffice-calc-nogui)")
@pytest.mark.parametrize(
    ("target", "name"),
    [("xlsx", "customers.xlsx"), ("csv:Text - txt - csv (StarCalc):44,34,61", "customers.csv")],
    ids=["xlsx", "gbk-csv"],
)
def test_files_made_by_libreoffice_import(
    tmp_path: Path, run_import: Importer, users: dict[str, User], target: str, name: str
) -> None:
    """LibreOffice converts a UTF-8 CSV (identifier columns typed as text, as a careful user does) into
    an .xlsx and into a GBK CSV; both import exactly as the rows say."""
    rows = list(samples.sample_rows(12, seed=3, owners=["account_manager"]))
    source = samples.write_csv(tmp_path / "customers.csv", rows, encoding="utf-8")
    text_columns = "/".join(
        f"{i}/{2 if i not in (12, 13) else 5}" for i in range(1, len(samples.HEADERS) + 1)
    )
    out = tmp_path / "out"
    subprocess.run(
        [
            SOFFICE,
            "--headless",
            "--norestore",
            f"-env:UserInstallation=file://{tmp_path}/lo-profile",
            f"--infilter=CSV:44,34,76,1,{text_columns},2052",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
        env={**os.environ, "HOME": str(tmp_path)},
    )
    made = out / name
    if name.endswith(".csv"):
        raw = made.read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        assert "客户名称" in raw.decode("gbk")
    job = run_import(made)
    assert job.rejected == 0, reasons(job)
    customers = {r[0] for r in rows}
    assert job.created == len(customers) and job.created + job.updated == len(rows)
    assert Vehicle.objects.count() == len([r for r in rows if r[8]])
    by_vin = {r[8]: r for r in rows if r[8]}
    for vh in Vehicle.objects.select_related("customer"):
        assert (vh.customer.name, vh.plate, vh.delivery_date) == (
            by_vin[vh.vin][0],
            by_vin[vh.vin][9],
            by_vin[vh.vin][11],
        )
