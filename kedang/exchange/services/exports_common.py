"""What every list export shares (R-I2): the format check, writing the columns and rows, the log."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError

from kedang.accounts.models import User

FORMATS = ("xlsx", "csv")


def check_format(file_format: str) -> None:
    if file_format not in FORMATS:
        raise ValidationError({"format": ValidationError("格式应为 xlsx 或 csv", code="invalid_choice")})


def write_logged(
    *,
    actor: User,
    what: str,
    sheet: str,
    columns: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    file_format: str,
    out: Any,
    filters: dict[str, Any],
) -> int:
    """Write the rows as .xlsx or CSV (UTF-8 with BOM) to `out` and log the export; the rows written."""
    from kedang.archive.output import output_logged

    from ..exports import write_csv, write_xlsx

    check_format(file_format)
    if file_format == "xlsx":
        n = write_xlsx(out, sheet=sheet, columns=columns, rows=rows)
    else:
        n = write_csv(out, columns=columns, rows=rows)
    output_logged(
        actor=actor,
        what=what,
        file_format=file_format,
        filters=filters,  # output_logged drops the blank ones and masks typed numbers
        rows=n,
    )
    return n
