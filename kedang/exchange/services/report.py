"""What a run rejected: the list of reasons and the error workbook to fix and re-import."""

from __future__ import annotations

from typing import Any

from ..mapping import ERROR_COLUMN
from ..models import ImportJob, ImportRejection
from .rows import Columns


def error_workbook(job: ImportJob, *, dry_run: bool, out: Any) -> int:
    """The rejected rows as an .xlsx: the original columns, the bad cells in red, and a last column
    with every reason. Fixed and uploaded again, it imports (the reason column is ignored).
    Writes to the binary file object `out`; returns the number of rows written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    from ..exports import safe_cell

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("错误行")
    columns = Columns(job)
    bold = Font(bold=True)
    red = PatternFill("solid", fgColor="FFC7CE")
    header = []
    for text in [*job.headers, ERROR_COLUMN]:
        cell = WriteOnlyCell(ws, value=safe_cell(text))
        cell.font = bold
        header.append(cell)
    ws.append(header)
    n = 0
    for rej in ImportRejection.objects.filter(job=job, dry_run=dry_run).order_by("row").iterator():
        bad = {columns.by_code[e["field"]] for e in rej.errors if e["field"] in columns.by_code}
        cells = []
        for i in range(len(job.headers)):
            value = rej.values[i] if i < len(rej.values) else ""
            cell = WriteOnlyCell(ws, value=safe_cell(value))
            if i in bad:
                cell.fill = red
            cells.append(cell)
        reasons = "；".join(
            f"第{rej.row}行 {e['column']}：{e['message']}"
            if e["column"]
            else f"第{rej.row}行：{e['message']}"
            for e in rej.errors
        )
        cells.append(WriteOnlyCell(ws, value=safe_cell(reasons)))
        ws.append(cells)
        n += 1
    wb.save(out)
    return n


def rejected_list(job: ImportJob, *, dry_run: bool) -> list[dict[str, Any]]:
    """Every reason of every rejected row: [{row, field, column, code, message}], by row."""
    out = []
    for rej in ImportRejection.objects.filter(job=job, dry_run=dry_run).order_by("row"):
        for e in rej.errors:
            name = e["field"].split(".", 1)[1] if "." in e["field"] else (e["field"] or "__all__")
            out.append(
                {
                    "row": rej.row,
                    "field": name,
                    "column": e["column"],
                    "code": e["code"],
                    "message": e["message"],
                }
            )
    return out


def summary(job: ImportJob) -> dict[str, Any]:
    """{imported, updated, unchanged, rejected: [...]} of the job's current run (SPEC §14 /imports)."""
    return {
        "job": job.pk,
        "status": job.status,
        "dry_run": job.dry_run,
        "rows": job.total_rows,
        "imported": job.created,
        "updated": job.updated,
        "unchanged": job.unchanged,
        "rejected": rejected_list(job, dry_run=job.dry_run),
    }
