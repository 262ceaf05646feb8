"""The import page (upload, mapping correction, dry run, progress polling, error download) and the
customer-list export (filters, visibility, masking, formula injection, log)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from kedang.accounts.models import User
from kedang.customers.models import Customer
from kedang.exchange.exports import Column, safe_cell, write_csv, write_xlsx
from kedang.exchange.models import ExportLog, ImportJob, ImportStatus

from .conftest import IDS, VINS

pytestmark = pytest.mark.django_db


def _upload(client: Client, path: Path) -> Any:
    with path.open("rb") as fh:
        return client.post(reverse("import_home"), {"file": fh})


def _poll_to_the_end(client: Client, job: ImportJob) -> ImportJob:
    for _ in range(50):
        r = client.post(reverse("import_progress", args=[job.pk]))
        assert r.status_code == 200
        if r.get("HX-Refresh"):
            break
    job.refresh_from_db()
    return job


def test_upload_correct_mapping_dry_run_then_import(
    login: Callable[[str], Client], write_xlsx: Callable[..., Path]
) -> None:
    client = login("cs_manager")
    headers = ["客户", "号码", "证件", "车架号"]
    rows = [["张三", "13800000001", IDS[0], VINS[0]], ["李四", "1380000", IDS[1], VINS[1]]]
    r = _upload(client, write_xlsx(headers, rows))
    job = ImportJob.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("import_job", args=[job.pk])
    page = client.get(r["Location"]).content.decode()
    assert 'name="col_1"' in page and "13800000001" in page  # sample data shown
    assert job.mapping == {"0": "customer.name", "3": "vehicle.vin"}  # 号码, 证件 not guessed

    r = client.post(
        reverse("import_mapping", args=[job.pk]),
        {
            "col_0": "customer.name",
            "col_1": "customer.phone",
            "col_2": "customer.id_number",
            "col_3": "vehicle.vin",
        },
    )
    job.refresh_from_db()
    assert job.mapping == {
        "0": "customer.name",
        "1": "customer.phone",
        "2": "customer.id_number",
        "3": "vehicle.vin",
    }

    client.post(reverse("import_start", args=[job.pk]), {"dry_run": "1"})
    job = _poll_to_the_end(client, job)
    assert job.status == ImportStatus.CHECKED and job.dry_report["created"] == 1 and job.rejected == 1
    assert not Customer.objects.exists()
    page = client.get(reverse("import_job", args=[job.pk])).content.decode()
    assert (
        "试导入结果" in page
        and "电话号码格式不正确" in page
        and reverse("import_errors", args=[job.pk]) in page
    )

    client.post(reverse("import_start", args=[job.pk]), {"dry_run": "0"})
    progress = client.get(reverse("import_job", args=[job.pk])).content.decode()
    assert 'hx-post="{}"'.format(reverse("import_progress", args=[job.pk])) in progress
    job = _poll_to_the_end(client, job)
    assert job.status == ImportStatus.DONE and (job.created, job.rejected) == (1, 1)
    assert Customer.objects.get().name == "张三"

    r = client.get(reverse("import_errors", args=[job.pk]))
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    assert [c.value for c in ws[2]][:2] == ["李四", "1380000"]


def test_refused_file_is_explained_on_the_page(login: Callable[[str], Client], tmp_path: Path) -> None:
    client = login("cs_manager")
    path = tmp_path / "客户.xlsx"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x01" * 64)
    r = _upload(client, path)
    assert r.status_code == 200 and "PNG 图片" in r.content.decode()
    assert not ImportJob.objects.exists()


def test_someone_elses_job_is_not_found(
    login: Callable[[str], Client], users: dict[str, User], write_xlsx: Callable[..., Path]
) -> None:
    _upload(login("cs_manager"), write_xlsx(["姓名", "手机"], [["张三", "13800000001"]]))
    job = ImportJob.objects.get()
    other = login("cs_agent")
    assert other.get(reverse("import_job", args=[job.pk])).status_code == 404
    assert other.get(reverse("import_errors", args=[job.pk])).status_code == 404


def test_read_only_role_has_no_import_page(login: Callable[[str], Client]) -> None:
    assert login("auditor").get(reverse("import_home")).status_code == 403


def test_template_download_imports_cleanly(login: Callable[[str], Client], tmp_path: Path) -> None:
    client = login("cs_manager")
    content = client.get(reverse("import_template")).content
    path = tmp_path / "模板.xlsx"
    path.write_bytes(content)
    _upload(client, path)
    job = ImportJob.objects.get()
    assert len(job.mapping) == len(job.headers)  # every template column is recognised


# ---------------------------------------------------------------- export


PAYLOADS = ['=HYPERLINK("http://x")', "+1+2", "-3+4", "@SUM(A1)", "\tTAB", "\rCR"]


def test_formula_payloads_are_neutralised_and_numbers_stay_numbers() -> None:
    columns = [Column("名称"), Column("金额")]
    rows = [[p, Decimal("-120.50")] for p in PAYLOADS]
    out = io.BytesIO()
    write_xlsx(out, sheet="t", columns=columns, rows=rows)
    ws = load_workbook(io.BytesIO(out.getvalue())).active
    assert ws is not None
    for i, p in enumerate(PAYLOADS, start=2):
        cell = ws.cell(row=i, column=1)
        # (an XML writer may store a carriage return as a line feed)
        assert cell.data_type == "s" and cell.value in ("'" + p, "'" + p.replace("\r", "\n"))
        amount = ws.cell(row=i, column=2)
        assert amount.data_type == "n" and amount.value == -120.5
    out = io.BytesIO()
    write_csv(out, columns=columns, rows=rows)
    text = out.getvalue().decode("utf-8")
    assert text.startswith("\ufeff名称,金额")
    lines = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert [line[0] for line in lines[1:]] == ["'" + p for p in PAYLOADS]
    assert all(line[1] == "-120.50" for line in lines[1:])
    assert safe_cell(-5) == -5 and safe_cell("普通文字") == "普通文字"


def test_export_keeps_filters_visibility_masking_and_is_logged(
    login: Callable[[str], Client], users: dict[str, User], make_customer: Any
) -> None:
    make_customer(name="=CMD|' /C calc'!A0", tier="A", notes="@SUM(1+1)", id_number=IDS[0])
    make_customer(name="李四", tier="B")
    make_customer(owner=users["am2"], name="王五", tier="A")

    client = login("account_manager")  # sees her own two customers only
    r = client.get(reverse("customers_export"), {"format": "xlsx", "tier": "A"})
    assert r.status_code == 200 and "attachment" in r["Content-Disposition"]
    ws = load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    rows = [list(row) for row in ws.iter_rows(values_only=True)]
    assert rows[0][:3] == ["档号", "名称", "类型"]
    assert len(rows) == 2  # the header and her tier-A customer: not 李四 (tier B), not 王五 (am2's)
    name, phone, ident, notes = rows[1][1], rows[1][3], rows[1][5], rows[1][16]
    assert name == "'=CMD|' /C calc'!A0" and notes == "'@SUM(1+1)"
    assert "****" in phone and ident == IDS[0][:6] + "********" + IDS[0][-4:]
    log = ExportLog.objects.get()
    assert (log.user, log.what, log.file_format, log.filters, log.rows) == (
        users["account_manager"],
        "customers",
        "xlsx",
        {"tier": "A"},
        1,
    )

    r = login("general_manager").get(reverse("customers_export"), {"format": "csv"})
    text = r.content.decode("utf-8")
    assert text.startswith("\ufeff") and r["Content-Type"].startswith("text/csv")
    assert len(list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))) == 4
    assert ExportLog.objects.count() == 2


def test_the_list_page_links_the_export_with_its_filters(login: Callable[[str], Client]) -> None:
    html = login("cs_manager").get(reverse("customer_list"), {"tier": "A", "kind": "person"}).content.decode()
    assert f"{reverse('customers_export')}?format=xlsx&amp;tier=A&amp;kind=person" in html


def test_import_pages_are_english(login: Callable[[str], Client], write_xlsx: Callable[..., Path]) -> None:
    from kedang.web.tests.test_i18n import untranslated

    client = login("cs_manager")
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    _upload(client, write_xlsx(["Name", "Mobile", "VIN"], [["Zhang San", "13800000001", VINS[0]]]))
    job = ImportJob.objects.get()
    client.post(reverse("import_start", args=[job.pk]), {"dry_run": "1"})
    _poll_to_the_end(client, job)
    for url in [reverse("import_home"), reverse("import_job", args=[job.pk])]:
        html = client.get(url).content.decode()
        # the Chinese date spelling is an example of what the import reads
        html = html.replace(job.original_name, "").replace("2026年3月1日", "")
        assert untranslated(html) == [], url
