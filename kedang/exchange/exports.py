"""Exporting lists to Excel and CSV (R-I2): a report is columns plus rows; formatters write them.

Cells that a spreadsheet would run as a formula (text starting with = + - @, a tab or a carriage
return) are neutralised with a leading apostrophe; numbers, dates and Decimals stay what they are, so a
negative amount is still a number. CSV is UTF-8 with a BOM, which Chinese Excel opens correctly.
Every export is logged (ExportLog) by the service that makes it.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet cell that cannot be a formula. Numbers and dates pass unchanged."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float | Decimal | dt.date | dt.datetime):
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


@dataclass(frozen=True)
class Column:
    title: str
    width: int = 14


def write_xlsx(
    out: IO[bytes], *, sheet: str, columns: Sequence[Column], rows: Iterable[Sequence[Any]]
) -> int:
    """Stream the rows into an .xlsx (openpyxl write-only: memory does not grow with the rows)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet[:31])
    for i, col in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = col.width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for col in columns:
        cell = WriteOnlyCell(ws, value=safe_cell(col.title))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    n = 0
    for row in rows:
        cells: list[Any] = []
        for value in row:
            safe = safe_cell(value)
            if isinstance(value, Decimal):
                cell = WriteOnlyCell(ws, value=safe)
                cell.number_format = "#,##0.00"
                cells.append(cell)
            else:
                # plain values are typed by openpyxl: a str is text unless it starts with "=", which
                # safe_cell has made impossible; dates get openpyxl's yyyy-mm-dd
                cells.append(safe)
        ws.append(cells)
        n += 1
    wb.save(out)
    return n


def _csv_text(value: Any) -> str:
    value = safe_cell(value)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    return str(value)


def write_csv(out: IO[bytes], *, columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> int:
    """UTF-8 with BOM, comma-separated, every text cell neutralised."""
    import io

    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow([_csv_text(c.title) for c in columns])
    n = 0
    for row in rows:
        writer.writerow([_csv_text(v) for v in row])
        n += 1
    text.flush()
    text.detach()
    return n
