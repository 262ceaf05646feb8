"""The aging report as Excel (R-R3): the rows the user may see as of a date, with the totals; logged
through the archive layer's `output_logged` like every other output (R-G6)."""

from __future__ import annotations

import datetime as dt
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from kedang.accounts.models import User
from kedang.archive.output import output_logged

from .selectors import aging

NUMBER = "#,##0.00"


def aging_xlsx(*, actor: User, as_of: dt.date, out: IO[bytes]) -> int:
    """Write the aging as of `as_of` to `out` (every row, streamed); returns the customer rows written."""
    report = aging(as_of, actor)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("应收账龄")
    ws.append([f"应收账龄（截止 {as_of:%Y-%m-%d}，按到期日计算天数）"])
    bold = Font(bold=True)
    header = []
    for text in ["客户编号", "客户", "应收余额", *[f"{label} 天" for label in report.labels]]:
        cell = WriteOnlyCell(ws, value=text)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    rows = 0

    def money(value: object) -> WriteOnlyCell:
        cell = WriteOnlyCell(ws, value=value)
        cell.number_format = NUMBER
        return cell

    for r in report.rows.iterator(chunk_size=2000):
        buckets = report.buckets_of(r, report.labels)
        ws.append(
            [r["customer_id"], r["customer__name"], money(r["outstanding"]), *map(money, buckets.values())]
        )
        rows += 1
    ws.append(["", "合计", money(report.outstanding), *map(money, report.totals.values())])
    wb.save(out)
    output_logged(
        actor=actor,
        what="receivables_aging",
        file_format="xlsx",
        rows=rows,
        filters={"as_of": as_of.isoformat()},
    )
    return rows
