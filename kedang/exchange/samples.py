"""Spreadsheets of realistic customers for tests, benchmarks and the import page's template download.

Rows come from the demo generator (valid ID numbers, USCCs, VINs and plates); one row per vehicle,
the customer's columns repeated, as dealers' spreadsheets are laid out.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from kedang.customers.demo import UniqueValues, demo_customers

HEADERS = [
    "客户名称",
    "客户类型",
    "手机",
    "身份证号",
    "统一社会信用代码",
    "地址",
    "客户经理",
    "等级",
    "车架号",
    "车牌号",
    "车型",
    "提车日期",
    "开票日期",
    "备注",
]


def sample_rows(
    n: int, *, seed: int = 7, owners: Sequence[str] = ("am1",), today: dt.date | None = None
) -> Iterator[list[Any]]:
    """Rows of `n` customers (more rows than customers: one per vehicle). Identifiers never repeat;
    company names may, past a few thousand (the generator has only so many)."""
    seen = UniqueValues()
    specs = (
        spec
        for start in range(0, n, 2000)
        for spec in demo_customers(
            min(2000, n - start), seed=seed + start, owners=owners, today=today, seen=_fresh_names(seen)
        )
    )
    for spec in specs:
        f = spec.fields
        base = [
            f["name"],
            "单位" if f["kind"] == "company" else "个人",
            f.get("phone", ""),
            f.get("id_number", ""),
            f.get("uscc", ""),
            f.get("address", ""),
            spec.owner,
            f.get("tier", ""),
        ]
        notes = f.get("notes", "")
        if not spec.vehicles:
            yield [*base, "", "", "", None, None, notes]
        for dv in spec.vehicles:
            v = dv.fields
            yield [*base, v["vin"], v["plate"], v["model"], v["delivery_date"], v["invoice_date"], notes]


def _fresh_names(seen: UniqueValues) -> UniqueValues:
    seen.names = set()
    return seen


def write_xlsx(
    path: Path, rows: Iterator[list[Any]] | list[list[Any]], headers: Sequence[str] = HEADERS
) -> Path:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("客户")
    ws.append(list(headers))
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def write_csv(
    path: Path,
    rows: Iterator[list[Any]] | list[list[Any]],
    headers: Sequence[str] = HEADERS,
    *,
    encoding: str = "utf-8-sig",
) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(headers)
        for row in rows:
            w.writerow(["" if x is None else (x.isoformat() if isinstance(x, dt.date) else x) for x in row])
    return path
